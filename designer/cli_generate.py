"""`python -m designer generate DESIGN --config CONFIG --to python|factory|dag-factory|python-env -o OUT`.

Renders the template design for every tenant x environment of the config, lints the generation and every
generated design, prints the findings (`FILE:LINE: CODE severity where: message`) and writes the export
under OUT with the export command's writer (temporary file, fsync, rename; nothing overwritten without
--force). Exit codes: 0 written, 1 refused (error findings, a collision, an export the target cannot
write, an output that would be overwritten), 2 the template or config cannot be read or does not render.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from designer.analysis import Severity, analyze
from designer.analysis.findings import format_location
from designer.analysis.rules.generation import lint_generation
from designer.cli_export import EXIT_REFUSED, _write
from designer.generation import generate, load_template, require_designs
from designer.generation_config import load_config
from exporters import ExportError
from exporters.bundle import check_archive_names
from exporters.generation import GENERATION_TARGETS, export_generation


def add_generate_command(subparsers: argparse._SubParsersAction) -> None:
    cmd = subparsers.add_parser("generate", help="render a template design per tenant and environment and export "
                                "every generated DAG")
    cmd.add_argument("file", metavar="DESIGN", help="template design (.yaml or .json) with ${{ ... }} expressions")
    cmd.add_argument("--config", required=True, metavar="CONFIG", help="generation config (.yaml or .json)")
    cmd.add_argument("--to", required=True, choices=GENERATION_TARGETS, help="what to export")
    cmd.add_argument("-o", "--output", required=True, metavar="OUT", help="output directory")
    cmd.add_argument("--name", help="name of the shared files (factory, dag-factory); default: the template's")
    cmd.add_argument("--force", action="store_true", help="overwrite existing files whose content differs")
    cmd.set_defaults(run=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    template = load_template(args.file)
    config = load_config(args.config)
    generation = generate(template, config)
    designs = require_designs(generation)  # DesignError (exit 2) naming tenant, environment, key and line
    for finding in lint_generation(generation):
        source = args.config if finding.file == "config" else args.file
        lines = config.lines if finding.file == "config" else template.lines
        line = lines.line_of(finding.location)
        where = f"{source}:{line}" if line else source
        print(f"{where}: {finding.code} {finding.severity} {format_location(finding.location) or '-'}: "
              f"{finding.message}")
    for generated, design in zip(generation.dags, designs, strict=True):
        for finding in analyze(design, simulate_run=False).findings:
            if finding.severity is Severity.ERROR:
                line = template.lines.line_of(finding.location)
                where = f"{args.file}:{line}" if line else args.file
                print(f"{where}: {finding.code} error {generated.label} {format_location(finding.location) or 'dag'}: "
                      f"{finding.message}")
    try:
        files = export_generation(generation, args.to, args.name)
        check_archive_names(list(files))
    except ExportError as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_REFUSED
    out = Path(args.output)
    code = _write({out / rel: text.encode("utf-8") for rel, text in files.items()}, args.force)
    if code == 0:
        print(f"generated {len(designs)} DAG(s) for {len(config.tenants)} tenant(s) x "
              f"{len(config.environments)} environment(s)")
    return code
