"""`xborder script`: live-stream scripts per product and language, timed, priced like the listing, checked."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from xborder.cli.app import cli
from xborder.cli.build import _catalog_files, engine_options, model_overrides
from xborder.cli.rows import echo_row_errors
from xborder.cli.common import config_option, console, print_json, project_config
from xborder.cli.price import with_fx_options
from xborder.cli.tm import memory_option
from xborder.config import parse_date
from xborder.exports.scripts import write_scripts
from xborder.scripts import ORDERS, ScriptOptions, make_scripts, parse_duration
from xborder.exports.scripts import report_json
from xborder.scripts.run import check_scripts_paths
from xborder.scripts.timing import clock
from xborder.status import exit_status
from xborder.engines.rejection import SCRIPT_RETRY


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--lang", "-l", "languages", multiple=True, required=True, metavar="TAG",
              help="Language of the scripts, such as en-US, de-DE, ja-JP, es-MX (repeatable).")
@click.option("--market", "-m", "market_keys", multiple=True, metavar="KEY",
              help="Market whose price and listing text a language's scripts use (repeatable; default: the first "
                   "project market in that language).")
@click.option("--duration", "-d", default="60s", show_default=True,
              help="Length of each product's script: 60s, 90s, 2m, 1m30s.")
@click.option("--session", metavar="LENGTH", help="Also plan a whole live session of this length (60m, 1h30m): a run "
                                                  "of show per language, as Markdown and a printable xlsx.")
@click.option("--order", default="given", show_default=True, metavar="RULE",
              help=f"Order of the products in the run of show: {', '.join(ORDERS)}, or SKUs separated by commas.")
@click.option("--sku", "skus", multiple=True, help="Only this product (repeatable).")
@click.option("--sheet", help="Read this sheet of each catalog.")
@click.option("--out", "-o", "out", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="Folder for the outputs; the scripts go into its scripts/ folder, which is replaced whole.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json's totals and scripts as JSON.")
@engine_options
@click.option("--max-requests", type=click.IntRange(0), help="Stop asking the model after this many requests "
                                                             "(exit 4); the rest get the phrase bank's lines.")
@click.option("--max-tokens", type=click.IntRange(0), help="Stop asking the model once this many tokens are used "
                                                           "(exit 4); the rest get the phrase bank's lines.")
@click.option("--retry-rejected", is_flag=True,
              help="Ask the model again for scripts whose earlier reply broke a rule and was kept as rejected (by "
                   "default they are not bought again; [model] retry_rejected = N allows N automatic retries).")
@with_fx_options
@memory_option
@config_option
def script(inputs: tuple[Path, ...], languages: tuple[str, ...], market_keys: tuple[str, ...], duration: str,
           session: str | None, order: str, skus: tuple[str, ...], sheet: str | None, out: Path, as_json: bool,
           engine: str | None, model_name: str | None, concurrency: int | None, max_requests: int | None,
           max_tokens: int | None, retry_rejected: bool, fx_date: str | None, rates_file: Path | None,
           memory_path: Path | None, config_path: Path | None) -> None:
    """Write live-stream scripts for every product of the catalogs, one per language.

    Each script has a hook, the product's story, a demonstration with stage directions, key specs, social
    proof, the listing's price, the platform's call to action, answers to common questions and disclaimers,
    fitted to --duration at the language's speaking rate. Prices, specs and glossary terms are the listing's.
    Writes OUT/scripts/<lang>/<sku>.md, with --session a run of show per language, pending.xlf with text
    still in Chinese, and report.json. Offline (the default), nothing is sent anywhere; with --engine openai
    (or [project] engine = "openai") a model writes each script in the same segments from the same facts, within
    the same timing and lint, one request per product and language, kept in the memory so a rerun asks nothing.

    \b
    Exit codes:
      0  done
      1  a script has an error to fix (a claim, a price, text still in Chinese)
      2  bad input: an unknown language, a duration of 0, an empty catalog, rows with errors
      3  the model endpoint refused the key or model, or kept failing
      4  --max-requests or --max-tokens reached (written scripts are kept; run again to continue)
    """
    seconds = parse_duration(duration, "--duration")
    session_seconds = parse_duration(session, "--session") if session is not None else None
    files = _catalog_files(inputs)
    check_scripts_paths(files, out)
    config = project_config(config_path, files)
    options = ScriptOptions(out=out, languages=list(languages), markets=list(market_keys), duration=seconds,
                            session=session_seconds, order=order, skus=list(skus), sheet=sheet, memory=memory_path,
                            fx_date=parse_date(fx_date, "--fx-date") if fx_date else None, rates_file=rates_file,
                            engine=engine or config.engine, model=model_overrides(model_name, concurrency),
                            max_requests=max_requests, max_tokens=max_tokens, retry_rejected=retry_rejected)
    result = make_scripts(files, config, options)
    if result.note and not as_json:  # the engine's setup, said once as a build says it (the model it chose)
        click.echo(f"xborder: {result.note}", err=True)
    written = write_scripts(result)
    scripts = result.all_scripts
    if as_json:
        report = report_json(result, written)
        print_json({"totals": report["totals"], "markets": report["markets"], "files": report["files"],
                    "scripts": [{k: s[k] for k in ("sku", "lang", "market", "price", "target_seconds",
                                                    "estimated_seconds", "within_tolerance", "findings", "pending")}
                                for s in report["scripts"]]})
    else:
        _summary(result, out)
    run = result.model
    if run is not None and run.message:
        click.echo(f"xborder: {run.message}", err=True)
    echo_row_errors(result.row_problems)
    raise SystemExit(exit_status(run.stop_reason if run is not None else "", result.problems,
                                 sum(f.severity == "error" for s in scripts for f in s.findings)))


def _summary(result, out: Path) -> None:
    show = console()
    for tag, scripts in result.scripts.items():
        market = result.markets[tag]
        table = Table(title=f"{tag} · {market.name} ({market.key})", title_justify="left")
        for name in ("sku", "product", "price", "estimated", "target", "errors", "warnings", "pending"):
            table.add_column(name, justify="right" if name in ("errors", "warnings") else "left",
                             no_wrap=name != "product")
        for s in scripts:
            errors = sum(f.severity == "error" for f in s.findings)
            warnings = sum(f.severity == "warning" for f in s.findings)
            estimate = clock(s.total_seconds) if s.within_tolerance else f"[yellow]{clock(s.total_seconds)}[/]"
            table.add_row(escape(s.product.sku), escape(s.name), escape(s.quote.formatted), estimate,
                          clock(s.target_seconds), f"[red]{errors}[/]" if errors else "0", str(warnings),
                          str(len(s.pending_sources)) if s.pending else "")
        show.print(table)
        for s in scripts:
            for f in s.findings:
                colour = "red" if f.severity == "error" else "yellow"
                show.print(f"[{colour}]{escape(s.product.sku)}[/] {f.severity} ({escape(f.field)}): "
                           f"{escape(f.message)}", highlight=False)
        run = result.shows.get(tag)
        if run is not None:
            products = sum(1 for slot in run.slots if slot.kind == "product")
            show.print(f"Run of show {clock(run.session_seconds)}: {len(run.slots)} slots, {products} product "
                       f"slots ({run.rule})" + (f"; no room for {', '.join(run.left_out)}" if run.left_out else ""),
                       highlight=False)
    scripts = result.all_scripts
    run = result.model
    if run is not None:
        usage = run.usage
        show.print(f"Model {escape(run.model)}: {usage.requests} requests, {usage.prompt_tokens:,} + "
                   f"{usage.completion_tokens:,} tokens; {run.cached} scripts from the memory, {run.done} written"
                   + (f", {run.rejected} rejected" if run.rejected else "")
                   + (f", {run.kept_rejected} kept as rejected from earlier runs"
                      if run.kept_rejected else "")
                   + (f", {run.failed} failed" if run.failed else "") + ".", highlight=False)
        if run.rejected or run.kept_rejected:
            show.print(f"To retry the rejected scripts: {escape(SCRIPT_RETRY)}.", highlight=False)
    show.print(f"{len(scripts)} scripts in {out / 'scripts'}/ ({', '.join(result.scripts)}); "
               f"{sum(s.within_tolerance for s in scripts)} within 10% of their duration; "
               f"{len(result.pending)} texts to translate (scripts/pending.xlf).", highlight=False)
