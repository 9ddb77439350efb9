"""`python -m designer publish DESIGN --repo PATH [--branch NAME]`: the design's export bundle into an Airflow
repository, on a new branch, in one commit (see designer/publish.py; the checkout is not touched).

Prints the branch, the commit and each file. Exit codes: 0 published (or nothing to publish: HEAD holds these
files already), 1 refused (the design cannot be exported, the branch exists, a file was changed in the
repository since the last publish from this design), 2 the design cannot be read or PATH is not a git
repository with a commit (reported as one line).
"""

from __future__ import annotations

import argparse
import sys

from designer.publish import NotARepository, PublishRefused, publish
from designer.storage import DesignError, Problem, load_design
from exporters import ExportError

EXIT_OK, EXIT_REFUSED = 0, 1


def add_publish_command(subparsers: argparse._SubParsersAction) -> None:
    """Add the `publish` command to designer.cli's sub-command parsers."""
    cmd = subparsers.add_parser("publish", help="commit a design's exports to a new branch of an Airflow git repo")
    cmd.add_argument("file", metavar="DESIGN", help="design file (.yaml or .json)")
    cmd.add_argument("--repo", required=True, metavar="PATH", help="the Airflow repository (a git repository)")
    cmd.add_argument("--branch", metavar="NAME", help="the new branch (default designer/<module>-<hash>)")
    cmd.set_defaults(run=run_publish)


def run_publish(args: argparse.Namespace) -> int:
    design = load_design(args.file)
    try:
        result = publish(design, args.repo, args.branch)
    except NotARepository as exc:
        raise DesignError(args.repo, [Problem(str(exc).removeprefix(f"{args.repo}: "))]) from None
    except (ExportError, PublishRefused) as exc:
        for problem in getattr(exc, "problems", [str(exc)]):
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_REFUSED
    if result.branch is None:
        print(f"nothing to publish: HEAD ({result.base[:7]}) holds these files already")
        return EXIT_OK
    print(f"published {design.dag.dag_id} to branch {result.branch} (commit {result.commit[:7]} on {result.base[:7]})")
    for path in result.files:
        print(f"  {path}")
    return EXIT_OK
