"""`xborder build`: listings, prices and exports for every market of the project."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from xborder.build import BuildOptions, build_and_write, estimate_build, write_batch_requests
from xborder.engines.setup import ENGINES
from xborder.cli.app import cli
from xborder.cli.common import config_option, console, print_json, project_config
from xborder.cli.price import with_fx_options
from xborder.cli.rows import echo_row_errors
from xborder.config import parse_date
from xborder.cli.tm import memory_option
from xborder.errors import InputError
from xborder.exports.report import summarize
from xborder.status import ExitStatus, exit_status


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


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """'2/4' → (2, 4)."""
    if value is None:
        return None
    try:
        number, count = (int(part) for part in value.split("/"))
    except ValueError:
        number = count = 0
    if not 1 <= number <= count:
        raise click.BadParameter(f"'{value}' is not K/N with 1 ≤ K ≤ N (e.g. 2/4)", param_hint="--shard")
    return number, count


def engine_options(command):
    """--engine, --model and --concurrency: who translates, shared by the commands that call an engine."""
    command = click.option("--concurrency", type=click.IntRange(1, 256),
                           help="Model requests in flight at once (default: [model] concurrency, else 4).")(command)
    command = click.option("--model", "model_name", metavar="NAME",
                           help="Model name for --engine openai (default: [model] name).")(command)
    return click.option("--engine", type=click.Choice(list(ENGINES)), default=None,
                        help="Who translates (default: [project] engine, else offline): offline = memory, "
                             "glossary and phrase banks, no network; openai = any OpenAI-compatible endpoint "
                             "(OPENAI_BASE_URL, OPENAI_API_KEY).")(command)


def model_overrides(model_name: str | None, concurrency: int | None) -> dict[str, str | int]:
    return {k: v for k, v in (("name", model_name), ("concurrency", concurrency)) if v is not None}


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--market", "-m", "market_keys", multiple=True,
              help="Market to build (repeatable; default: the project's).")
@click.option("--out", "-o", "out", type=click.Path(path_type=Path), default=Path("dist"),
              show_default=True, help="Folder for the outputs.")
@engine_options
@click.option("--sku", "skus", multiple=True, help="Only this product (repeatable).")
@click.option("--sheet", help="Read this sheet of each catalog.")
@click.option("--dry-run", is_flag=True, help="Say how many model requests and tokens the build needs and what the "
                                              "memory already covers; call nothing, write nothing.")
@click.option("--max-requests", type=click.IntRange(0), help="Stop asking the model after this many requests "
                                                             "(exit 4); what is done is kept.")
@click.option("--max-tokens", type=click.IntRange(0), help="Stop asking the model once this many tokens are used "
                                                           "(exit 4); what is done is kept.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json's summary to stdout.")
@click.option("--fail-on-pending", is_flag=True, help="Exit with 1 when any text is left untranslated.")
@click.option("--frozen", is_flag=True, help="Publish only approved and cached text: exit 1 before any model request "
                                             "if something would need translating (implies --fail-on-pending).")
@click.option("--scripts", "script_languages", multiple=True, metavar="LANG",
              help="Also write a 60-second live-stream script per product in this language, with the build's "
                   "engine (repeatable, e.g. en-US), into OUT/scripts/; `xborder script` sets the duration and a "
                   "session's run of show.")
@click.option("--shard", metavar="K/N", callback=lambda ctx, param, value: parse_shard(value),
              help="Build only the K-th of N shares of the products (stable by SKU), so N CI jobs share a "
                   "catalog; join their memories with `xborder tm merge`.")
@click.option("--batch-out", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE.jsonl",
              help="Write every model request the build needs as a Batch API file and stop: nothing is asked, "
                   "no listing written (submit it with `xborder batch submit`, or `vllm run-batch`).")
@click.option("--batch-in", type=click.Path(path_type=Path, dir_okay=False), metavar="RESULTS.jsonl",
              help="Keep a batch's results in the memory (each reply checked as a live one), then build; only "
                   "what they do not cover is asked live (add --frozen to ask nothing).")
@click.option("--include-held", is_flag=True,
              help="Write held and pending listings into the upload files too (by default they carry only ready "
                   "ones), for fixing them in the marketplace's own editor.")
@click.option("--retry-rejected", is_flag=True,
              help="Ask the model again for listings whose earlier reply broke a rule and was kept as rejected "
                   "(by default they are not bought again; [model] retry_rejected = N allows N automatic retries).")
@with_fx_options
@memory_option
@config_option
def build(inputs: tuple[Path, ...], market_keys: tuple[str, ...], out: Path, engine: str | None,
          model_name: str | None, concurrency: int | None, skus: tuple[str, ...], sheet: str | None, dry_run: bool,
          max_requests: int | None, max_tokens: int | None, quiet: bool, as_json: bool, fail_on_pending: bool,
          frozen: bool, script_languages: tuple[str, ...], shard: tuple[int, int] | None, batch_out: Path | None,
          batch_in: Path | None, include_held: bool, retry_rejected: bool,
          fx_date: str | None, rates_file: Path | None, memory_path: Path | None, config_path: Path | None) -> None:
    """Build localized listings, prices and upload files from one or more catalogs (or folders of them).

    Writes listings.xlsx and one JSON per market with every listing and its status (ready, held with its
    reasons, or pending), the upload files (Amazon flat files, TikTok Shop / Shopee / Lazada / Mercado Libre
    upload sheets, shopify.csv, woocommerce.csv) with the ready listings only (--include-held: all), pending.xlf
    with text still to translate, and report.json into --out.

    \b
    Exit codes:
      0  done
      1  a listing has an error to fix (or text is pending, with --fail-on-pending)
      2  bad input: rows with errors, or catalogs that cannot be read, are left out; the rest is built
      3  the model endpoint refused the key or model, or kept failing (finished work is kept)
      4  --max-requests or --max-tokens reached (finished work is kept; build again to continue)
    """
    files = _catalog_files(inputs)
    config = project_config(config_path, files)
    options = BuildOptions(out=out, markets=list(market_keys), skus=list(skus), sheet=sheet, engine=engine,
                           model=model_overrides(model_name, concurrency), memory=memory_path,
                           fx_date=parse_date(fx_date, "--fx-date") if fx_date else None, rates_file=rates_file,
                           max_requests=max_requests, max_tokens=max_tokens, frozen=frozen, shard=shard,
                           batch_in=batch_in, scripts=list(script_languages), include_held=include_held,
                           retry_rejected=retry_rejected)
    fail_on_pending = fail_on_pending or frozen
    if batch_out is not None:
        written = write_batch_requests(files, config, options, batch_out)
        if as_json:
            print_json(written.to_json())
        else:
            for error in written.unreadable:
                console().print(f"[red]left out[/] {error}", highlight=False)
            console().print(f"{written.requests} requests for {written.listings} listings written to {batch_out}; "
                            f"nothing was asked. Next: xborder batch submit {batch_out}", highlight=False)
        if written.unreadable:
            raise SystemExit(ExitStatus.INPUT_ERROR)
        return
    if dry_run:
        estimate = estimate_build(files, config, options)
        if as_json:
            print_json(estimate.to_json())
        else:
            _estimate_table(estimate)
        return
    show = not quiet and not as_json and sys.stderr.isatty()
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console(err=True), disable=not show, transient=True)
    task = None
    usage = ""

    def on_event(kind: str, info: dict[str, Any]) -> None:
        nonlocal task, usage
        if kind == "job":
            usage = f"{info['requests']} requests, {info['tokens']:,} tokens"
            if task is not None:
                progress.update(task, detail=usage)
        elif kind == "catalog":
            if task is not None:
                progress.remove_task(task)
            task = progress.add_task(Path(info["path"]).name, total=info["products"] * info["markets"], detail=usage)
        elif kind == "product" and task is not None:
            progress.advance(task)
        elif kind == "note" and not as_json:  # the engine's setup, said once (the model it chose)
            click.echo(f"xborder: {info['message']}", err=True)

    with progress:
        result = build_and_write(files, config, options, on_event)
    for error in result.unreadable:
        click.echo(f"xborder: left out: {error}", err=True)
    echo_row_errors(result.problems)
    report = summarize(result)
    if as_json:
        print_json({k: v for k, v in report.items() if k != "findings"})
    elif not quiet:
        _summary(report)
    if result.fetch.message:
        click.echo(f"xborder: {result.fetch.message}", err=True)
    totals = report["totals"]
    raise SystemExit(exit_status(result.fetch.stop_reason, totals["catalog_errors"], totals["findings"]["error"],
                                 totals["pending_segments"], fail_on_pending))


def _estimate_table(estimate) -> None:
    out = console()
    table = Table("catalog", "market", "listings", "covered by the memory", "requests", "tokens (about)",
                  title=f"Dry run: {estimate.engine.name}" + (f" ({estimate.engine.model})" if estimate.engine.model
                                                              else ""))
    for item in estimate.markets:
        table.add_row(Path(item.catalog).name, item.market, str(item.listings), str(item.covered),
                      str(item.usage.requests), f"{item.usage.tokens:,}")
    out.print(table)
    for error in estimate.unreadable:
        out.print(f"[red]left out[/] {error}", highlight=False)
    total = estimate.usage
    out.print(f"{total.requests} requests and about {total.tokens:,} tokens ({total.prompt_tokens:,} in, "
              f"{total.completion_tokens:,} out); nothing was called or written.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _status_line(market: str, status: dict[str, Any]) -> str:
    """'amazon-de: 52 ready, 13 held — 9 text pending, 3 price unconfirmed, 1 claim'."""
    parts = [f"{status['ready']} ready"] + [f"{status[k]} {k}" for k in ("held", "pending") if status[k]]
    reasons = ", ".join(f"{count} {reason}" for reason, count in list(status["reasons"].items())[:4])
    return f"{market}: {', '.join(parts)}" + (f" — {reasons}" if reasons else "")


def _summary(report: dict[str, Any]) -> None:
    out = console()
    totals = report["totals"]
    usage = report["usage"]
    for c in report["catalogs"]:
        listings = sum(c["listings"].values())
        out.print(f"[bold]{c['file']}[/]: {_count(c['products'], 'product')} × "
                  f"{_count(len(c['listings']), 'market')} = {_count(listings, 'listing')} → {c['out']}/")
        if c["rows_with_errors"]:
            out.print(f"  [red]{_count(c['rows_with_errors'], 'row')} left out[/] (listed on stderr): see the Issues "
                      f"sheet or `xborder inspect {escape(c['file'])}`", highlight=False)
    provenance = ", ".join(f"{k} {v}" for k, v in totals["provenance"].items())
    out.print(f"Fields by source: {provenance}")
    if report["engine"]["name"] != "offline":
        out.print(f"Model {report['engine']['model']}: {usage['requests']} requests, {usage['prompt_tokens']:,} + "
                  f"{usage['completion_tokens']:,} tokens; {usage['done']} of {usage['jobs']} products × markets "
                  f"done" + (f", {usage['failed']} failed" if usage["failed"] else "") + ".")
    batch = report.get("batch")
    if batch:
        out.print(f"Batch {batch['file']}: {batch['imported']} listings kept, {batch['rejected']} rejected (kept "
                  f"as rejected, see below), {len(batch['failed'])} failed lines, "
                  f"{len(batch['unknown']) + len(batch['stale'])} for no current product.", highlight=False)
    rejected = report.get("rejected") or {}
    if rejected.get("listings"):
        reasons = ", ".join(f"{r['check']} {r['count']}" for r in rejected["top_reasons"][:5])
        out.print(f"[red]{_count(rejected['listings'], 'listing')} rejected[/] ({rejected['this_run']} in this run, "
                  f"{rejected['earlier_runs']} kept from earlier runs); top reasons: "
                  f"{escape(reasons)}. To retry: {escape(rejected['retry'])}.", highlight=False)
    for key, status in totals["status"].items():
        out.print(_status_line(key, status), highlight=False)
    if report["totals"].get("held_in_upload_files"):
        out.print("[yellow]--include-held: the upload files carry held and pending listings too[/]")
    elif any(status["held"] or status["pending"] for status in totals["status"].values()):
        out.print("Only ready listings are in the upload files; held ones are in listings.xlsx (Issues sheet) "
                  "and the JSON with their reasons (--include-held writes them too).")
    drafts = f" ({totals['draft_listings']} with drafts to review)" if totals.get("draft_listings") else ""
    out.print(f"{totals['complete_listings']} of {totals['listings']} listings complete{drafts}; "
              f"{totals['pending_segments']} texts to translate or review (pending.xlf); "
              f"{totals['findings']['error']} errors and {totals['findings']['warning']} warnings to review "
              "(Issues sheet of listings.xlsx).")
