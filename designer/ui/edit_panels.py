"""Editing panels: palette, task/group properties, DAG settings, bulk table, bitshift text and stamps.

Every change goes through `state.apply` with a pure edit, so undo/redo and error messages work alike.
"""

from __future__ import annotations

import datetime as dt
import zlib

import pandas as pd
import streamlit as st

from designer import dsl, edits, patterns
from designer.model import Group, Task, TriggerRule
from designer.operators import catalog, operator_spec
from designer.ui import forms, state

NO_GROUP = "(top level)"


def _group_options(exclude: str | None = None) -> list[str]:
    return [NO_GROUP, *(g.id for g in state.design().groups if g.id != exclude)]


def _group_value(choice: str) -> str | None:
    return None if choice == NO_GROUP else choice


def toolbar() -> None:
    ss = st.session_state
    cols = st.columns([1, 1, 6])
    cols[0].button("↶ Undo", on_click=state.undo, disabled=not ss.undo, key="undo_btn", width="stretch")
    cols[1].button("↷ Redo", on_click=state.redo, disabled=not ss.redo, key="redo_btn", width="stretch")


def palette() -> None:
    """Add a task of any catalog operator (or a custom class path)."""
    specs = {s.label: s for s in catalog().values()}
    rev = st.session_state.revision  # a fresh id box after each change; kept after a refusal
    with st.form("palette", border=False):
        label = st.selectbox("Operator", list(specs), key="palette_op")
        custom = st.text_input("Custom operator class (dotted path)", key="palette_custom",
                               help="Only for 'Custom operator', e.g. my_company.operators.LoadOperator")
        task_id = st.text_input("Task id", key=f"palette_id:{rev}", placeholder="e.g. load_orders")
        group = st.selectbox("Group", _group_options(), key="palette_group")
        if st.form_submit_button("Add task", width="stretch"):
            spec = specs[label]
            operator = custom.strip() if spec.free_args else spec.key
            wanted = task_id.strip() or edits.unique_id(state.design(), spec.key)
            state.apply(lambda d: edits.add_task(d, Task(id=wanted, operator=operator, group=_group_value(group))),
                        f"Added task {wanted}", selection=[wanted])


def new_group() -> None:
    with st.form("new_group", border=False):
        group_id = st.text_input("Group id", key=f"new_group_id:{st.session_state.revision}")
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


def properties() -> None:
    """The property panel of the selected task or group."""
    design = state.design()
    ids = [t.id for t in design.tasks] + [g.id for g in design.groups]
    if not ids:
        st.info("Add a task from the palette to begin.")
        return
    chosen = state.selected()[0] if state.selected() and state.selected()[0] in ids else ids[0]
    pick = st.selectbox("Selected", ids, index=ids.index(chosen), key=f"prop_pick:{chosen}")
    if pick != chosen:
        state.select([pick])
        st.rerun()
    if any(t.id == pick for t in design.tasks):
        _task_form(next(t for t in design.tasks if t.id == pick))
    else:
        _group_form(next(g for g in design.groups if g.id == pick))
    _rename_delete(pick)


def _task_form(task: Task) -> None:
    spec = operator_spec(task.operator)
    rev = st.session_state.revision
    key = f"task:{task.id}:{rev}"
    st.caption(f"{spec.label if spec else 'Unknown operator'} · {spec.description if spec else task.operator}")
    with st.form(key, border=False):
        group = st.selectbox("Group", _group_options(), index=_group_options().index(task.group or NO_GROUP),
                             key=f"{key}:group")
        rules = [r.value for r in TriggerRule]
        rule = st.selectbox("Trigger rule", rules, index=rules.index(task.trigger_rule.value), key=f"{key}:rule")
        if spec is None or spec.free_args:
            raw_free = forms.free_args_editor(task.args, f"{key}:free")
            raws = {}
        else:
            raws = forms.operator_args_form(spec, task.args, key)
        branches = task.branches
        if spec is not None and spec.branches:
            downstream = sorted({e.downstream for e in state.design().edges if e.upstream == task.id})
            branches = st.multiselect("Branches it may choose", downstream,
                                      default=[b for b in task.branches if b in downstream], key=f"{key}:branches")
        c1, c2, c3 = st.columns(3)
        retries = c1.text_input("retries", "" if task.overrides.retries is None else str(task.overrides.retries),
                                key=f"{key}:retries")
        pool = c2.text_input("pool", task.overrides.pool or "", key=f"{key}:pool")
        estimate = c3.number_input("estimated minutes", min_value=0.0,
                                   value=task.estimated_duration.total_seconds() / 60, key=f"{key}:estimate")
        if st.form_submit_button("Apply", type="primary", width="stretch"):
            try:
                args = (forms.parse_free_args(raw_free) if spec is None or spec.free_args
                        else forms.parse_args(spec, raws, task.args))
                overrides = task.overrides.model_copy(update={
                    "retries": int(retries) if retries.strip() else None, "pool": pool.strip() or None})
            except (forms.FormError, ValueError) as exc:
                st.error(str(exc))
                return
            state.apply(lambda d: edits.move_to_group(edits.update_task(
                d, task.id, trigger_rule=rule, args=args, branches=branches, overrides=overrides.model_dump(),
                estimated_duration=dt.timedelta(minutes=estimate)), task.id, _group_value(group)),
                f"Updated {task.id}")


def _group_form(group: Group) -> None:
    key = f"group:{group.id}:{st.session_state.revision}"
    with st.form(key, border=False):
        options = _group_options(exclude=group.id)
        parent = st.selectbox("Inside", options, index=options.index(group.parent or NO_GROUP)
                              if (group.parent or NO_GROUP) in options else 0, key=f"{key}:parent")
        tooltip = st.text_input("Tooltip", group.tooltip, key=f"{key}:tooltip")
        color = st.color_picker("Colour", group.ui_color or "#eef4fb", key=f"{key}:color")
        prefix = st.checkbox("Prefix task ids with the group id", group.prefix_group_id, key=f"{key}:prefix")
        retries = st.text_input("retries for its tasks", "" if group.default_args.retries is None
                                else str(group.default_args.retries), key=f"{key}:retries")
        if st.form_submit_button("Apply", type="primary", width="stretch"):
            try:
                default_args = group.default_args.model_copy(
                    update={"retries": int(retries) if retries.strip() else None}).model_dump()
            except ValueError:
                st.error(f"retries must be a whole number, got {retries!r}")
                return
            state.apply(lambda d: edits.update_group(d, group.id, parent=_group_value(parent), tooltip=tooltip,
                                                     ui_color=color, prefix_group_id=prefix,
                                                     default_args=default_args), f"Updated group {group.id}")


def _rename_delete(item_id: str) -> None:
    c1, c2 = st.columns([3, 1])
    new_id = c1.text_input("Rename to", item_id, key=f"rename:{item_id}:{st.session_state.revision}")
    if c1.button("Rename", key=f"rename_btn:{item_id}") and new_id != item_id:
        state.apply(lambda d: edits.rename(d, item_id, new_id.strip()), f"Renamed {item_id} to {new_id.strip()}",
                    selection=[new_id.strip()])
    if c2.button("Delete", key=f"delete:{item_id}", type="secondary"):
        state.apply(lambda d: edits.remove(d, [item_id]), f"Deleted {item_id}", selection=[])


def dag_settings() -> None:
    dag = state.design().dag
    key = f"dag:{st.session_state.revision}"
    with st.form(key, border=False):
        dag_id = st.text_input("dag_id", dag.dag_id, key=f"{key}:id")
        description = st.text_input("Description", dag.description, key=f"{key}:desc")
        schedule = st.text_input("Schedule (cron or preset; empty for manual runs)",
                                 dag.schedule if isinstance(dag.schedule, str) else "", key=f"{key}:schedule",
                                 disabled=not (dag.schedule is None or isinstance(dag.schedule, str)))
        start = st.date_input("Start date", dag.start_date.date(), key=f"{key}:start")
        catchup = st.checkbox("Catch up missed runs", dag.catchup, key=f"{key}:catchup")
        c1, c2 = st.columns(2)
        owner = c1.text_input("Owner", dag.default_args.owner or "", key=f"{key}:owner")
        retries = c2.number_input("Retries (all tasks)", 0, 100, dag.default_args.retries or 0, key=f"{key}:retries")
        tags = st.text_input("Tags (comma separated)", ", ".join(dag.tags), key=f"{key}:tags")
        max_tasks = st.number_input("max_active_tasks", 1, 10_000, dag.max_active_tasks or 16, key=f"{key}:mat")
        if st.form_submit_button("Apply", type="primary", width="stretch"):
            changes = {
                "dag_id": dag_id.strip(), "description": description, "catchup": catchup,
                "start_date": dt.datetime.combine(start, dt.time()),
                "default_args": dag.default_args.model_copy(update={"owner": owner.strip() or None,
                                                                    "retries": int(retries)}).model_dump(),
                "tags": [t.strip() for t in tags.split(",") if t.strip()],
                "max_active_tasks": int(max_tasks),
            }
            if dag.schedule is None or isinstance(dag.schedule, str):
                changes["schedule"] = schedule.strip() or None
            state.apply(lambda d: edits.update_dag(d, **changes), "Updated DAG settings")


BULK_COLUMNS = ["id", "operator", "group", "trigger_rule", "retries", "pool", "estimated_minutes"]


def bulk_table() -> None:
    """Edit common properties of many tasks at once."""
    design = state.design()
    frame = pd.DataFrame([{
        "id": t.id, "operator": t.operator, "group": t.group or "", "trigger_rule": t.trigger_rule.value,
        "retries": t.overrides.retries, "pool": t.overrides.pool or "",
        "estimated_minutes": t.estimated_duration.total_seconds() / 60} for t in design.tasks], columns=BULK_COLUMNS)
    edited = st.data_editor(
        frame, key=f"bulk:{st.session_state.revision}", hide_index=True, width="stretch",
        disabled=["id", "operator"], num_rows="fixed",
        column_config={
            "group": st.column_config.SelectboxColumn(options=["", *(g.id for g in design.groups)]),
            "trigger_rule": st.column_config.SelectboxColumn(options=[r.value for r in TriggerRule], required=True),
            "retries": st.column_config.NumberColumn(min_value=0, step=1),
            "estimated_minutes": st.column_config.NumberColumn(min_value=0.0),
        })
    if st.button("Apply table", key="bulk_apply"):
        state.apply(lambda d: apply_table(d, edited.to_dict("records")), "Updated tasks from the table")


def apply_table(design, rows: list[dict]):
    """The design with each row's editable columns applied to its task (pure, used by the table)."""
    for row in rows:
        task = next(t for t in design.tasks if t.id == row["id"])
        retries = row.get("retries")
        overrides = task.overrides.model_copy(update={
            "retries": None if retries is None or pd.isna(retries) else int(retries),
            "pool": row.get("pool") or None}).model_dump()
        minutes = row.get("estimated_minutes")
        design = edits.update_task(design, task.id, trigger_rule=row["trigger_rule"], overrides=overrides,
                                   estimated_duration=dt.timedelta(minutes=0 if pd.isna(minutes) else minutes))
        design = edits.move_to_group(design, task.id, row.get("group") or None)
    return design


def bitshift_box() -> None:
    st.code(dsl.render(state.design()) or "# no edges yet", language="python")
    # Keyed by revision: the text stays after a refused edit and is cleared after a successful one.
    with st.form(f"dsl:{st.session_state.revision}", border=False):
        text = st.text_area("Add tasks and edges", key=f"dsl_text:{st.session_state.revision}", height=80,
                            placeholder="extract >> [transform_a, transform_b] >> merge >> load")
        operator = st.selectbox("Operator for new tasks", list(catalog()), index=0, key="dsl_operator")
        if st.form_submit_button("Add", width="stretch"):
            state.apply(lambda d: dsl.apply(d, text, operator), "Added from the bitshift text")


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
