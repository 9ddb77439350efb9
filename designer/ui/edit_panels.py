"""Editing panels: palette, task/group properties, DAG settings, bulk table, bitshift text and stamps.

Every change is a pure edit made in the submit's callback (`state.try_edit`, then `panels.refresh`: one run
of the panels it changed), so undo/redo and error messages work alike; only the bulk table, whose edits
exist in the body, applies there (`state.apply`, then a full rerun). A refused edit's reason shows under
its form, whose input is kept. Each panel's widget keys carry `panels.version`, so a form starts afresh
exactly when what it edits changed.
"""

from __future__ import annotations

import datetime as dt

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


def _done(panel: str, problem: str | None) -> None:
    """End a form's callback: keep a refused edit's reason for `panel` to show under its form (whose input
    is kept), and rerun what changed, `panel` included."""
    refused = {k: v for k, v in st.session_state.get("refused", {}).items() if k != panel}
    st.session_state.refused = {**refused, panel: problem} if problem else refused
    panels.refresh(panel)


def _refusal(panel: str) -> None:
    """Show (once) why the last edit made in `panel` was refused."""
    problem = st.session_state.get("refused", {}).get(panel)
    if problem:
        st.session_state.refused = {k: v for k, v in st.session_state.refused.items() if k != panel}
        st.error(problem)


def _values(key: str, fields: dict[str, str]) -> dict:
    """What a submitted form holds, in its submit's callback: {field: the value of widget `key:suffix`} for
    the fields whose widget the form has."""
    ss = st.session_state
    return {name: ss[f"{key}:{suffix}"] for name, suffix in fields.items() if f"{key}:{suffix}" in ss}


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


@panels.panel("palette", _group_ids)
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
    _refusal("palette")


def _add_from_palette(rev: int) -> None:
    ss = st.session_state
    spec = {s.label: s for s in catalog().values()}[ss.palette_op]
    operator = (ss.get("palette_custom") or "").strip() if spec.free_args else spec.key
    wanted = (ss.get(f"palette_id:{rev}") or "").strip() or edits.unique_id(state.design(), spec.key)
    group = _group_value(ss.palette_group)
    _done("palette", state.try_edit(lambda d: edits.add_task(d, Task(id=wanted, operator=operator, group=group)),
                                    f"Added task {wanted}", selection=[wanted]))


def _task_ids() -> tuple[str, ...]:
    return tuple(t.id for t in state.design().tasks)


@panels.panel("new_group", lambda: (_group_ids(), _task_ids(), tuple(state.selected())))
def new_group() -> None:
    key = f"new_group:{panels.version('new_group')}"
    with st.form(key, border=False):
        st.text_input("Group id", key=f"{key}:id")
        st.selectbox("Inside", _group_options(), key="new_group_parent")
        task_ids = [t.id for t in state.design().tasks]
        chosen = [i for i in state.selected() if i in set(task_ids)]
        st.multiselect("Move these tasks into it", task_ids, default=chosen, key=f"{key}:members")
        st.form_submit_button("Create group", width="stretch", on_click=_create_group, args=(key,))
    _refusal("new_group")


def _create_group(key: str) -> None:
    values = _values(key, {"id": "id", "members": "members"})
    group_id, parent = values["id"].strip(), _group_value(st.session_state.new_group_parent)

    def edit(d):
        d = edits.add_group(d, Group(id=group_id, parent=parent))
        for member in values["members"]:
            d = edits.move_to_group(d, member, group_id)
        return d
    _done("new_group", state.try_edit(edit, f"Created group {group_id}", selection=[group_id]))


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
        st.selectbox("Group", groups, index=groups.index(shown["group"]), key=f"{key}:group")
        st.text_input("Airflow task_id within the group", shown["task_id"], key=f"{key}:task_id", placeholder=task.id,
                      help="Empty: the id. Two groups may each hold a task Airflow calls extract; their ids in the "
                           "design differ.")
        rules = [r.value for r in TriggerRule]
        st.selectbox("Trigger rule", rules, index=rules.index(shown["trigger_rule"]), key=f"{key}:trigger_rule")
        if free:
            forms.free_args_editor(task.args, f"{key}:free")
        else:
            forms.operator_args_form(spec, task.args, f"{key}:arg")
        if branching:
            st.multiselect("Branches it may choose", downstream, default=shown["branches"], key=f"{key}:branches")
        c1, c2, c3 = st.columns(3)
        c1.text_input("retries", shown["retries"], key=f"{key}:retries")
        c2.text_input("pool", shown["pool"], key=f"{key}:pool")
        c3.number_input("estimated minutes", min_value=0.0, max_value=MAX_MINUTES, value=shown["estimate"],
                        key=f"{key}:estimate")
        st.form_submit_button("Apply", type="primary", width="stretch", on_click=_apply_task_form,
                              args=(task, key, shown))


def _apply_task_form(task: Task, key: str, shown: dict) -> None:
    """Apply the fields of the task form `key` that the user changed (forms.changed)."""
    ss = st.session_state
    spec = operator_spec(task.operator)
    try:
        update = _task_changes(task, forms.changed(shown, _values(key, {name: name for name in shown})))
        if spec is None or spec.free_args:
            args = forms.parse_free_args(ss[f"{key}:free"], task.args)
        else:
            args = forms.parse_args(spec, {name: ss[f"{key}:arg:{name}"] for name in spec.args}, task.args)
    except (forms.FormError, ValueError) as exc:
        _done("properties", str(exc))
        return
    if args != task.args:
        update["args"] = args
    group = update.pop("group", task.group)
    _done("properties", state.try_edit(
        lambda d: edits.move_to_group(edits.update_task(d, task.id, **update), task.id, group), f"Updated {task.id}"))


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
        st.text_input("Airflow group_id within the parent", shown["group_id"], key=f"{key}:group_id",
                      placeholder=group.id, help="Empty: the id.")
        st.selectbox("Inside", options, index=options.index(shown["parent"]), key=f"{key}:parent")
        st.text_input("Tooltip", shown["tooltip"], key=f"{key}:tooltip")
        st.color_picker("Colour", shown["ui_color"], key=f"{key}:ui_color")
        st.checkbox("Prefix task ids with the group id", shown["prefix_group_id"], key=f"{key}:prefix_group_id")
        st.text_input("retries for its tasks", shown["retries"], key=f"{key}:retries")
        st.form_submit_button("Apply", type="primary", width="stretch", on_click=_apply_group_form,
                              args=(group, key, shown))


def _apply_group_form(group: Group, key: str, shown: dict) -> None:
    """Apply the fields of the group form `key` that the user changed."""
    update = forms.changed(shown, _values(key, {name: name for name in shown}))
    if "group_id" in update:
        update["group_id"] = update["group_id"].strip() or None
    if "parent" in update:
        update["parent"] = _group_value(update["parent"])
    if "retries" in update:
        retries = update.pop("retries")
        try:
            value = int(retries) if retries.strip() else None
        except ValueError:
            _done("properties", f"retries must be a whole number, got {retries!r}")
            return
        update["default_args"] = group.default_args.model_copy(update={"retries": value}).model_dump()
    _done("properties", state.try_edit(lambda d: edits.update_group(d, group.id, **update),
                                       f"Updated group {group.id}"))


def _rename_delete(item_id: str) -> None:
    c1, c2 = st.columns([3, 1])
    key = f"rename:{item_id}:{panels.version('properties')}"
    c1.text_input("Rename to", item_id, key=key)
    c1.button("Rename", key=f"rename_btn:{item_id}", on_click=_rename, args=(item_id, key))
    c2.button("Delete", key=f"delete:{item_id}", type="secondary", on_click=_delete, args=(item_id,))
    _refusal("properties")


def _rename(item_id: str, key: str) -> None:
    new_id = st.session_state[key].strip()
    if new_id != item_id:
        _done("properties", state.try_edit(lambda d: edits.rename(d, item_id, new_id),
                                           f"Renamed {item_id} to {new_id}", selection=[new_id]))


def _delete(item_id: str) -> None:
    _done("properties", state.try_edit(lambda d: edits.remove(d, [item_id]), f"Deleted {item_id}", selection=[]))


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
        st.text_input("dag_id", shown["dag_id"], key=f"{key}:dag_id")
        st.text_input("Description", shown["description"], key=f"{key}:description")
        st.text_input("Schedule (cron or preset; empty for manual runs)", shown["schedule"], key=f"{key}:schedule",
                      disabled=not plain_schedule,
                      help=None if plain_schedule else "Kept as it is; change it in the design file.")
        st.date_input("Start date", shown["start_date"], key=f"{key}:start_date",
                      help="The time of day and the timezone are kept.")
        st.checkbox("Catch up missed runs", shown["catchup"], key=f"{key}:catchup")
        c1, c2 = st.columns(2)
        c1.text_input("Owner", shown["owner"], key=f"{key}:owner")
        c2.number_input("Retries (all tasks)", 0, 100, shown["retries"], key=f"{key}:retries", placeholder="not set")
        st.text_input("Tags (comma separated)", shown["tags"], key=f"{key}:tags")
        st.number_input("max_active_tasks", 1, 10_000, shown["max_active_tasks"], key=f"{key}:max_active_tasks",
                        placeholder="Airflow's default")
        st.form_submit_button("Apply", type="primary", width="stretch", on_click=_apply_dag_form,
                              args=(dag, key, shown))
    _refusal("dag_settings")


def _apply_dag_form(dag, key: str, shown: dict) -> None:
    changes = _dag_changes(dag, forms.changed(shown, _values(key, {name: name for name in shown})))
    _done("dag_settings", state.try_edit(lambda d: edits.update_dag(d, **changes), "Updated DAG settings"))


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
    key = f"dsl:{panels.version('bitshift')}"
    with st.form(key, border=False):
        st.text_area("Add tasks and edges", key=f"{key}:text", height=80,
                     placeholder="extract >> [transform_a, transform_b] >> merge >> load")
        st.selectbox("Operator for new tasks", list(catalog()), index=0, key="dsl_operator")
        st.form_submit_button("Add", width="stretch", on_click=_add_bitshift, args=(key,))
    _refusal("bitshift")


def _add_bitshift(key: str) -> None:
    text, operator = st.session_state[f"{key}:text"], st.session_state.dsl_operator
    _done("bitshift", state.try_edit(lambda d: dsl.apply(d, text, operator), "Added from the bitshift text"))


@panels.panel("stamps", lambda: (_task_ids(), _group_ids()))
def stamps() -> None:
    with st.form("stamps", border=False):
        st.selectbox("Pattern", list(patterns.STAMPS), key="stamp_kind")
        st.text_input("Group name", key="stamp_name", placeholder="leave empty for a default name")
        design = state.design()
        st.selectbox("After", ["(nothing)", *(t.id for t in design.tasks), *(g.id for g in design.groups)],
                     key="stamp_after")
        st.form_submit_button("Stamp", width="stretch", on_click=_stamp)
    _refusal("stamps")


def _stamp() -> None:
    ss = st.session_state
    kind, name, after = ss.stamp_kind, (ss.get("stamp_name") or "").strip(), ss.stamp_after
    kwargs = {"after": None if after == "(nothing)" else after, **({"name": name} if name else {})}
    _done("stamps", state.try_edit(lambda d: patterns.STAMPS[kind](d, **kwargs), f"Stamped {kind}"))
