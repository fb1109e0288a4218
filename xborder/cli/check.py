"""`xborder check`: the market's checks on outputs a person edited, for people and for CI."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from xborder.cli import cli
from xborder.cli.common import config_option, console, print_json, project_config
from xborder.files import write_text
from xborder.listing.check import check_outputs, junit_xml
from xborder.status import ExitStatus


@cli.command()
@click.argument("dist", type=click.Path(path_type=Path), default=Path("dist"))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True,
              help="How to report: for people, JSON, or JUnit XML for CI systems.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of stdout.")
@config_option
def check(dist: Path, fmt: str, output: Path | None, config_path: Path | None) -> None:
    """Run every check of the market again on the listings in DIST (a build's --out folder, or its
    listings.xlsx) after a person edited them. Exit 0 when no field has an error, 1 when one has."""
    config = project_config(config_path, [])
    results = check_outputs(dist, config)
    errors = [r for r in results if any(f.severity == "error" for f in r.findings)]
    if fmt == "json":
        text = None
        payload = {"fields": len(results), "fields_with_errors": len(errors),
                   "results": [r.to_json() for r in results if r.findings]}
        if output:
            import json

            write_text(output, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        else:
            print_json(payload)
    elif fmt == "junit":
        text = junit_xml(results)
        write_text(output, text) if output else click.echo(text, nl=False)
    else:
        out = console()
        for result in results:
            for finding in result.findings:
                colour = "red" if finding.severity == "error" else "yellow"
                out.print(f"[{colour}]{finding.severity}[/] {result.market} {escape(result.sku)} {result.field}: "
                          f"{escape(finding.message)}", highlight=False)
        out.print(f"{len(results)} fields checked; {len(errors)} with errors.")
    if errors:
        raise SystemExit(ExitStatus.FINDINGS)
