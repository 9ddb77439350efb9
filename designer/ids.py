"""Id rules and qualified ids: the one place that knows how Airflow composes `group.task` ids.

A task or group has a design id, unique in the design (edges, groups and mappings refer to it), and an
Airflow id within its group: its own `task_id`/`group_id` when set, else the design id. Airflow composes
the full ids from the latter, so two groups may each hold a task Airflow calls `extract`.

The designer is stricter than Airflow (ASCII only, full-string match), because ids also become YAML
keys and Python literals; see docs/decisions.md. Like Airflow, task ids may contain dots (`load.v2`) and
group ids may not (Airflow composes `group.task` from them); composed ids that collide are DD002's.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

from designer.group_tree import ancestry, parent_loop
from designer.model import Design, Group, Task, TaskArgs

# Airflow's limits apply to the composed (prefixed) id.
MAX_TASK_ID_LENGTH = 250
MAX_GROUP_ID_LENGTH = 200
MAX_TAG_LENGTH = 100

LOCAL_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")  # group ids, and ids valid for either kind
TASK_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
DAG_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
PYTHON_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def local_id_problem(value: str) -> str | None:
    """Why `value` is not a valid group id (nor a task id without dots), or None when it is."""
    if not value:
        return "is empty"
    if not LOCAL_ID.fullmatch(value):
        return "may only contain ASCII letters, digits, '_' and '-' and must not start with '-'"
    return None


def task_id_problem(value: str) -> str | None:
    """Why `value` is not a valid local task id, or None when it is (dots allowed, as in Airflow)."""
    if not value:
        return "is empty"
    if not TASK_ID.fullmatch(value):
        return "may only contain ASCII letters, digits, '_', '-' and '.' and must not start with '-' or '.'"
    return None


def dag_id_problem(value: str) -> str | None:
    """Why `value` is not a valid dag_id, or None when it is."""
    if not value:
        return "is empty"
    if not DAG_ID.fullmatch(value):
        return "may only contain ASCII letters, digits, '_', '-' and '.' and must not start with '-' or '.'"
    if len(value) > MAX_TASK_ID_LENGTH:
        return f"is {len(value)} characters long; Airflow allows {MAX_TASK_ID_LENGTH}"
    return None


def is_python_name(value: str) -> bool:
    """True when `value` can be used as a Python variable name as it is."""
    return bool(PYTHON_NAME.fullmatch(value)) and not keyword.iskeyword(value) and value not in _BUILTIN_NAMES


_BUILTIN_NAMES = frozenset({"None", "True", "False", "dag", "dt", "print", "list", "dict", "id", "type"})


def fan_out_ids(task: Task) -> list[str]:
    """Design ids of the concrete copies of a statically fanned-out task (just the task's id otherwise)."""
    if task.fan_out is None:
        return [task.id]
    return [f"{task.id}_{i}" for i in range(task.fan_out.size)]


def airflow_local_id(item: Task | Group) -> str:
    """The id Airflow sees for a task or group within its group: its own task_id/group_id, else its design id."""
    own = item.task_id if isinstance(item, Task) else item.group_id
    return item.id if own is None else own


def airflow_local_ids(task: Task) -> list[str]:
    """The ids Airflow sees within the group for a task: one, or the copies `<id>_<i>` of a static fan-out."""
    local = airflow_local_id(task)
    if task.fan_out is None:
        return [local]
    return [f"{local}_{i}" for i in range(task.fan_out.size)]


class Namespace:
    """Qualified ids of every task and group of one design, computed once.

    Unknown parents and parent cycles are tolerated (treated as the root) so that broken designs can
    still be analysed; the lint rules report them.
    """

    def __init__(self, design: Design) -> None:
        self.groups: dict[str, Group] = {}
        for group in design.groups:
            self.groups.setdefault(group.id, group)
        self.tasks: dict[str, Task] = {}
        for task in design.tasks:
            self.tasks.setdefault(task.id, task)
        self._parents = {gid: group.parent for gid, group in self.groups.items()}
        self._chains: dict[str | None, tuple[str, ...]] = {None: ()}
        self._qualified: dict[str, str] = {}
        self._prefixes: dict[str | None, str] = {}
        self.dag_defaults: TaskArgs = design.dag.default_args
        self._defaults: dict[tuple[str | None, str], Any] = {}

    def chain(self, group_id: str | None) -> tuple[str, ...]:
        """Group ids from the outermost down to `group_id` (empty for the root or an unknown group)."""
        result = self._chains.get(group_id)
        if result is not None:
            return result
        up = ancestry(self._parents, group_id)
        if loop := parent_loop(self._parents, group_id):
            up = up[: up.index(loop[0]) + 1]  # a parent cycle: cut it where it closes
        result = tuple(reversed(up))
        self._chains[group_id] = result
        return result

    def _prefix(self, parent: str | None) -> str:
        """What Airflow puts before the id of a child of `parent`: the parent's group_id and a dot, or
        nothing (at the top level, in an unknown group, or in a group with prefix_group_id off)."""
        prefix = self._prefixes.get(parent)
        if prefix is None:
            # Airflow prefixes a child with its direct parent's full id only when that parent has
            # prefix_group_id=True; grandparents do not matter.
            if parent is None or parent not in self.groups or not self.groups[parent].prefix_group_id:
                prefix = ""
            else:
                prefix = self.qualify_group(parent) + "."
            self._prefixes[parent] = prefix
        return prefix

    def qualify_group(self, group_id: str) -> str:
        """The Airflow group_id of the group with design id `group_id` (an unknown group keeps its id)."""
        if group_id not in self._qualified:
            chain = self.chain(group_id)
            parent = chain[-2] if len(chain) > 1 else None
            group = self.groups.get(group_id)
            self._qualified[group_id] = self._prefix(parent) + (airflow_local_id(group) if group else group_id)
        return self._qualified[group_id]

    def qualify_task(self, task: Task) -> str:
        """The Airflow task_id of `task` (of the task itself: a static fan-out's copies are
        `task_qualified_ids`)."""
        return self._prefix(task.group) + airflow_local_id(task)

    def task_qualified_ids(self, task: Task) -> list[str]:
        """Airflow task_ids of `task` (several for a static fan-out)."""
        prefix = self._prefix(task.group)
        return [prefix + local for local in airflow_local_ids(task)]

    def inherited(self, task: Task, name: str) -> Any:
        """The value of operator argument `name` Airflow gives `task`: its own override, else the
        nearest enclosing group's default_args, else the DAG's default_args (None when unset)."""
        value = getattr(task.overrides, name)
        if value is not None:
            return value
        try:  # the cache of _group_default, which holds every known group (and None, the DAG) once asked
            return self._defaults[task.group, name]
        except KeyError:  # not asked yet, or an unknown group, which stands for the DAG
            return self._group_default(task.group if task.group in self.groups else None, name)

    def _group_default(self, group_id: str | None, name: str) -> Any:
        key = (group_id, name)
        if key not in self._defaults:
            if group_id is None:
                value = getattr(self.dag_defaults, name)
            else:
                value = getattr(self.groups[group_id].default_args, name)
                if value is None:
                    chain = self.chain(group_id)
                    value = self._group_default(chain[-2] if len(chain) > 1 else None, name)
            self._defaults[key] = value
        return self._defaults[key]

    def is_within(self, group_id: str | None, ancestor: str) -> bool:
        """True when `group_id` is `ancestor` or nested in it."""
        return ancestor in self.chain(group_id)


def unique_python_names(
    ids: list[str] | Mapping[str, str], reserved: Mapping[str, object] | frozenset[str] = frozenset()
) -> dict[str, str]:
    """A safe, unique Python variable name for each id: the id itself where it is one, else a sanitised form.
    `ids` may map each id to the text its name should follow instead (a task's Airflow id)."""
    taken = set(reserved)
    names: dict[str, str] = {}
    wanted = ids if isinstance(ids, Mapping) else {value: value for value in ids}
    for key, value in wanted.items():
        if is_python_name(value) and value not in taken:
            name = value
        else:
            base = re.sub(r"[^A-Za-z0-9_]", "_", value)
            if not base or base[0].isdigit() or not is_python_name(base):
                base = f"t_{base}"
            name, n = base, 1
            while name in taken or not is_python_name(name):
                n += 1
                name = f"{base}_{n}"
        taken.add(name)
        names[key] = name
    return names
