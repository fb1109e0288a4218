"""`xborder build` as one call: catalogs in, listings, prices and exports out.

Each market is a pure function of (products, market, settings, engine); everything that costs
time or money goes through the translation memory, so a second run over an unchanged catalog
makes no model call and a killed run resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from xborder.catalog import Catalog, read_catalog
from xborder.config import Config
from xborder.errors import ConfigError, InputError, XborderError
from xborder.listing.compose import ListingComposer
from xborder.listing.exports import write_catalog_outputs
from xborder.listing.model import Listing
from xborder.listing.report import write_report
from xborder.markets import Market, get_markets
from xborder.pricing import FxTable, quote_price
from xborder.translate.engine import Engine, TranslationContext
from xborder.translate.memory import TranslationMemory
from xborder.translate.project import open_memory, project_glossary
from xborder.translate.tmx import read_tmx
from xborder.translate.xliff import PendingSegment

Event = Callable[[str, dict], None]


@dataclass
class BuildOptions:
    """What the command line asked for, on top of xborder.toml."""

    out: Path
    markets: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    sheet: str | None = None
    engine: str = "offline"
    memory: Path | None = None
    fx_date: dt.date | None = None
    rates_file: Path | None = None


@dataclass
class CatalogBuild:
    """The result for one catalog file."""

    path: Path
    out: Path
    catalog: Catalog
    listings: dict[str, list[Listing]]
    pending: list[PendingSegment]
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class BuildResult:
    catalogs: list[CatalogBuild]
    markets: list[Market]
    fx: FxTable
    engine: Engine
    started: dt.datetime
    seconds: float = 0.0
    unreadable: list[InputError] = field(default_factory=list)

    @property
    def listings(self) -> list[Listing]:
        return [item for c in self.catalogs for items in c.listings.values() for item in items]

    @property
    def problems(self):
        return [p for c in self.catalogs for p in c.catalog.errors]


class BuildError(XborderError):
    """The build cannot start (unknown SKU, no products)."""


def make_engine(name: str) -> Engine:
    """The engine named on the command line."""
    if name == "offline":
        from xborder.translate.offline import OfflineEngine

        return OfflineEngine()
    raise ConfigError(f"unknown engine '{name}'; available: offline")


def import_translations(memory: TranslationMemory, paths: list[Path], source_lang: str) -> int:
    """Load the project's TMX files of approved translations into the memory; a correction a person made
    since (origin 'human') is kept. Returns how many translations were new or changed."""
    count = 0
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"{path}: listed in [project] translations but not found")
        count += memory.approve_many(read_tmx(path, source_lang), "import", keep_human=True)
    return count


def build(paths: list[Path], config: Config, options: BuildOptions, on_event: Event | None = None) -> BuildResult:
    """Build every catalog for every market; writes into options.out and returns what was made."""
    emit = on_event or (lambda kind, info: None)
    started_at = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    markets = get_markets(options.markets or config.markets, config.market_overrides)
    fx = FxTable(options.fx_date or config.fx_date, options.rates_file or config.rates_file)
    engine = make_engine(options.engine)
    catalogs, unreadable = [], []
    for path in paths:
        try:
            catalogs.append((path, read_catalog(path, config.catalog, sheet=options.sheet)))
        except InputError as error:
            if len(paths) == 1:
                raise
            unreadable.append(error)  # an agency's folder: one broken file does not stop the others
    glossaries = {m.key: project_glossary(config, m) for m in markets}
    results = []
    with open_memory(config, options.memory) as memory:
        import_translations(memory, config.translations, config.source_language)
        for path, catalog in catalogs:
            products = _selected(catalog, options.skus, path)
            out = options.out if len(paths) == 1 else options.out / _folder_name(path, paths)
            emit("catalog", {"path": str(path), "products": len(products), "markets": len(markets)})
            begin = time.perf_counter()
            listings: dict[str, list[Listing]] = {}
            pending: dict[tuple[str, str], PendingSegment] = {}
            for market in markets:
                glossary = glossaries[market.key]
                settings = config.pricing

                def context_for(product, market=market, glossary=glossary):
                    return TranslationContext(product, market, glossary, memory, config.source_language)

                composer = ListingComposer(market, engine, context_for)
                items = []
                for product in products:
                    quote = quote_price(product, market, settings, fx)

                    def price_for(cost, product=product, market=market, settings=settings):
                        return quote_price(product, market, settings, fx, cost).price

                    items.append(composer.compose(product, quote, price_for))
                    for rendering in composer.pending:
                        key = (rendering.source, market.language)
                        if key not in pending:
                            pending[key] = PendingSegment(rendering.source, config.source_language,
                                                          market.language, f"{product.sku} ({market.key})")
                    emit("product", {"market": market.key, "sku": product.sku})
                listings[market.key] = items
            result = CatalogBuild(path, out, catalog, listings, list(pending.values()))
            result.files = write_catalog_outputs(result, markets)
            result.seconds = time.perf_counter() - begin
            results.append(result)
    outcome = BuildResult(results, markets, fx, engine, started_at, time.perf_counter() - clock, unreadable)
    write_report(outcome, options.out)
    return outcome


def _selected(catalog: Catalog, skus: list[str], path: Path):
    products = catalog.products
    if skus:
        known = {p.sku for p in products}
        unknown = [s for s in skus if s not in known]
        if unknown and len(unknown) == len(skus):
            raise BuildError(f"{path}: no product with SKU {', '.join(unknown)}")
        products = [p for p in products if p.sku in skus]
    return products


def _folder_name(path: Path, paths: list[Path]) -> str:
    """dist/<catalog name>/ when several catalogs are built at once; the parent folder breaks a tie."""
    stems = Counter(p.stem for p in paths)
    return path.stem if stems[path.stem] == 1 else f"{path.parent.name}-{path.stem}"

