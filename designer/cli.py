"""Command line: `python -m designer validate|analyze|export|import|diff|generate|publish|schema|rules ...`.

Exit codes: 0 fine, 1 a design has error findings (validate), 2 input could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from designer.analysis import RULES, Severity, analyze
from designer.analysis.findings import format_location
from designer.cli_diff import add_diff_command
from designer.cli_export import add_export_commands
from designer.cli_generate import add_generate_command
from designer.cli_publish import add_publish_command
from designer.storage import DesignError, LineIndex, json_schema, load_design_with_lines

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except DesignError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # last line of defence for paths: one line, never a traceback
        print(f"error: {exc.filename or '?'}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except (RecursionError, MemoryError) as exc:  # last line of defence: hostile input, never a traceback
        print(f"error: input too complex to read ({type(exc).__name__})", file=sys.stderr)
        return EXIT_UNREADABLE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m designer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    add_export_commands(sub)
    add_diff_command(sub)
    add_publish_command(sub)
    add_generate_command(sub)

    validate = sub.add_parser("validate", help="check design files; exit 1 when any has an error finding")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--errors-only", action="store_true", help="print only error findings")
    validate.set_defaults(run=_validate)

    analyze_cmd = sub.add_parser("analyze", help="metrics, cycles, findings and a simulated run of a design")
    analyze_cmd.add_argument("file", metavar="FILE")
    analyze_cmd.add_argument("--json", action="store_true", help="print the full report as JSON")
    analyze_cmd.set_defaults(run=_analyze)

    schema = sub.add_parser("schema", help="print the JSON Schema of design files")
    schema.set_defaults(run=lambda _args: _print_json(json_schema()))

    rules = sub.add_parser("rules", help="list the lint rules")
    rules.set_defaults(run=_rules)
    return parser


def _validate(args: argparse.Namespace) -> int:
    worst = EXIT_OK
    for path in args.files:
        try:
            design, lines = load_design_with_lines(path)
        except DesignError as exc:
            print(f"error: {exc}", file=sys.stderr)
            worst = EXIT_UNREADABLE
            continue
        report = analyze(design, simulate_run=False)
        shown = [f for f in report.findings if not args.errors_only or f.severity is Severity.ERROR]
        for finding in shown:
            print(_finding_line(path, finding, lines))
        errors = sum(f.severity is Severity.ERROR for f in report.findings)
        others = len(report.findings) - errors
        print(f"{path}: {'invalid' if errors else 'valid'} ({errors} errors, {others} other findings)")
        if errors and worst == EXIT_OK:
            worst = EXIT_FINDINGS
    return worst


def _finding_line(path: str, finding, lines: LineIndex) -> str:
    line = lines.line_of(finding.location)
    where = f"{path}:{line}" if line else path
    location = format_location(finding.location)
    return f"{where}: {finding.code} {finding.severity} {location or 'dag'}: {finding.message}"


def _analyze(args: argparse.Namespace) -> int:
    design, lines = load_design_with_lines(args.file)
    report = analyze(design)
    if args.json:
        return _print_json(report.as_dict())
    m = report.metrics
    rows = [
        ("tasks", m.tasks), ("edges", m.edges), ("groups", m.groups),
        ("depth", m.depth), ("width", m.width),
        ("critical path", " >> ".join(m.critical_path) or "-"),
        ("critical path length (s)", m.critical_path_length),
        ("max fan-in", f"{m.max_fan_in} ({m.max_fan_in_task})"),
        ("max fan-out", f"{m.max_fan_out} ({m.max_fan_out_task})"),
        ("cyclomatic complexity", m.cyclomatic_complexity), ("group nesting", m.max_group_nesting),
        ("edges crossing groups", m.crossing_edges),
        ("complexity", f"{report.complexity.score:g} (grade {report.complexity.grade})"),
        ("simulated run (s)", report.simulation.makespan if report.simulation else "- (cyclic)"),
        ("cycles", "; ".join(" -> ".join(c) for c in report.cycles) or "none"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for finding in report.findings:
        print(_finding_line(args.file, finding, lines))
    return EXIT_OK


def _rules(_args: argparse.Namespace) -> int:
    for code, rule in sorted(RULES.items()):
        summary = " ".join(rule.doc.split("\n\n")[0].split())
        print(f"{code} {rule.name} ({rule.severity}): {summary}")
    return EXIT_OK


def _print_json(data) -> int:
    json.dump(data, sys.stdout, indent=2, sort_keys=False)
    print()
    return EXIT_OK
