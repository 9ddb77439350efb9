"""`python -m designer diff OLD NEW [--json] [--dag DAG_ID]`: what changed between two designs.

OLD and NEW are design files (.yaml, .yml, .json) or dag-factory YAML files, told apart by content
as the UI tells them apart (designer.opening). A dag-factory file holding several DAGs needs
`--dag DAG_ID`, which picks the DAG to compare in each file holding several; a file holding one DAG
(every design file does) is compared as it is, so a renamed DAG can be compared.
What an import could not carry over is printed to stderr as notes, since the diff cannot see it.

Plain output: one line per change (DAG settings, lint settings, groups, tasks, edges), then a summary
line. With --json, one object:

    {"equal": bool,
     "summary": {"changes": n, "dag": n, "lint": n,
                 "groups"|"tasks"|"edges": {"added": n, "removed": n, "changed": n}},
     "changes": [{"kind": "added"|"removed"|"changed", "what": "dag"|"lint"|"group"|"task"|"edge",
                  "subject": id | "up >> down" | null, "path": [key, ...], "old": JSON, "new": JSON,
                  "message": "one line"}, ...]}

Exit codes: 0 equal, 1 different, 2 an input could not be read (raised as DesignError and reported by
designer.cli.main as one line).
"""

from __future__ import annotations

import argparse
import json
import sys

from designer.diff import diff_designs, summary_line
from designer.model import Design
from designer.opening import read_designs
from designer.storage import DesignError, Problem, read_source

EXIT_EQUAL, EXIT_DIFFERENT = 0, 1


def add_diff_command(subparsers: argparse._SubParsersAction) -> None:
    """Add the `diff` command to designer.cli's sub-command parsers."""
    cmd = subparsers.add_parser("diff", help="list what changed between two designs; exit 1 when they differ")
    cmd.add_argument("old", metavar="OLD", help="design file or dag-factory YAML")
    cmd.add_argument("new", metavar="NEW", help="design file or dag-factory YAML")
    cmd.add_argument("--json", action="store_true", help="print the changes as JSON")
    cmd.add_argument("--dag", metavar="DAG_ID", help="the DAG to compare in a dag-factory file holding several")
    cmd.set_defaults(run=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    old, new = (_open(path, args.dag) for path in (args.old, args.new))
    result = diff_designs(old, new)
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for change in result.changes:
            print(change.message)
        print(summary_line(result))
    return EXIT_EQUAL if result.is_empty else EXIT_DIFFERENT


def _open(path: str, dag_id: str | None) -> Design:
    designs, notes = read_designs(read_source(path, "files"), path)
    for note in notes:
        print(f"note: {note.format(path)}", file=sys.stderr)
    if len(designs) == 1:
        return designs[0]
    ids = [d.dag.dag_id for d in designs]
    if dag_id is None:
        raise DesignError(path, [Problem(f"holds {len(designs)} DAGs ({', '.join(ids)}); "
                                         "choose one with --dag DAG_ID")])
    if dag_id not in ids:
        raise DesignError(path, [Problem(f"holds no DAG {dag_id!r} (it holds {', '.join(ids)})")])
    return designs[ids.index(dag_id)]

