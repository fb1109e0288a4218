"""`xborder build` as calls: catalogs in, listings and prices out; writing the files is a separate call.

The text goes through three stages (xborder.translate.stages): plan what the translation memory
lacks, fetch only that from the engine (concurrently, within a budget, each result committed to the
memory as it arrives), then compose every listing from the memory with no network. A killed run
resumes where it stopped, and a second run over an unchanged catalog makes no model request.

    result = build(paths, config, BuildOptions(out=Path("dist")))   # listings, nothing written
    write_build(result)                                              # the exports and report.json
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from xborder.catalog import Catalog, read_catalog
from xborder.catalog.model import Product
from xborder.config import Config
from xborder.errors import ConfigError, InputError, XborderError
from xborder.files import safe_name, stage_folder, swap_in
from xborder.status import ExitStatus
from xborder.listing.compose import ListingComposer, unique_handles
from xborder.listing.exports import write_catalog_outputs
from xborder.listing.model import Listing
from xborder.listing.report import write_report
from xborder.markets import Market, get_markets
from xborder.pricing import FxTable, quote_price
from xborder.translate.engine import Engine, RunControl, Usage
from xborder.translate.memory import TranslationMemory
from xborder.translate.project import open_memory, project_glossary
from xborder.translate.stages import FetchReport, TextPlan, fetch_texts, plan_texts
from xborder.translate.tmx import read_tmx
from xborder.translate.xliff import PendingSegment

Event = Callable[[str, dict], None]
ENGINES = ("offline", "openai")


@dataclass
class BuildOptions:
    """What the command line asked for, on top of xborder.toml."""

    out: Path
    markets: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    sheet: str | None = None
    engine: str | None = None  # None: [project] engine, else offline
    model: dict = field(default_factory=dict)  # command-line [model] settings (name, concurrency …)
    memory: Path | None = None
    fx_date: dt.date | None = None
    rates_file: Path | None = None
    max_requests: int | None = None
    max_tokens: int | None = None
    frozen: bool = False  # publish only what the memory holds: refuse to ask a model for anything


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
    usage: Usage = field(default_factory=Usage)


@dataclass
class BuildResult:
    catalogs: list[CatalogBuild]
    markets: list[Market]
    fx: FxTable
    engine: Engine
    started: dt.datetime
    out: Path = Path("dist")
    seconds: float = 0.0
    unreadable: list[InputError] = field(default_factory=list)
    fetch: FetchReport = field(default_factory=FetchReport)

    @property
    def listings(self) -> list[Listing]:
        return [item for c in self.catalogs for items in c.listings.values() for item in items]

    @property
    def problems(self):
        return [p for c in self.catalogs for p in c.catalog.errors]


@dataclass
class MarketEstimate:
    """What a build would ask of the engine for one catalog and market (`--dry-run`)."""

    catalog: str
    market: str
    listings: int
    covered: int  # listings the memory already holds everything for
    usage: Usage

    def to_json(self) -> dict:
        return {"catalog": self.catalog, "market": self.market, "listings": self.listings, "covered": self.covered,
                **self.usage.to_json()}


@dataclass
class BuildEstimate:
    """A dry run: requests and tokens per catalog and market, nothing called and nothing written."""

    engine: Engine
    markets: list[MarketEstimate]
    unreadable: list[InputError] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for item in self.markets:
            total.add(item.usage)
        return total

    def to_json(self) -> dict:
        return {"engine": {"name": self.engine.name, "model": self.engine.model},
                "markets": [m.to_json() for m in self.markets], "totals": {
                    "listings": sum(m.listings for m in self.markets),
                    "covered": sum(m.covered for m in self.markets), **self.usage.to_json()},
                "unreadable": [str(e) for e in self.unreadable]}


class BuildError(XborderError):
    """The build cannot start (unknown SKU, no products)."""


class FrozenError(XborderError):
    """--frozen, and the memory does not hold everything: a model would have to be asked."""

    exit_code = ExitStatus.FINDINGS


def make_engine(name: str, config: Config, overrides: dict | None = None) -> Engine:
    """The engine named on the command line or in [project] engine, with the [model] settings."""
    if name == "offline":
        from xborder.translate.offline import OfflineEngine

        return OfflineEngine()
    if name == "openai":
        from xborder.translate.model import ModelEngine, model_settings

        settings = model_settings(config.model, "xborder.toml [model]")
        return ModelEngine(model_settings(overrides or {}, "the command line", base=settings))
    raise ConfigError(f"unknown engine '{name}'; available: {', '.join(ENGINES)}")


def import_translations(memory: TranslationMemory, paths: list[Path], source_lang: str) -> int:
    """Load the project's TMX files of approved translations into the memory; a correction a person made
    since (origin 'human') is kept. Returns how many translations were new or changed."""
    count = 0
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"{path}: listed in [project] translations but not found")
        count += memory.approve_many(read_tmx(path, source_lang), "import", keep_human=True)
    return count


@dataclass
class _Setup:
    markets: list[Market]
    fx: FxTable
    engine: Engine
    catalogs: list[tuple[Path, Catalog, list[Product]]]
    unreadable: list[InputError]


def _setup(paths: list[Path], config: Config, options: BuildOptions) -> _Setup:
    check_paths(paths, options.out)
    markets = get_markets(options.markets or config.markets, config.market_overrides)
    fx = FxTable(options.fx_date or config.fx_date, options.rates_file or config.rates_file)
    engine = make_engine(options.engine or config.engine, config, options.model)
    catalogs, unreadable = [], []
    for path in paths:
        try:
            catalog = read_catalog(path, config.catalog, sheet=options.sheet)
        except InputError as error:
            if len(paths) == 1:
                raise
            unreadable.append(error)  # an agency's folder: one broken file does not stop the others
            continue
        catalogs.append((path, catalog, _selected(catalog, options.skus, path)))
    return _Setup(markets, fx, engine, catalogs, unreadable)


def _plan(setup: _Setup, config: Config, memory: TranslationMemory) -> TextPlan:
    import_translations(memory, config.translations, config.source_language)
    glossaries = {m.key: project_glossary(config, m) for m in setup.markets}
    products = [p for _, _, selected in setup.catalogs for p in selected]
    return plan_texts(products, setup.markets, glossaries, memory, setup.engine, config.source_language)


def estimate_build(paths: list[Path], config: Config, options: BuildOptions) -> BuildEstimate:
    """What `build` would ask the engine for, per catalog and market: calls nothing, writes no output."""
    setup = _setup(paths, config, options)
    with open_memory(config, options.memory) as memory:
        plan = _plan(setup, config, memory)
    jobs = {(job.market.key, id(job.product)): job for job in plan.jobs}
    estimate = setup.engine.estimate
    out = []
    for path, _, products in setup.catalogs:
        for market in setup.markets:
            usage, covered = Usage(), 0
            for product in products:
                job = jobs.get((market.key, id(product)))
                cost = estimate(job) if job else Usage()
                usage.add(cost)
                covered += not cost.requests
            out.append(MarketEstimate(str(path), market.key, len(products), covered, usage))
    return BuildEstimate(setup.engine, out, setup.unreadable)


def build(paths: list[Path], config: Config, options: BuildOptions, on_event: Event | None = None) -> BuildResult:
    """Build every catalog for every market and return the listings; nothing is written (see write_build).

    Raises ProviderError when the model endpoint refuses the key or the model; what finished before
    is in the memory. A reached budget or an endpoint that keeps failing ends the fetch early: the
    result says so (result.fetch.stop_reason) and holds every listing, pending where text is missing."""
    emit = on_event or (lambda kind, info: None)
    started_at = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    setup = _setup(paths, config, options)
    results = []
    with open_memory(config, options.memory) as memory:
        plan = _plan(setup, config, memory)
        if options.frozen:
            _refuse_unfrozen(plan, setup.engine)
        fetched = fetch_texts(plan, setup.engine, memory, RunControl(options.max_requests, options.max_tokens), emit)

        def approved_for(market: Market):
            def approved(source: str) -> str | None:
                found = memory.approved(source, config.source_language, market.language, market.key)
                return found.target if found else None
            return approved

        composers = {m.key: ListingComposer(m, approved_for(m)) for m in setup.markets}
        for path, catalog, products in setup.catalogs:
            out = options.out if len(paths) == 1 else options.out / _folder_name(path, paths)
            emit("catalog", {"path": str(path), "products": len(products), "markets": len(setup.markets)})
            begin = time.perf_counter()
            listings: dict[str, list[Listing]] = {}
            pending: dict[tuple[str, str], PendingSegment] = {}
            for market in setup.markets:
                settings = config.pricing
                items = []
                for product in products:
                    quote = quote_price(product, market, settings, setup.fx)

                    def price_for(cost, product=product, market=market, settings=settings):
                        return quote_price(product, market, settings, setup.fx, cost).price

                    text = plan.text_for(product, market)
                    items.append(composers[market.key].compose(text, quote, price_for))
                    for source in text.pending:
                        key = (source, market.language)
                        if key not in pending:
                            pending[key] = PendingSegment(source, config.source_language, market.language,
                                                          f"{product.sku} ({market.key})")
                    emit("product", {"market": market.key, "sku": product.sku})
                unique_handles(items)
                listings[market.key] = items
            result = CatalogBuild(path, out, catalog, listings, list(pending.values()),
                                  usage=fetched.by_catalog.get(catalog.file, Usage()))
            result.seconds = time.perf_counter() - begin
            results.append(result)
    return BuildResult(results, setup.markets, setup.fx, setup.engine, started_at, options.out,
                       time.perf_counter() - clock, setup.unreadable, fetched)


def _refuse_unfrozen(plan: TextPlan, engine: Engine) -> None:
    """--frozen: stop before any request when a job would need the model."""
    asking = [job for job in plan.jobs if engine.estimate(job).requests]
    if asking:
        first = asking[0]
        raise FrozenError(f"--frozen: {len(asking)} products × markets would need the model (first: "
                          f"{first.product.sku} in {first.market.key}); approve their text (xborder tm import) or "
                          "build without --frozen")


def write_build(result: BuildResult) -> list[Path]:
    """Write every catalog's exports and the run's report.json into a staging folder, then swap it in for
    --out whole: the output folder is always one complete build. Returns the files, at their final paths."""
    final = result.out
    stage = stage_folder(final)
    try:
        for catalog in result.catalogs:
            catalog.out = stage / catalog.out.relative_to(final)
            written = write_catalog_outputs(catalog, result.markets)
            catalog.out = final / catalog.out.relative_to(stage)
            catalog.files = [final / path.relative_to(stage) for path in written]
        write_report(result, stage)
        swap_in(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return [f for c in result.catalogs for f in c.files] + [final / "report.json"]

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
    return safe_name(path.stem if stems[path.stem] == 1 else f"{path.parent.name}-{path.stem}")


def check_paths(paths: list[Path], out: Path) -> None:
    """Refuse a build whose output folder holds one of its catalogs: replacing it would lose the input."""
    root = out.resolve()
    for path in paths:
        resolved = path.resolve()
        if resolved == root or root in resolved.parents:
            raise BuildError(f"{path}: this catalog is inside the output folder {out}, which a build replaces; "
                             "move it or choose another --out")

