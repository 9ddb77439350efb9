"""What runs when Airflow parses a generated DAG module: every dotted path the design names is imported.

The Python export writes `from pkg.module import name` for each callable, callback and custom operator
class, so Airflow's DAG processor imports those modules (and runs their top-level code) on every parse,
and the workers call the named objects. A path into a module that runs commands or code is therefore
worth a second look; `RUNS_CODE` lists them with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from designer.model import Design, schedule_timetable, timetable_path
from designer.operators import operator_spec

EVERY_NAME = None  # in RUNS_CODE: every name of the module
_EXEC = frozenset({"execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe"})
_SPAWN = frozenset({"spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
                    "posix_spawn", "posix_spawnp"})
_OS = frozenset({"system", "popen", "fork", "forkpty", "startfile", "kill", "killpg", "abort", "_exit",
                 "remove", "unlink", "rmdir", "removedirs", "putenv", "unsetenv", "chmod", "chown"}) | _EXEC | _SPAWN
_LOADS = frozenset({"load", "loads", "Unpickler"})
# module -> (the names that run commands or code, or EVERY_NAME; why). A path matches the module itself or
# any submodule (`importlib.util.x` matches `importlib`).
RUNS_CODE: dict[str, tuple[frozenset[str] | None, str]] = {
    "os": (_OS, "runs a shell command, replaces, forks or kills a process, or deletes files"),
    "posix": (_OS, "runs a shell command, replaces, forks or kills a process, or deletes files"),
    "nt": (_OS, "runs a shell command, replaces, forks or kills a process, or deletes files"),
    "subprocess": (EVERY_NAME, "runs commands"),
    "asyncio.subprocess": (EVERY_NAME, "runs commands"),
    "asyncio": (frozenset({"create_subprocess_exec", "create_subprocess_shell"}), "runs commands"),
    "pty": (EVERY_NAME, "spawns processes on a terminal"),
    "multiprocessing": (EVERY_NAME, "starts processes"),
    "builtins": (frozenset({"eval", "exec", "compile", "__import__", "open", "breakpoint", "input", "getattr",
                            "setattr", "delattr", "exit", "quit"}),
                 "evaluates, imports or opens arbitrary code or files"),
    "importlib": (EVERY_NAME, "imports modules chosen at run time"),
    "runpy": (EVERY_NAME, "runs Python modules or files"),
    "code": (EVERY_NAME, "runs an interactive interpreter or arbitrary source"),
    "codeop": (EVERY_NAME, "compiles arbitrary source"),
    "ctypes": (EVERY_NAME, "calls native code"),
    "pickle": (_LOADS, "runs code embedded in the data it loads"),
    "_pickle": (_LOADS, "runs code embedded in the data it loads"),
    "marshal": (_LOADS, "loads code objects"),
    "shelve": (EVERY_NAME, "unpickles, which runs code embedded in the data"),
    "dill": (_LOADS, "runs code embedded in the data it loads"),
    "yaml": (frozenset({"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}),
             "can build arbitrary Python objects from the data it loads"),
    "shutil": (frozenset({"rmtree", "move", "chown"}), "deletes or moves files"),
    "pdb": (EVERY_NAME, "starts a debugger that runs arbitrary code"),
    "webbrowser": (EVERY_NAME, "opens programs"),
    "sys": (frozenset({"exit", "settrace", "setprofile", "addaudithook"}), "exits or hooks the interpreter"),
}

# (location in the design, ids of the tasks it is about, what it is, the dotted path)
DottedPath = tuple[tuple, tuple[str, ...], str, str]


def dotted_paths(design: Design) -> Iterator[DottedPath]:
    """Every dotted import path `design` names: DAG callbacks, a timetable class, custom operator classes and
    callable arguments (the Python export imports each one)."""
    dag = design.dag
    for name in ("on_success_callback", "on_failure_callback"):
        if (path := getattr(dag, name)) is not None:
            yield ("dag", name), (), name, path
    if (timetable := schedule_timetable(dag.schedule)) is not None:
        yield ("dag", *timetable_path(dag.schedule), "timetable"), (), "timetable class", timetable.timetable
    for i, task in enumerate(design.tasks):
        spec = operator_spec(task.operator)
        if spec is None:
            continue
        if spec.is_custom:
            yield ("tasks", i, "operator"), (task.id,), "custom operator class", task.operator
            continue
        for name, value in task.args.items():
            arg = spec.args.get(name)
            if arg is not None and arg.type == "dotted_path" and isinstance(value, str):
                yield ("tasks", i, "args", name), (task.id,), f"argument {name}", value


def runs_code(path: str) -> str | None:
    """Why the object at dotted `path` runs commands or code (from RUNS_CODE), or None."""
    module, _, name = path.rpartition(".")
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):
        entry = RUNS_CODE.get(".".join(parts[:depth]))
        if entry is None:
            continue
        names, reason = entry
        if names is EVERY_NAME or (depth == len(parts) and name in names):
            return reason
    return None  # e.g. os.path.join: `os` lists names, and a submodule of it is not one of them
