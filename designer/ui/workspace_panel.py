"""The workspace in the sidebar: save (a commit), save as, open, history, compare versions, restore, and the
autosave of the open design's draft. The URL's `?design=NAME` names the open design, so a reload, a new tab
or a server restart opens it again with its draft.

Autosave runs before the panels an edit changed are rerun (designer.ui.panels.refresh, for edits made in
callbacks) and at the top of the sidebar on every full run (for edits followed by st.rerun), so the run
that shows a change has written its draft. A design opened from elsewhere (gallery, upload, new) joins the
workspace under a free name at its first change, so nothing drawn is only in the browser.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import streamlit as st

from designer.diff import diff_designs, grouped_messages, summary_line
from designer.gitcli import Identity
from designer.publish import NotARepository, PublishRefused, publish
from designer.storage import DesignError
from designer.ui import auth, panels, state
from designer.workspace import Conflict, Version, Workspace, WorkspaceError, check_name
from exporters import ExportError

URL_KEY = "design"
PUBLISH_ENV = "DAG_DESIGNER_PUBLISH_REPO"
CURRENT = "the current design"


def workspace() -> Workspace:
    """This session's workspace, opened (created, repaired after a crash) when the session starts."""
    root, remote = auth.workspace_location()
    return state.session_resource(f"workspace:{root}", lambda: Workspace.open(root, remote))


def autosave() -> None:
    """Write the open design's draft if it changed (binding a new design to a free name first); a failure
    is kept for the panel to show."""
    try:
        _autosave(workspace())
        problem = None
    except WorkspaceError as exc:
        problem = f"The workspace cannot be used: {exc}"
    except OSError as exc:
        problem = f"The draft could not be written: {exc.strerror or exc}"
    st.session_state.workspace_problem = problem


def _shows() -> tuple:
    """The open design's record (not when its draft was written), an autosave failure, and the design itself
    while the History compares versions with it."""
    bound = state.workspace_design()
    record = None if bound is None else {k: v for k, v in bound.items() if k != "drafted"}
    compared = panels.Same(state.design()) if bound is not None and bound["base"] else None
    return record, st.session_state.get("workspace_problem"), compared


@panels.panel("workspace", _shows)
def workspace_panel() -> None:
    auth.require_login()
    try:
        if state.once_per_session("workspace_url"):
            _follow_url(workspace())
    except WorkspaceError as exc:
        st.error(f"The workspace cannot be used: {exc}")
        return
    autosave()
    if st.session_state.workspace_problem:
        st.error(st.session_state.workspace_problem)
        return
    ws = workspace()
    st.subheader("Workspace")
    auth.signed_in_as()
    bound = state.workspace_design()
    if bound is not None:
        saved = f"version {bound['base'][:7]}" if bound["base"] else "never saved"
        st.caption(f"Open: **{bound['name']}** ({saved}); draft kept as you draw")
        if bound.get("conflict"):
            _conflict(ws, bound)
    _save_controls(ws, bound)
    _open_controls(ws, bound)
    if bound is not None and bound["base"]:
        with st.expander("History"):
            _history(ws, bound["name"])
    if publish_target():
        with st.expander("Publish to the Airflow repository"):
            _publish_controls(publish_target())


# --- URL and autosave ------------------------------------------------------------------------------

def _follow_url(ws: Workspace) -> None:
    """At the start of a session, open the design the URL names (with its draft)."""
    wanted = st.query_params.get(URL_KEY)
    if wanted:
        open_design(ws, wanted)


def _autosave(ws: Workspace) -> None:
    bound = state.workspace_design()
    if bound is None:
        if state.revision() == 0:
            return  # the design a session starts with: nothing drawn yet
        name = ws.new_draft(state.design().dag.dag_id, state.design())  # a name no other session can take
        state.bind_workspace(name, None)
        state.drafted()
        st.query_params[URL_KEY] = name
        bound = state.workspace_design()
    if state.draft_due():
        ws.write_draft(bound["name"], state.design(), bound["base"])
        state.drafted()
    if st.query_params.get(URL_KEY) != bound["name"]:
        st.query_params[URL_KEY] = bound["name"]


def open_design(ws: Workspace, name: str) -> bool:
    """Open `name`: its draft when it has one, else its last saved version. A message says what happened."""
    try:
        check_name(name)
        try:
            opened = ws.resume(name)
            note = "draft restored" if opened.written else "last saved version"
        except DesignError as exc:
            base = ws.version_of(name)
            opened_design = ws.load(name, base)
            state.open_from_workspace(opened_design, name, base)
            state.fail(f"The draft of {name} could not be read ({exc}); opened its last saved version")
            st.query_params[URL_KEY] = name
            return True
    except (WorkspaceError, DesignError) as exc:
        state.fail(f"Could not open {name}: {exc}")
        st.query_params.pop(URL_KEY, None)
        return False
    state.open_from_workspace(opened.design, name, opened.base)
    state.tell(f"Opened {name} ({note})")
    st.query_params[URL_KEY] = name
    return True


# --- saving ----------------------------------------------------------------------------------------

def _author() -> Identity | None:
    user = auth.current_user()
    return Identity(user.name, user.email) if user else None


def _save_controls(ws: Workspace, bound: dict | None) -> None:
    message = st.text_input("Save message", key=f"ws_message:{panels.version('workspace')}", placeholder="what changed")
    if st.button("Save", key="ws_save", type="primary", width="stretch", disabled=bound is None,
                 help="Commit the design as a new version in the workspace"):
        save(ws, bound["name"], bound["base"], message)
    new_name = st.text_input("Save as", key="ws_save_as", placeholder="new design name")
    if st.button("Save as", key="ws_save_as_btn", width="stretch"):
        save_as(ws, new_name.strip(), message)


def save(ws: Workspace, name: str, base: str | None, message: str) -> None:
    """Save the current design as `name` from version `base`; a conflict is shown, never overwritten."""
    try:
        version = ws.save(name, state.design(), base, message, _author())
    except Conflict as exc:
        state.update_workspace(conflict={"current": exc.current, "theirs": exc.theirs})
        state.fail(str(exc))
        st.rerun()
    except WorkspaceError as exc:
        state.fail(f"Not saved: {exc}")
        st.rerun()
    state.update_workspace(base=version.commit, drafted=state.revision(), conflict=None)
    state.tell(f"Saved {name} as version {version.short}")
    st.rerun()


def save_as(ws: Workspace, name: str, message: str) -> None:
    """Save the current design under a new name, which then is the open design."""
    old = state.workspace_design()
    try:
        check_name(name)
        if name in ws.names():
            raise WorkspaceError(f"a design named {name} exists already; choose another name")
        version = ws.save(name, state.design(), None, message, _author())
    except WorkspaceError as exc:
        state.fail(f"Not saved: {exc}")
        st.rerun()
    if old is not None and old["name"] != name:
        ws.discard_draft(old["name"])  # its changes are saved under the new name
    state.bind_workspace(name, version.commit)
    state.drafted()
    st.query_params[URL_KEY] = name
    state.tell(f"Saved as {name} (version {version.short})")
    st.rerun()


def _conflict(ws: Workspace, bound: dict) -> None:
    conflict = bound["conflict"]
    theirs, current = conflict["theirs"], conflict["current"]
    st.warning(f"{bound['name']} was saved elsewhere" + (f" (version {current.short} by {current.author})"
                                                         if current else "") + ". Nothing was overwritten.")
    if theirs is not None:
        result = diff_designs(theirs, state.design())
        st.text(f"From their version to yours: {summary_line(result)}")
        for heading, lines in grouped_messages(result):
            st.markdown(f"**{heading}**")
            st.code("\n".join(lines), language=None)
    cols = st.columns(2)
    if cols[0].button("Reload theirs", key="ws_reload", width="stretch", disabled=theirs is None,
                      help="Open their version; Undo brings yours back"):
        state.open_from_workspace(theirs, bound["name"], current.commit)
        state.update_workspace(drafted=None)  # the draft becomes theirs too (a reload must not bring yours back)
        state.tell(f"Reloaded {bound['name']} (version {current.short}); Undo brings your design back")
        st.rerun()
    if cols[1].button("Keep editing", key="ws_dismiss", width="stretch"):
        state.update_workspace(conflict=None)
        st.rerun()
    st.caption("Or save yours under another name with Save as below.")


# --- publishing ---------------------------------------------------------------------------------------

def publish_target() -> Path | None:
    """The Airflow repository designs are published to ($DAG_DESIGNER_PUBLISH_REPO), or None."""
    configured = os.environ.get(PUBLISH_ENV, "").strip()
    return Path(configured) if configured else None


def _publish_controls(repo: Path) -> None:
    st.caption(f"A new branch with one commit in {repo}; your checkout there is not touched.")
    branch = st.text_input("Branch", key="ws_branch", placeholder="default: designer/<module>-<hash>")
    if not st.button("Publish", key="ws_publish", width="stretch"):
        return
    try:
        result = publish(state.design(), repo, branch.strip() or None, _author())
    except (PublishRefused, NotARepository, ExportError) as exc:
        st.error(f"Not published: {exc}")
        return
    if result.branch is None:
        st.info("Nothing to publish: the repository's HEAD holds these files already.")
    else:
        st.success(f"Published to branch {result.branch} (commit {result.commit[:7]}): " + ", ".join(result.files))


# --- opening and history -----------------------------------------------------------------------------

def _open_controls(ws: Workspace, bound: dict | None) -> None:
    entries = ws.entries()
    if not entries:
        st.caption("The workspace holds no design yet.")
        return
    labels = {e.name: e.name + (" (draft)" if e.draft and e.saved else "") + ("" if e.saved else " (never saved)")
              for e in entries}
    choice = st.selectbox("Designs in the workspace", list(labels), format_func=labels.get, key="ws_pick")
    cols = st.columns(2)
    if cols[0].button("Open", key="ws_open", width="stretch"):
        open_design(ws, choice)
        st.rerun()
    has_draft = next(e.draft for e in entries if e.name == choice)
    is_open = bound is not None and bound["name"] == choice
    if cols[1].button("Discard draft", key="ws_discard", width="stretch", disabled=not has_draft or is_open,
                      help="Forget the unsaved changes of this design (not of the open one)"):
        ws.discard_draft(choice)
        state.tell(f"Discarded the draft of {choice}")
        st.rerun()
    if ws.remote and st.button("Refresh from the shared repository", key="ws_sync", width="stretch"):
        ws.sync()
        st.rerun()


def _label(version: Version) -> str:
    when = dt.datetime.fromtimestamp(version.time).strftime("%Y-%m-%d %H:%M")
    return f"{version.short} · {when} · {version.author} · {version.message}"


def _history(ws: Workspace, name: str) -> None:
    versions = {v.commit: v for v in ws.history(name)}
    pick = st.selectbox("Version", list(versions), format_func=lambda c: _label(versions[c]), key="ws_version")
    if st.button("Open this version", key="ws_restore", width="stretch",
                 help="Put this version in the editor; Save makes it the latest (Undo brings back what you had)"):
        state.open_from_workspace(ws.load(name, pick), name, ws.version_of(name))
        state.update_workspace(drafted=None)  # the draft now holds the restored version
        state.tell(f"Opened version {versions[pick].short} of {name}; save to make it the latest")
        st.rerun()
    options = [CURRENT, *versions]
    shown = {CURRENT: CURRENT, **{c: _label(v) for c, v in versions.items()}}
    older = st.selectbox("Compare from", options, index=min(1, len(options) - 1), format_func=shown.get,
                         key="ws_from")
    newer = st.selectbox("to", options, index=0, format_func=shown.get, key="ws_to")
    old, new = (state.design() if c == CURRENT else ws.load(name, c) for c in (older, newer))
    result = diff_designs(old, new)
    st.text(summary_line(result))
    for heading, lines in grouped_messages(result):
        st.markdown(f"**{heading}**")
        st.code("\n".join(lines), language=None)
