"""`xborder price` and `xborder rates`: local prices for every market, with the breakdown."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from xborder.catalog import read_catalog
from xborder.cli.app import cli
from xborder.cli.common import config_option, console, grouped_lines, print_json, project_config
from xborder.cli.rows import echo_row_errors
from xborder.config import Config, parse_date
from xborder.errors import ConfigError
from xborder.markets import get_markets
from xborder.pricing import FxTable, quote_catalog
from xborder.pricing.fx import bundled_range
from xborder.language.money_format import format_rate
from xborder.status import exit_status

fx_options = [
    click.option("--fx-date", help="Use the ECB rates of this date, YYYY-MM-DD (default: [pricing] fx_date, "
                                   "else the newest bundled)."),
    click.option("--rates", "rates_file", type=click.Path(path_type=Path, dir_okay=False),
                 help="CSV of extra rates: base,quote,rate,date[,source] (1 base = rate quote)."),
]


def with_fx_options(command):
    for option in reversed(fx_options):
        command = option(command)
    return command


def fx_table(config: Config, fx_date: str | None, rates_file: Path | None) -> FxTable:
    """The FX table for this run: options win over xborder.toml."""
    date = parse_date(fx_date, "--fx-date") if fx_date else config.fx_date
    return FxTable(date, rates_file or config.rates_file)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--market", "-m", "market_keys", multiple=True,
              help="Market to price for (repeatable; default: [project] markets of xborder.toml).")
@click.option("--explain", metavar="SKU", help="Show the full calculation for one product.")
@click.option("--sheet", help="Read this sheet (default: the one that holds products).")
@click.option("--json", "as_json", is_flag=True, help="Print the quotes as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="One line per product and finding, not one per kind.")
@with_fx_options
@config_option
def price(file: Path, market_keys: tuple[str, ...], explain: str | None, sheet: str | None, as_json: bool,
          verbose: bool, fx_date: str | None, rates_file: Path | None, config_path: Path | None) -> None:
    """Price every product of FILE for each market: landed cost, fees, tax, margin, final price.

    Rows with errors are left out and counted; the exit code is then 2. A price is unconfirmed when
    something it needs is unknown (a weight, a fulfilment fee); the exit code is then 1.
    """
    config = project_config(config_path, [file])
    markets = get_markets(list(market_keys) or config.markets, config.market_overrides)
    catalog = read_catalog(file, config.catalog, sheet=sheet)
    products = catalog.products
    if explain:
        products = [p for p in products if p.sku == explain]
        if not products:
            raise ConfigError(f"{file}: no product with SKU '{explain}'; "
                              f"SKUs: {', '.join(p.sku for p in catalog.products[:12])}"
                              + (" …" if len(catalog.products) > 12 else ""))
    fx = fx_table(config, fx_date, rates_file)
    quotes = quote_catalog(products, markets, config.pricing, fx)
    if as_json:
        print_json({"file": str(file), "fx_date": fx.date.isoformat(),
                    "markets": {key: [q.to_json() for q in qs] for key, qs in quotes.items()},
                    "problems": [p.to_json() for p in catalog.errors]})
    elif explain:
        _explain(quotes)
    else:
        _tables(quotes, markets, verbose)
    unconfirmed = [q for qs in quotes.values() for q in qs if not q.confirmed]
    echo_row_errors(catalog.errors)
    if unconfirmed and not catalog.errors:
        first = unconfirmed[0]
        reason = next(f for f in first.findings if f.severity == "error")
        click.echo(f"xborder: {len(unconfirmed)} price(s) unconfirmed: something they need is unknown "
                   f"(first: {first.sku} in {first.market}: {reason})", err=True)
    raise SystemExit(exit_status(input_errors=len(catalog.errors), errors=len(unconfirmed)))


_COLOURS = {"error": "[red]", "warning": "[yellow]", "info": "[dim]"}


def _tables(quotes, markets, verbose: bool = False) -> None:
    out = console()
    for market in markets:
        rows = quotes[market.key]
        tax = f"{market.tax.name} {format_rate(market.tax.rate, market.locale)} " + \
              ("included" if market.tax.included_in_price else "not included")
        fx = rows[0].fx if rows else None
        title = f"{market.name} ({market.key}) – {market.currency}, {tax}" + \
                (f"; 1 {fx.base} = {fx.rate} {fx.quote} on {fx.date}" if fx else "")
        table = Table(title=title, title_justify="left")
        for name in ("sku", "name", "cost", "landed", "fees", market.tax.name, "profit", "margin", "price"):
            table.add_column(name, justify="left" if name in ("sku", "name") else "right", no_wrap=name != "name")
        for q in rows:
            table.add_row(q.sku, q.name, q.money(q.cost), q.money(q.landed), q.money(q.fees),
                          q.money(q.tax) if q.tax_included else "–", q.money(q.profit), format_rate(q.margin, q.locale),
                          f"[bold]{q.formatted}[/]")
        out.print(table)
        found = [(q.sku, f.severity, f.code, str(f)) for q in rows for f in q.findings]
        for line in grouped_lines(found, verbose=verbose):
            out.print(escape(line), highlight=False)


def _explain(quotes) -> None:
    out = console()
    for rows in quotes.values():
        for q in rows:
            table = Table(title=f"{q.sku} {q.name} → {q.market} ({q.currency})", title_justify="left")
            table.add_column("step")
            table.add_column("how")
            table.add_column("amount", justify="right")
            table.add_column("from", style="dim")
            for step in q.steps:
                shown = q.money(step.amount) if step.amount is not None else ""
                bold = step.label.startswith(("=", "→"))
                table.add_row(f"[bold]{escape(step.label)}[/]" if bold else escape(step.label), escape(step.how),
                              f"[bold]{shown}[/]" if bold else shown, escape(step.source))
            out.print(table)
            out.print(f"FX: 1 {q.fx.base} = {q.fx.rate} {q.fx.quote} on {q.fx.date} ({q.fx.source})")
            if not q.confirmed:
                out.print("[red]unconfirmed[/]: something this price needs is unknown (see below)")
            for finding in q.findings:
                out.print(f"{_COLOURS[finding.severity]}{finding.severity}[/]: {escape(str(finding))}", highlight=False)


@cli.command()
@click.option("--market", "-m", "market_keys", multiple=True, help="Markets whose currencies to show.")
@click.option("--from", "base", help="Currency the factory prices are in (default: [catalog] currency).")
@click.option("--json", "as_json", is_flag=True, help="Print the rates as JSON.")
@with_fx_options
@config_option
def rates(market_keys: tuple[str, ...], base: str | None, as_json: bool, fx_date: str | None,
          rates_file: Path | None, config_path: Path | None) -> None:
    """Show the exchange rates a price run would use, with their date and source."""
    config = project_config(config_path, [])
    markets = get_markets(list(market_keys) or config.markets, config.market_overrides)
    fx = fx_table(config, fx_date, rates_file)
    base = (base or config.catalog.currency).upper()
    currencies = list(dict.fromkeys(m.currency for m in markets))
    found = [fx.rate(base, currency) for currency in currencies]
    first, last = bundled_range()
    if as_json:
        print_json({"date": fx.date.isoformat(), "bundled": {"first": first.isoformat(), "last": last.isoformat()},
                    "rates": [r.to_json() for r in found]})
        return
    table = Table(title=f"Exchange rates for {fx.date} (bundled ECB history {first} – {last})", title_justify="left")
    for name in ("from", "to", "rate", "inverse", "date", "source"):
        table.add_column(name)
    for r in found:
        table.add_row(r.base, r.quote, str(r.rate), f"{1 / r.rate:.6g}", str(r.date), r.source)
    console().print(table)
