"""Editing panels: palette, task/group properties, DAG settings, bulk table, bitshift text and stamps.

Every change is a pure edit made through `state.try_edit` (in a callback, then `panels.refresh`) or
`state.apply` (in a form's body, then a full rerun), so undo/redo and error messages work alike. Each
panel's widget keys carry `panels.version`, so a form starts afresh exactly when what it edits changed.
"""

from __future__ import annotations

import datetime as dt
import zlib

import pandas as pd
import streamlit as st

from designer import dsl, edits, patterns
from designer.model import MAX_DURATION, Group, Task, TriggerRule
from designer.operators import catalog, operator_spec
from designer.schedule_text import schedule_text
from designer.ui import forms, panels, state

NO_GROUP = "(top level)"
MAX_MINUTES = MAX_DURATION.total_seconds() / 60  # what the model holds as a duration


def _group_options(exclude: str | None = None) -> list[str]:
    return [NO_GROUP, *(g.id for g in state.design().groups if g.id != exclude)]


def _group_value(choice: str) -> str | None:
    return None if choice == NO_GROUP else choice


def _toolbar_shows() -> tuple:
    ss = st.session_state
    return bool(ss.undo), bool(ss.redo), state.current_message()


@panels.panel("toolbar", _toolbar_shows)
def toolbar() -> None:
    """Undo, redo and the message of the last edit."""
    ss = st.session_state
    cols = st.columns([1, 1, 6])
    cols[0].button("↶ Undo", on_click=panels.refreshing(state.undo), disabled=not ss.undo, key="undo_btn",
                   width="stretch")
    cols[1].button("↷ Redo", on_click=panels.refreshing(state.redo), disabled=not ss.redo, key="redo_btn",
                   width="stretch")
    # Always one element here, message or not: a message appearing must not shift the canvas' place in
    # the page, or the browser would rebuild the canvas (losing zoom and pan).
    slot = st.empty()
    message = state.current_message()
    if message:
        kind, text = message
        (slot.error if kind == "error" else slot.success)(text)


def _group_ids() -> tuple[str, ...]:
    return tuple(g.id for g in state.design().groups)


def _palette_shows() -> tuple:
    return _group_ids(), st.session_state.get("refused", {}).get("palette")


@panels.panel("palette", _palette_shows)
def palette() -> None:
    """Add a task of any catalog operator (or a custom class path). Applied in the submit's callback, so
    one run shows it; a refused id stays in the box with the reason under it."""
    specs = {s.label: s for s in catalog().values()}
    rev = st.session_state.revision  # a fresh id box after each change; kept after a refusal
    with st.form("palette", border=False):
        st.selectbox("Operator", list(specs), key="palette_op")
        st.text_input("Custom operator class (dotted path)", key="palette_custom",
                      help="Only for 'Custom operator', e.g. my_company.operators.LoadOperator")
        st.text_input("Task id", key=f"palette_id:{rev}", placeholder="e.g. load_orders")
        st.selectbox("Group", _group_options(), key="palette_group")
        st.form_submit_button("Add task", width="stretch", on_click=_add_from_palette, args=(rev,))
    refused = st.session_state.get("refused", {}).pop("palette", None)
    if refused:
        st.error(refused)


def _add_from_palette(rev: int) -> None:
    ss = st.session_state
    spec = {s.label: s for s in catalog().values()}[ss.palette_op]
    operator = (ss.get("palette_custom") or "").strip() if spec.free_args else spec.key
    wanted = (ss.get(f"palette_id:{rev}") or "").strip() or edits.unique_id(state.design(), spec.key)
    group = _group_value(ss.palette_group)
    problem = state.try_edit(lambda d: edits.add_task(d, Task(id=wanted, operator=operator, group=group)),
                             f"Added task {wanted}", selection=[wanted])
    ss.refused = {**ss.get("refused", {}), "palette": problem} if problem else ss.get("refused", {})
    panels.refresh("palette")


def _task_ids() -> tuple[str, ...]:
    return tuple(t.id for t in state.design().tasks)


@panels.panel("new_group", lambda: (_group_ids(), _task_ids(), tuple(state.selected())))
def new_group() -> None:
    with st.form("new_group", border=False):
        group_id = st.text_input("Group id", key=f"new_group_id:{panels.version('new_group')}")
        parent = st.selectbox("Inside", _group_options(), key="new_group_parent")
        task_ids = [t.id for t in state.design().tasks]
        chosen = [i for i in state.selected() if i in set(task_ids)]
        # Keyed by the selection: a keyed widget keeps its first default, and this one should follow
        # what is selected on the canvas.
        selection_key = zlib.crc32("\n".join(chosen).encode())
        members = st.multiselect("Move these tasks into it", task_ids, default=chosen,
                                 key=f"new_group_members:{selection_key}")
        if st.form_submit_button("Create group", width="stretch"):
            def edit(d):
                d = edits.add_group(d, Group(id=group_id.strip(), parent=_group_value(parent)))
                for member in members:
                    d = edits.move_to_group(d, member, group_id.strip())
                return d
            state.apply(edit, f"Created group {group_id.strip()}", selection=[group_id.strip()])


def _picked(key: str) -> None:
    state.select([st.session_state[key]])


def _properties_shows() -> tuple:
    """Every id (the picker), the item shown and what its form offers (groups; a task's downstream tasks),
    leaving out positions: a drag changes nothing here."""
    design = state.design()
    selected = state.selected()[:1]
    items = {item.id: item for item in (*design.tasks, *design.groups)}
    item = items.get(selected[0]) if selected and selected[0] in items else next(iter(items.values()), None)
    shown = None if item is None else item.model_copy(update={"position": None})
    downstream = tuple(e.downstream for e in design.edges if item is not None and e.upstream == item.id)
    return tuple(items), shown, downstream, _group_ids()


@panels.panel("properties", _properties_shows)
def properties() -> None:
    """The property panel of the selected task or group."""
    design = state.design()
    ids = [t.id for t in design.tasks] + [g.id for g in design.groups]
    if not ids:
        st.info("Add a task from the palette to begin.")
        return
    chosen = state.selected()[0] if state.selected() and state.selected()[0] in ids else ids[0]
    pick = st.selectbox("Selected", ids, index=ids.index(chosen), key=f"prop_pick:{chosen}",
                        on_change=panels.refreshing(_picked, "properties"), args=(f"prop_pick:{chosen}",))
    if any(t.id == pick for t in design.tasks):
        _task_form(next(t for t in design.tasks if t.id == pick))
    else:
        _group_form(next(g for g in design.groups if g.id == pick))
    _rename_delete(pick)


def _task_form(task: Task) -> None:
    spec = operator_spec(task.operator)
    key = f"task:{task.id}:{panels.version('properties')}"
    st.caption(f"{spec.label if spec else 'Unknown operator'} · {spec.description if spec else task.operator}")
    free = spec is None or spec.free_args
    branching = spec is not None and spec.branches
    downstream = sorted({e.downstream for e in state.design().edges if e.upstream == task.id})
    shown = {
        "task_id": task.task_id or "", "group": task.group or NO_GROUP, "trigger_rule": task.trigger_rule.value,
        "branches": [b for b in task.branches if b in downstream],
        "retries": "" if task.overrides.retries is None else str(task.overrides.retries),
        "pool": task.overrides.pool or "", "estimate": task.estimated_duration.total_seconds() / 60,
    }
    with st.form(key, border=False):
        groups = forms.with_current(_group_options(), shown["group"])
        entered = {"group": st.selectbox("Group", groups, index=groups.index(shown["group"]), key=f"{key}:group")}
        entered["task_id"] = st.text_input("Airflow task_id within the group", shown["task_id"], key=f"{key}:task_id",
                                           placeholder=task.id, help="Empty: the id. Two groups may each hold a "
                                           "task Airflow calls extract; their ids in the design differ.")
        rules = [r.value for r in TriggerRule]
        entered["trigger_rule"] = st.selectbox("Trigger rule", rules, index=rules.index(shown["trigger_rule"]),
                                               key=f"{key}:rule")
        if free:
            raw_free = forms.free_args_editor(task.args, f"{key}:free")
        else:
            raws = forms.operator_args_form(spec, task.args, key)
        if branching:
            entered["branches"] = st.multiselect("Branches it may choose", downstream, default=shown["branches"],
                                                 key=f"{key}:branches")
        c1, c2, c3 = st.columns(3)
        entered["retries"] = c1.text_input("retries", shown["retries"], key=f"{key}:retries")
        entered["pool"] = c2.text_input("pool", shown["pool"], key=f"{key}:pool")
        entered["estimate"] = c3.number_input("estimated minutes", min_value=0.0, max_value=MAX_MINUTES,
                                              value=shown["estimate"],
                                              key=f"{key}:estimate")
        if st.form_submit_button("Apply", type="primary", width="stretch"):
            try:
                update = _task_changes(task, forms.changed(shown, entered))
                args = forms.parse_free_args(raw_free, task.args) if free else forms.parse_args(spec, raws, task.args)
            except (forms.FormError, ValueError) as exc:
                st.error(str(exc))
                return
            if args != task.args:
                update["args"] = args
            group = update.pop("group", task.group)
            state.apply(lambda d: edits.move_to_group(edits.update_task(d, task.id, **update), task.id, group),
                        f"Updated {task.id}")


def _task_changes(task: Task, changes: dict) -> dict:
    """Task fields for the form entries the user changed (raises ValueError for a bad number)."""
    update: dict = {}
    overrides: dict = {}
    for name, value in changes.items():
        if name == "group":
            update["group"] = _group_value(value)
        elif name == "estimate":
            update["estimated_duration"] = dt.timedelta(minutes=value)
        elif name == "retries":
            overrides["retries"] = int(value) if value.strip() else None
        elif name == "pool":
            overrides["pool"] = value.strip() or None
        elif name == "task_id":
            update["task_id"] = value.strip() or None
        else:
            update[name] = value
    if overrides:
        update["overrides"] = task.overrides.model_copy(update=overrides).model_dump()
    return update


def _group_form(group: Group) -> None:
    key = f"group:{group.id}:{panels.version('properties')}"
    shown = {
        "group_id": group.group_id or "", "parent": group.parent or NO_GROUP, "tooltip": group.tooltip,
        "ui_color": group.ui_color or "#eef4fb",
        "prefix_group_id": group.prefix_group_id,
        "retries": "" if group.default_args.retries is None else str(group.default_args.retries),
    }
    with st.form(key, border=False):
        options = forms.with_current(_group_options(exclude=group.id), shown["parent"])
        entered = {
            "group_id": st.text_input("Airflow group_id within the parent", shown["group_id"], key=f"{key}:group_id",
                                      placeholder=group.id, help="Empty: the id."),
            "parent": st.selectbox("Inside", options, index=options.index(shown["parent"]), key=f"{key}:parent"),
            "tooltip": st.text_input("Tooltip", shown["tooltip"], key=f"{key}:tooltip"),
            "ui_color": st.color_picker("Colour", shown["ui_color"], key=f"{key}:color"),
            "prefix_group_id": st.checkbox("Prefix task ids with the group id", shown["prefix_group_id"],
                                           key=f"{key}:prefix"),
            "retries": st.text_input("retries for its tasks", shown["retries"], key=f"{key}:retries"),
        }
        if st.form_submit_button("Apply", type="primary", width="stretch"):
            update = forms.changed(shown, entered)
            if "group_id" in update:
                update["group_id"] = update["group_id"].strip() or None
            if "parent" in update:
                update["parent"] = _group_value(update["parent"])
            if "retries" in update:
                retries = update.pop("retries")
                try:
                    value = int(retries) if retries.strip() else None
                except ValueError:
                    st.error(f"retries must be a whole number, got {retries!r}")
                    return
                update["default_args"] = group.default_args.model_copy(update={"retries": value}).model_dump()
            state.apply(lambda d: edits.update_group(d, group.id, **update), f"Updated group {group.id}")


def _rename_delete(item_id: str) -> None:
    c1, c2 = st.columns([3, 1])
    new_id = c1.text_input("Rename to", item_id, key=f"rename:{item_id}:{panels.version('properties')}")
    if c1.button("Rename", key=f"rename_btn:{item_id}") and new_id != item_id:
        state.apply(lambda d: edits.rename(d, item_id, new_id.strip()), f"Renamed {item_id} to {new_id.strip()}",
                    selection=[new_id.strip()])
    if c2.button("Delete", key=f"delete:{item_id}", type="secondary"):
        state.apply(lambda d: edits.remove(d, [item_id]), f"Deleted {item_id}", selection=[])


@panels.panel("dag_settings", lambda: state.design().dag)
def dag_settings() -> None:
    dag = state.design().dag
    key = f"dag:{panels.version('dag_settings')}"
    plain_schedule = dag.schedule is None or isinstance(dag.schedule, str)
    shown = {
        "dag_id": dag.dag_id, "description": dag.description,
        "schedule": schedule_text(dag.schedule), "start_date": dag.start_date.date(),
        "catchup": dag.catchup, "owner": dag.default_args.owner or "", "retries": dag.default_args.retries,
        "tags": ", ".join(dag.tags), "max_active_tasks": dag.max_active_tasks,
    }
    with st.form(key, border=False):
        entered = {
            "dag_id": st.text_input("dag_id", shown["dag_id"], key=f"{key}:id"),
            "description": st.text_input("Description", shown["description"], key=f"{key}:desc"),
            "schedule": st.text_input("Schedule (cron or preset; empty for manual runs)", shown["schedule"],
                                      key=f"{key}:schedule", disabled=not plain_schedule,
                                      help=None if plain_schedule else "Kept as it is; change it in the design file."),
            "start_date": st.date_input("Start date", shown["start_date"], key=f"{key}:start",
                                        help="The time of day and the timezone are kept."),
            "catchup": st.checkbox("Catch up missed runs", shown["catchup"], key=f"{key}:catchup"),
        }
        c1, c2 = st.columns(2)
        entered["owner"] = c1.text_input("Owner", shown["owner"], key=f"{key}:owner")
        entered["retries"] = c2.number_input("Retries (all tasks)", 0, 100, shown["retries"], key=f"{key}:retries",
                                             placeholder="not set")
        entered["tags"] = st.text_input("Tags (comma separated)", shown["tags"], key=f"{key}:tags")
        entered["max_active_tasks"] = st.number_input("max_active_tasks", 1, 10_000, shown["max_active_tasks"],
                                                      key=f"{key}:mat", placeholder="Airflow's default")
        if st.form_submit_button("Apply", type="primary", width="stretch"):
            changes = _dag_changes(dag, forms.changed(shown, entered))
            state.apply(lambda d: edits.update_dag(d, **changes), "Updated DAG settings")


def _dag_changes(dag, changes: dict) -> dict:
    """DagSettings fields for the form entries the user changed."""
    update: dict = {}
    default_args: dict = {}
    for name, value in changes.items():
        if name == "start_date":  # only the day is edited here: keep the time of day and the timezone
            update[name] = dag.start_date.replace(year=value.year, month=value.month, day=value.day)
        elif name == "owner":
            default_args["owner"] = value.strip() or None
        elif name == "retries":
            default_args["retries"] = None if value is None else int(value)
        elif name == "tags":
            update[name] = [t.strip() for t in value.split(",") if t.strip()]
        elif name == "max_active_tasks":
            update[name] = None if value is None else int(value)
        elif name == "dag_id":
            update[name] = value.strip()
        elif name == "schedule":
            update[name] = value.strip() or None
        else:
            update[name] = value
    if default_args:
        update["default_args"] = dag.default_args.model_copy(update=default_args).model_dump()
    return update


BULK_COLUMNS = ["id", "operator", "group", "trigger_rule", "retries", "pool", "estimated_minutes"]


def table_row(task: Task) -> dict:
    """One task as a row of the bulk table (what the table shows)."""
    return {"id": task.id, "operator": task.operator, "group": task.group or "",
            "trigger_rule": task.trigger_rule.value, "retries": task.overrides.retries,
            "pool": task.overrides.pool or "", "estimated_minutes": task.estimated_duration.total_seconds() / 60}


@panels.panel("table", lambda: (state.design().tasks, _group_ids()))
def bulk_table() -> None:
    """Edit common properties of many tasks at once."""
    design = state.design()
    frame = pd.DataFrame([table_row(t) for t in design.tasks], columns=BULK_COLUMNS)
    edited = st.data_editor(
        frame, key=f"bulk:{panels.version('table')}", hide_index=True, width="stretch",
        disabled=["id", "operator"], num_rows="fixed",
        column_config={
            "group": st.column_config.SelectboxColumn(options=["", *(g.id for g in design.groups)]),
            "trigger_rule": st.column_config.SelectboxColumn(options=[r.value for r in TriggerRule], required=True),
            "retries": st.column_config.NumberColumn(min_value=0, step=1),
            "estimated_minutes": st.column_config.NumberColumn(min_value=0.0, max_value=MAX_MINUTES),
        })
    if st.button("Apply table", key="bulk_apply"):
        state.apply(lambda d: apply_table(d, edited.to_dict("records")), "Updated tasks from the table")


def _cell(value):
    """A table cell with pandas' missing values (NaN, NA) as None."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def apply_table(design, rows: list[dict]):
    """The design with the cells that differ from the task's current row applied (pure, used by the table):
    an untouched cell never rewrites its field."""
    tasks = {t.id: t for t in design.tasks}
    for row in rows:
        task = tasks[row["id"]]
        cells = forms.changed({k: _cell(v) for k, v in table_row(task).items()},
                              {k: _cell(row.get(k)) for k in BULK_COLUMNS if k not in ("id", "operator")})
        update: dict = {}
        overrides: dict = {}
        if "retries" in cells:
            overrides["retries"] = None if cells["retries"] is None else int(cells["retries"])
        if "pool" in cells:
            overrides["pool"] = cells["pool"] or None
        if overrides:
            update["overrides"] = task.overrides.model_copy(update=overrides).model_dump()
        if "trigger_rule" in cells:
            update["trigger_rule"] = cells["trigger_rule"]
        if "estimated_minutes" in cells:
            update["estimated_duration"] = dt.timedelta(minutes=cells["estimated_minutes"] or 0)
        if update:
            design = edits.update_task(design, task.id, **update)
        if "group" in cells:
            design = edits.move_to_group(design, task.id, cells["group"] or None)
    return design


@panels.panel("bitshift", lambda: (state.design().tasks, state.design().groups, state.design().edges))
def bitshift_box() -> None:
    st.code(dsl.render(state.design()) or "# no edges yet", language="python")
    # Keyed by the panel's version: the text stays after a refused edit and is cleared after a successful one.
    with st.form(f"dsl:{panels.version('bitshift')}", border=False):
        text = st.text_area("Add tasks and edges", key=f"dsl_text:{panels.version('bitshift')}", height=80,
                            placeholder="extract >> [transform_a, transform_b] >> merge >> load")
        operator = st.selectbox("Operator for new tasks", list(catalog()), index=0, key="dsl_operator")
        if st.form_submit_button("Add", width="stretch"):
            state.apply(lambda d: dsl.apply(d, text, operator), "Added from the bitshift text")


@panels.panel("stamps", lambda: (_task_ids(), _group_ids()))
def stamps() -> None:
    with st.form("stamps", border=False):
        kind = st.selectbox("Pattern", list(patterns.STAMPS), key="stamp_kind")
        name = st.text_input("Group name", key="stamp_name", placeholder="leave empty for a default name")
        design = state.design()
        after = st.selectbox("After", ["(nothing)", *(t.id for t in design.tasks), *(g.id for g in design.groups)],
                             key="stamp_after")
        if st.form_submit_button("Stamp", width="stretch"):
            stamp = patterns.STAMPS[kind]
            kwargs = {"after": None if after == "(nothing)" else after}
            if name.strip():
                kwargs["name"] = name.strip()
            state.apply(lambda d: stamp(d, **kwargs), f"Stamped {kind}")
