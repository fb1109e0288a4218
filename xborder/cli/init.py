"""`xborder init`: a commented xborder.toml for a catalog, with what to fill in first."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xborder.cli.app import cli


@cli.command()
@click.argument("catalog", required=False, type=click.Path(path_type=Path))
@click.option("-m", "--market", "markets", multiple=True,
              help="A market to sell in (repeat for several): amazon-us, amazon-de, tiktok-uk, shopee-th, … "
                   "Asked on a terminal; amazon-us otherwise.")
@click.option("--brand", help="The brand on every listing whose row has none.")
@click.option("--fulfilment", type=click.Choice(["direct", "marketplace"]),
              help="direct: parcels you or a forwarder send (default); marketplace: the marketplace's warehouse.")
@click.option("--freight-per-kg", help="Your forwarder's rate per kg of gross weight, in --freight-currency.")
@click.option("--freight-currency", default="CNY", show_default=True)
@click.option("--margin", help="Share of the price before tax kept as profit: 0.30 or 30%. Default 30%.")
@click.option("-o", "--out", "folder", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              help="Folder to write xborder.toml in (default: here).")
@click.option("--force", is_flag=True, help="Replace an existing xborder.toml.")
def init(catalog: Path | None, markets: tuple[str, ...], brand: str | None, fulfilment: str | None,
         freight_per_kg: str | None, freight_currency: str, margin: str | None, folder: Path, force: bool) -> None:
    """Write a commented xborder.toml: the markets, brand, freight, margin and fulfilment, and, after reading
    CATALOG, which columns it found and what the first build will miss (weights, brand, units per carton).

    On a terminal it asks for what the options do not give; elsewhere it assumes amazon-us, direct
    fulfilment and a 30% margin, and says so.

    \b
    Writes: xborder.toml (in --out)
    Exit codes: 0 written; 2 bad input, or xborder.toml exists (use --force)
    """
    from xborder.catalog import read_catalog
    from xborder.starter import (StarterChoices, decimal_choice, fill_first, starter_project, survey_catalog,
                                 write_starter)

    survey = survey_catalog(read_catalog(catalog)) if catalog is not None else None
    asking = sys.stdin.isatty() and not markets
    assumed: list[str] = []
    if asking:
        markets = tuple(m.strip() for m in click.prompt(
            "Markets, separated by commas (amazon-us, amazon-de, amazon-jp, tiktok-uk, shopee-th, shopify …)",
            default="amazon-us").split(",") if m.strip())
        if brand is None and (survey is None or not survey.has_brand):
            brand = click.prompt("Brand (Enter to leave it for later)", default="", show_default=False)
        if fulfilment is None:
            fulfilment = click.prompt("Fulfilment", type=click.Choice(["direct", "marketplace"]), default="direct")
        if freight_per_kg is None:
            freight_per_kg = click.prompt(f"Freight per kg in {freight_currency} (Enter to leave it for later)",
                                          default="", show_default=False) or None
        if margin is None:
            margin = click.prompt("Margin on the price", default="30%")
    elif not markets:
        markets = ("amazon-us",)
        assumed.append("market amazon-us (--market)")
    if fulfilment is None:
        fulfilment = "direct"
        if not asking:
            assumed.append("direct fulfilment (--fulfilment)")
    if margin is None and not asking:
        assumed.append("a 30% margin (--margin)")
    choices = StarterChoices(
        markets=markets, brand=brand or "", fulfilment=fulfilment,
        freight_per_kg=decimal_choice(freight_per_kg, "freight per kg") if freight_per_kg else None,
        freight_currency=freight_currency.upper(),
        margin=decimal_choice(margin, "margin") if margin else StarterChoices().margin)
    choices.check()
    path = folder / "xborder.toml"
    write_starter(path, starter_project(choices, survey), force=force)
    click.echo(f"Wrote {path}: {', '.join(choices.markets)}, {choices.fulfilment} fulfilment, "
               f"{choices.margin:.0%} margin.")
    if assumed:
        click.echo(f"Assumed {', '.join(assumed)}: change them in {path}.")
    if survey is not None:
        click.echo(f"Read {survey.file}: {survey.products} products, {len(survey.columns)} columns understood.")
    gaps = fill_first(choices, survey)
    if gaps:
        click.echo("Fill in first (marked FILL IN in the file):")
        for gap in gaps:
            click.echo(f"  - {gap}")
    click.echo(f"Next: xborder build {catalog if catalog is not None else 'catalog.xlsx'}")
