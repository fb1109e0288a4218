"""`xborder build`: listings, prices and exports for every market of the project."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from xborder.build import BuildOptions, build as run_build
from xborder.cli import cli
from xborder.cli.common import config_option, console, print_json, project_config
from xborder.cli.price import with_fx_options
from xborder.config import parse_date
from xborder.cli.tm import memory_option
from xborder.errors import InputError
from xborder.listing.report import summarize


def _catalog_files(inputs: tuple[Path, ...]) -> list[Path]:
    """Files as given; a folder stands for the catalogs in it (an agency's folder of factories)."""
    from xborder.catalog.sources import TEXT_SUFFIXES, WORKBOOK_SUFFIXES

    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.suffix.lower() in WORKBOOK_SUFFIXES | TEXT_SUFFIXES
                           and not p.name.startswith(("~$", ".")))
            if not found:
                raise InputError("no .xlsx or .csv catalogs in this folder", file=str(item))
            files += found
        else:
            files.append(item)
    return files


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--market", "-m", "market_keys", multiple=True,
              help="Market to build (repeatable; default: the project's).")
@click.option("--out", "-o", "out", type=click.Path(path_type=Path, file_okay=False), default=Path("dist"),
              show_default=True, help="Folder for the outputs.")
@click.option("--engine", type=click.Choice(["offline"]), default="offline", show_default=True,
              help="Who translates: offline = glossary, memory and phrase banks, no network.")
@click.option("--sku", "skus", multiple=True, help="Only this product (repeatable).")
@click.option("--sheet", help="Read this sheet of each catalog.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json's summary to stdout.")
@click.option("--fail-on-pending", is_flag=True, help="Exit with 1 when any text is left untranslated.")
@with_fx_options
@memory_option
@config_option
def build(inputs: tuple[Path, ...], market_keys: tuple[str, ...], out: Path, engine: str, skus: tuple[str, ...],
          sheet: str | None, quiet: bool, as_json: bool, fail_on_pending: bool, fx_date: str | None,
          rates_file: Path | None, memory_path: Path | None, config_path: Path | None) -> None:
    """Build localized listings, prices and upload files from one or more catalogs (or folders of them).

    Writes listings.xlsx, one JSON per market, shopify.csv and woocommerce.csv for store markets,
    pending.xlf with text still to translate, and report.json into --out.

    \b
    Exit codes:
      0  done
      1  a listing has an error to fix (or text is pending, with --fail-on-pending)
      2  bad input: rows with errors, or catalogs that cannot be read, are left out; the rest is built
    """
    files = _catalog_files(inputs)
    config = project_config(config_path, files)
    options = BuildOptions(out=out, markets=list(market_keys), skus=list(skus), sheet=sheet, engine=engine,
                           memory=memory_path, fx_date=parse_date(fx_date, "--fx-date") if fx_date else None,
                           rates_file=rates_file)
    show = not quiet and not as_json and sys.stderr.isatty()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console(err=True), disable=not show, transient=True)
    task = None

    def on_event(kind: str, info: dict) -> None:
        nonlocal task
        if kind == "catalog":
            if task is not None:
                progress.remove_task(task)
            task = progress.add_task(Path(info["path"]).name, total=info["products"] * info["markets"])
        elif kind == "product" and task is not None:
            progress.advance(task)

    with progress:
        result = run_build(files, config, options, on_event)
    report = summarize(result)
    if as_json:
        print_json({k: v for k, v in report.items() if k != "findings"})
    elif not quiet:
        _summary(report)
    totals = report["totals"]
    if totals["catalog_errors"]:
        raise SystemExit(2)
    if totals["findings"]["error"] or (fail_on_pending and totals["pending_segments"]):
        raise SystemExit(1)


def _summary(report: dict) -> None:
    out = console()
    totals = report["totals"]
    for line in report["unreadable"]:
        out.print(f"[red]left out[/] {line}", highlight=False)
    for c in report["catalogs"]:
        listings = sum(c["listings"].values())
        out.print(f"[bold]{c['file']}[/]: {c['products']} products × {len(c['listings'])} markets = {listings} "
                  f"listings → {c['out']}/")
        if c["rows_with_errors"]:
            out.print(f"  [red]{c['rows_with_errors']} rows left out[/]: see the Issues sheet or "
                      f"`xborder inspect {c['file']}`")
    provenance = ", ".join(f"{k} {v}" for k, v in totals["provenance"].items())
    out.print(f"Fields by source: {provenance}")
    out.print(f"{totals['complete_listings']} of {totals['listings']} listings complete; "
              f"{totals['pending_segments']} texts to translate (pending.xlf); "
              f"{totals['findings']['error']} errors and {totals['findings']['warning']} warnings to review "
              "(Issues sheet of listings.xlsx).")
