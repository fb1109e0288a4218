"""`xborder check`: the market's checks on outputs a person edited, for people and for CI."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from xborder.cli.app import cli
from xborder.cli.common import config_option, console, legacy_o_option, chosen_output, project_config
from xborder.errors import ConfigError
from xborder.files import write_text
from xborder.exports.check import check_outputs, junit_xml
from xborder.status import ExitStatus


@cli.command()
@click.argument("dist", type=click.Path(path_type=Path), default=Path("dist"))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True,
              help="How to report: for people, JSON, or JUnit XML for CI systems.")
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the JSON or JUnit report to this file instead of stdout.")
@legacy_o_option
@config_option
def check(dist: Path, fmt: str, as_json: bool, output: Path | None, legacy_output: Path | None,
          config_path: Path | None) -> None:
    """Run every check of the market again on the listings in DIST (a build's --out folder, or its
    listings.xlsx) after a person edited them. Exit 0 when no field has an error, 1 when one has."""
    output = chosen_output(output, legacy_output)
    if as_json:
        if fmt not in ("text", "json"):
            raise click.UsageError("--json is --format json: give one of them")
        fmt = "json"
    config = project_config(config_path, [])
    results = check_outputs(dist, config)
    errors = [r for r in results if any(f.severity == "error" for f in r.findings)]
    if fmt == "text":
        if output:
            raise ConfigError("--output goes with --format json or junit")
        out = console()
        for result in results:
            for finding in result.findings:
                colour = "red" if finding.severity == "error" else "yellow"
                out.print(f"[{colour}]{finding.severity}[/] {result.market} {escape(result.sku)} {result.field}: "
                          f"{escape(finding.message)}", highlight=False)
        out.print(f"{len(results)} fields checked; {len(errors)} with errors.")
    else:
        if fmt == "json":
            payload = {"fields": len(results), "fields_with_errors": len(errors),
                       "results": [r.to_json() for r in results if r.findings]}
            text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        else:
            text = junit_xml(results)
        if output:
            write_text(output, text)
        else:
            click.echo(text, nl=False)
    if errors:
        raise SystemExit(ExitStatus.FINDINGS)
