"""A browser session of the app without a browser: Streamlit's own websocket protocol, driven from asyncio.

A `Session` speaks what Streamlit's frontend speaks on `/_stcore/stream` (streamlit 1.67,
web/server/starlette/starlette_websocket.py and runtime/app_session.py): it sends `BackMsg.rerun_script`
with a `ClientState` (the URL's query string and widget values, a button's click as a trigger value) and
reads the `ForwardMsg`s the server answers with: `new_session` at the start of each script run, `delta`s
(the page's elements), `page_info_changed` (st.query_params written by the app) and `script_finished`.

A run that st.rerun stops early ends with FINISHED_EARLY_FOR_RERUN and is followed by the next run;
`Session.act` returns when a run has finished successfully (the run the action caused, or a later one:
a higher run mark), with the page as it then stands. A full run sends every element of the page; a
fragment run (the app's panels, designer.ui.panels) sends only its panels' elements, which replace those
at the same places (delta paths). The session never reports cached message hashes, so the server never
answers with references to earlier messages.

Widgets are found by their key (element ids end in `-<key>`, streamlit/elements/lib/utils.py) or label.
Values not sent again keep their last value on the server (its session state), so an action sends only
the widgets it changes, as values, and a button click as a trigger. Used by the concurrency test
(tests/test_load_sessions.py) and bench/load.py.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FRAGMENT_FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
_RUN_MARK = re.compile(r'class="dd-run" data-panel="[^"]*" data-run="(\d+)"[^>]*data-ms="(\d+)"')
_TEXT_FIELDS = {"markdown": "body", "alert": "body", "heading": "body", "text": "body", "code": "code_text",
                "html": "body"}


@dataclass(frozen=True)
class Widget:
    id: str
    kind: str  # the Element field: button, text_input, selectbox, ...; "tabs" for a stateful st.tabs
    label: str

    @property
    def key(self) -> str:
        """The user key the element id ends with ('' when it has none)."""
        parts = self.id.split("-", 2)
        return parts[2] if len(parts) == 3 else ""


@dataclass
class Page:
    """The page after a completed run: its widgets, its texts (messages, headings, code) and the app's highest
    run mark (designer.ui.panels: the run's number and that panel's milliseconds)."""

    widgets: list[Widget] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    run: int = -1
    script_ms: int = -1

    def widget(self, *, key: str | None = None, label: str | None = None, kind: str | None = None) -> Widget:
        """The one widget with this key (exact, or its versioned form `key:<n>`) and/or label."""
        found = [w for w in self.widgets
                 if (key is None or w.key == key or w.key.rsplit(":", 1)[0] == key)
                 and (label is None or w.label == label) and (kind is None or w.kind == kind)]
        if len(found) != 1:
            raise LookupError(f"{len(found)} widgets with key={key!r} label={label!r} kind={kind!r} on the page,"
                              f" which says: {' | '.join(t[:120] for t in self.texts[:6])}")
        return found[0]

    def has_text(self, part: str) -> bool:
        return any(part in text for text in self.texts)


class SessionError(RuntimeError):
    """The session lost its connection, the app raised, or a run did not finish in time."""


class Session:
    """One client of a Streamlit server. `async with Session(url, query) as s:` connects and completes the
    first run; then `await s.act(...)`. Every frame received is kept in `received` (bytes), so a test can
    check that nothing of another session ever reached this one."""

    def __init__(self, url: str, query: str = "", timeout: float = 120.0) -> None:
        parts = urlsplit(url)
        self.stream_url = f"ws://{parts.netloc}/_stcore/stream"
        self.query = query
        self.timeout = timeout
        self.page = Page()
        self.received: list[bytes] = []
        self.errors: list[str] = []  # exceptions the app showed
        self._shown: dict[tuple[int, ...], tuple[Widget | None, str | None]] = {}  # delta path -> element
        self._anew = False  # a full run has started and not yet sent an element
        self._finished: asyncio.Queue[int] = asyncio.Queue()
        self._ws = None
        self._reader: asyncio.Task | None = None

    async def __aenter__(self) -> Session:
        self._ws = await websockets.connect(self.stream_url, subprotocols=["streamlit"], max_size=None,
                                            open_timeout=self.timeout, ping_interval=None)
        self._reader = asyncio.create_task(self._read())
        await self.act()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def act(self, values: dict[Widget, object] | None = None, click: Widget | None = None) -> Page:
        """Send a rerun with `values` set (and `click` clicked); return the page of the next completed run."""
        states = [_state(widget, value) for widget, value in (values or {}).items()]
        if click is not None:
            states.append(_state(click, True))
        message = BackMsg(rerun_script=ClientState(query_string=self.query))
        message.rerun_script.widget_states.widgets.extend(states)
        before = self.page.run
        await self._ws.send(message.SerializeToString())
        deadline = time.monotonic() + self.timeout
        while True:  # the run the action caused (a run it stopped early has no mark): a higher run number
            try:
                status = await asyncio.wait_for(self._finished.get(), deadline - time.monotonic())
            except TimeoutError:
                raise SessionError(f"no completed run within {self.timeout:.0f} s") from None
            if status != FINISHED:
                raise SessionError("the server closed the connection")
            if self.page.run > before:
                break
        if self.errors:
            raise SessionError(f"the app raised: {self.errors[-1]}")
        return self.page

    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                self.received.append(frame)
                msg = ForwardMsg()
                msg.ParseFromString(frame)
                self._take(msg)
        except websockets.ConnectionClosed:
            pass
        finally:
            self._finished.put_nowait(-1)

    def _take(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            # A full run draws the page anew (from its first element: a run that a callback's keyed rerun
            # replaces ends before it sends any); a fragment run redraws its panels in place.
            self._anew = not msg.metadata.run.fragment_ids
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "delta":
            if self._anew:
                self._shown, self._anew = {}, False
            self._element(tuple(msg.metadata.delta_path), msg.delta)
        elif kind == "script_finished" and msg.script_finished in (FINISHED, FRAGMENT_FINISHED):
            self.page = self._page()
            self._finished.put_nowait(FINISHED)

    def _page(self) -> Page:
        """The page as it stands: the elements of the last full run, with the panels' later reruns."""
        page = Page()
        for path in sorted(self._shown):
            widget, text = self._shown[path]
            if widget is not None:
                page.widgets.append(widget)
            if text is not None:
                page.texts.append(text)
                for mark in _RUN_MARK.finditer(text):
                    if int(mark.group(1)) > page.run:
                        page.run, page.script_ms = int(mark.group(1)), int(mark.group(2))
        return page

    def _element(self, path: tuple[int, ...], delta) -> None:
        if delta.WhichOneof("type") == "add_block" and delta.add_block.WhichOneof("type") == "tab_container":
            if delta.add_block.tab_container.id:
                self._shown[path] = (Widget(delta.add_block.tab_container.id, "tabs", ""), None)
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        body = getattr(element, kind)
        if kind == "exception":
            self.errors.append(f"{body.type}: {body.message}")
        text = getattr(body, _TEXT_FIELDS[kind]) if kind in _TEXT_FIELDS else None
        widget_id = getattr(body, "id", "") if "id" in body.DESCRIPTOR.fields_by_name else ""
        widget = Widget(widget_id, kind, getattr(body, "label", "")) if widget_id else None
        self._shown[path] = (widget, text)


def _state(widget: Widget, value: object) -> WidgetState:
    """The WidgetState the frontend sends for `widget` holding `value` (a click: trigger_value)."""
    state = WidgetState(id=widget.id)
    if widget.kind == "button":
        state.trigger_value = bool(value)
    elif isinstance(value, bool):
        state.bool_value = value
    elif isinstance(value, str):
        state.string_value = value
    else:
        raise TypeError(f"no WidgetState for {widget.kind} = {value!r}")
    return state



class DesignerSession(Session):
    """A Session on DAG Designer's page, with the actions the load test and bench/load.py take."""

    async def new_design(self) -> Page:
        return await self.act(click=self.page.widget(key="new_design"))

    async def open_tab(self, label: str) -> Page:
        """Open the editing tab `label` (the tabs run only the open panel)."""
        return await self.act({self.page.widget(key="edit_tab", kind="tabs"): label})

    async def add_task(self, task_id: str) -> Page:
        """Add an Empty task `task_id` from the "Add task" tab (opened by `open_tab`)."""
        page = await self.act({self.page.widget(key="palette_id"): task_id},
                              click=self.page.widget(label="Add task", kind="button"))
        if not page.has_text(f"Added task {task_id}"):
            raise SessionError(f"adding {task_id} was not confirmed: {page.texts[:8]}")
        return page

    async def save(self, message: str) -> Page:
        """Click Save with `message`; the page says "Saved NAME as version V" or shows a conflict."""
        return await self.act({self.page.widget(key="ws_message"): message}, click=self.page.widget(key="ws_save"))

    async def save_as(self, name: str, message: str = "") -> Page:
        return await self.act({self.page.widget(key="ws_message"): message, self.page.widget(key="ws_save_as"): name},
                              click=self.page.widget(key="ws_save_as_btn"))

    @property
    def design_name(self) -> str | None:
        """The open workspace design, as the URL names it (?design=NAME)."""
        found = re.search(r"(?:^|&)design=([^&]*)", self.query)
        return found and urllib.parse.unquote_plus(found.group(1))


SAVED = re.compile(r"Saved (?:as )?(?P<name>.+?) (?:as version |\(version )(?P<short>[0-9a-f]{7})")


def saved_version(page: Page) -> tuple[str, str] | None:
    """(design name, short commit) when the page says a save landed, else None."""
    for text in page.texts:
        found = SAVED.search(text)
        if found:
            return found.group("name"), found.group("short")
    return None
