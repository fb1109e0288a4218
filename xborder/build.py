"""`xborder build` as calls: catalogs in, listings and prices out; writing the files is a separate call.

The text goes through three stages (xborder.engines.stages): plan what the translation memory
lacks, fetch only that from the engine (concurrently, within a budget, each result committed to the
memory as it arrives), then compose every listing from the memory with no network. A killed run
resumes where it stopped, and a second run over an unchanged catalog makes no model request.

    result = build(paths, config, BuildOptions(out=Path("dist")))   # listings, nothing written
    write_build(result)                                              # the exports and report.json
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from xborder.catalog import Catalog, read_catalog
from xborder.catalog.model import Product
from xborder.catalog.select import in_shard, select_products  # noqa: F401 - in_shard: part of the API
from xborder.config import Config
from xborder.errors import InputError, XborderError
from xborder.files import DiskFullError, disk_full, folder_size, full_message, hold_lock, map_names, real_folder, \
    real_path, stage_folder, swap_in
from xborder.status import ExitStatus
from xborder.listing.compose import ListingComposer, ListingTextChecks
from xborder.listing.identifiers import Identifiers
from xborder.exports.writer import CatalogWriter, PendingTexts, dumps_line, write_catalog_outputs
from xborder.listing.model import Listing
from xborder.exports.report import ListingTally, listing_findings, write_report
from xborder.markets import Market, get_markets
from xborder.pricing import FxTable, quote_price
from xborder.engines.setup import ENGINES, import_translations, make_engine  # noqa: F401 - part of the API
from xborder.engines.engine import Engine, RunControl, Usage
from xborder.language.glossary import Glossary
from xborder.language.memory import TranslationMemory
from xborder.language.project import open_memory, project_glossary
from xborder.engines.rejection import REJECTED, Rejection
from xborder.engines.stages import FetchReport, TextPlan, fetch_texts, plan_texts
from xborder.language.xliff import PendingSegment

if TYPE_CHECKING:
    from xborder.engines.batch import BatchImport

Event = Callable[[str, dict[str, Any]], None]


LISTING_CHECKS = ListingTextChecks()  # how an engine's text is checked: as the listing checks it


@dataclass
class BuildOptions:
    """What the command line asked for, on top of xborder.toml."""

    out: Path
    markets: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    sheet: str | None = None
    engine: str | None = None  # None: [project] engine, else offline
    model: dict[str, Any] = field(default_factory=dict)  # command-line [model] settings (name, concurrency …)
    memory: Path | None = None
    fx_date: dt.date | None = None
    rates_file: Path | None = None
    max_requests: int | None = None
    max_tokens: int | None = None
    frozen: bool = False  # publish only what the memory holds: refuse to ask a model for anything
    shard: tuple[int, int] | None = None  # (K, N): only the K-th of N stable shares of the products
    batch_in: Path | None = None  # a batch's results to keep in the memory before the build
    scripts: list[str] = field(default_factory=list)  # language tags: live-stream scripts into OUT/scripts/ too
    include_held: bool = False  # upload files carry held and pending listings too, not only the ready ones
    commit: bool = False  # build(): keep what was translated and the identifiers given in the memory (writing does)
    retry_rejected: bool = False  # ask the model again for every copy kept as rejected (else [model] retry_rejected)


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
    tally: ListingTally = field(default_factory=ListingTally)  # counted as made; a streamed build keeps no listing


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
    batch: BatchImport | None = None  # what --batch-in kept in the memory before the build
    include_held: bool = False  # the upload files carry held and pending listings too
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (catalog, its folder, the name it shared)

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

    def to_json(self) -> dict[str, Any]:
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

    def to_json(self) -> dict[str, Any]:
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
    engine.retry_all_rejected = options.retry_rejected
    catalogs, unreadable = [], []
    for path in paths:
        try:
            catalog = read_catalog(path, config.catalog, sheet=options.sheet)
        except InputError as error:
            if len(paths) == 1:
                raise
            unreadable.append(error)  # an agency's folder: one broken file does not stop the others
            continue
        for product in catalog.products:
            config.seller.fill(product)
        catalogs.append((path, catalog, _selected(catalog, options.skus, path, options.shard)))
    return _Setup(markets, fx, engine, catalogs, unreadable)


def _glossaries(setup: _Setup, config: Config) -> dict[str, Glossary]:
    return {m.key: project_glossary(config, m) for m in setup.markets}


def _chunks(products: list[Product]) -> Iterator[list[Product]]:
    for start in range(0, len(products), CHUNK_PRODUCTS):
        yield products[start:start + CHUNK_PRODUCTS]


def estimate_build(paths: list[Path], config: Config, options: BuildOptions) -> BuildEstimate:
    """What `build` would ask the engine for, per catalog and market: calls nothing, writes no output."""
    setup = _setup(paths, config, options)
    estimate = setup.engine.estimate
    out = []
    with open_memory(config, options.memory) as memory:
        import_translations(memory, config.translations, config.source_language)
        glossaries = _glossaries(setup, config)
        for path, _, products in setup.catalogs:
            usage = {m.key: Usage() for m in setup.markets}
            covered = dict.fromkeys(usage, 0)
            for chunk in _chunks(products):
                plan = plan_texts(chunk, setup.markets, glossaries, memory, setup.engine, config.source_language,
                              checks=LISTING_CHECKS)
                asked: Counter[str] = Counter()
                for job in plan.jobs:
                    cost = estimate(job)
                    usage[job.market.key].add(cost)
                    asked[job.market.key] += bool(cost.requests)
                for key in covered:
                    covered[key] += len(chunk) - asked[key]
            out += [MarketEstimate(str(path), m.key, len(products), covered[m.key], usage[m.key])
                    for m in setup.markets]
    return BuildEstimate(setup.engine, out, setup.unreadable)


@dataclass
class BatchRequests:
    """What --batch-out wrote: the requests a build needs, for a provider's batch engine."""

    path: Path
    requests: int
    listings: int  # products × markets of the catalogs
    unreadable: list[InputError] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "requests": self.requests, "listings": self.listings,
                "unreadable": [str(e) for e in self.unreadable]}


def _model_engine(engine: Engine, flag: str):
    from xborder.engines.model import ModelEngine

    if not isinstance(engine, ModelEngine):
        raise BuildError(f"{flag} is for the model engine: add --engine openai (or set [project] engine)")
    return engine


def _all_jobs(setup: _Setup, config: Config, memory: TranslationMemory, glossaries: dict[str, Glossary]):
    """Every job the catalogs need now, planned a chunk at a time."""
    for _, _, products in setup.catalogs:
        for chunk in _chunks(products):
            yield from plan_texts(chunk, setup.markets, glossaries, memory, setup.engine, config.source_language,
                              checks=LISTING_CHECKS).jobs


def write_batch_requests(paths: list[Path], config: Config, options: BuildOptions, path: Path) -> BatchRequests:
    """`build --batch-out`: every model request the build needs, written as an OpenAI Batch API (and `vllm
    run-batch`) input file; nothing is asked and no listing is written."""
    from xborder.engines.batch import write_batch_file

    setup = _setup(paths, config, options)
    engine = _model_engine(setup.engine, "--batch-out")
    with open_memory(config, options.memory) as memory:
        import_translations(memory, config.translations, config.source_language)
        count = write_batch_file(_all_jobs(setup, config, memory, _glossaries(setup, config)), engine, path)
    listings = sum(len(products) for _, _, products in setup.catalogs) * len(setup.markets)
    return BatchRequests(path, count, listings, setup.unreadable)


# Products planned, fetched and composed together: enough for a model engine's workers to stay busy, few
# enough that a catalog of any size is held as listings only this many products at a time.
CHUNK_PRODUCTS = 500


class _Run:
    """One build's open state: the memory, the engine and budget, a composer per market."""

    def __init__(self, setup: _Setup, config: Config, options: BuildOptions, memory: TranslationMemory,
                 emit: Event):
        self.setup, self.config, self.options, self.memory, self.emit = setup, config, options, memory, emit
        self.control = RunControl(options.max_requests, options.max_tokens)
        self.fetched = FetchReport()
        import_translations(memory, config.translations, config.source_language)
        self.glossaries = _glossaries(setup, config)
        self.batch = None
        if options.batch_in is not None:  # a batch's replies go into the memory first; the plan then finds them
            from xborder.engines.batch import import_batch_results

            engine = _model_engine(setup.engine, "--batch-in")
            self.batch = import_batch_results(options.batch_in, _all_jobs(setup, config, memory, self.glossaries),
                                              engine, memory)
        # listings a batch reply of this run answered: not asked again live, and a rejection counts as this run's
        self.answered = {setup.engine.listing_key(r.job.product, r.job.market, r.job.glossary, r.job.source_lang)
                         for r in (self.batch.results if self.batch is not None else []) if r.copy is not None}
        self.identifiers = Identifiers(memory)
        self.composers = {m.key: ListingComposer(m, memory.approved_lookup(config.source_language, m.language, m.key),
                                                 self.identifiers.variant_sku, config.seller, config.image_base_url)
                          for m in setup.markets}

    def listings(self, products: list[Product]) -> Iterator[tuple[dict[str, Listing], list[tuple[Listing, str, str]],
                                                                  list[tuple[Listing, Rejection]]]]:
        """Each product's listings by market key, the (listing, segment, draft) left to translate or review, and
        the listings that show a copy kept as rejected, with why; planned and fetched a chunk of products at a
        time."""
        setup, config, markets = self.setup, self.config, self.setup.markets
        for chunk in _chunks(products):
            plan = plan_texts(chunk, markets, self.glossaries, self.memory, setup.engine, config.source_language,
                              self.answered, checks=LISTING_CHECKS)
            if self.options.frozen:
                _refuse_unfrozen(plan, setup.engine)
            if not self.control.stopped:
                fetch_texts(plan, setup.engine, self.memory, self.control, self.emit, self.fetched)
            for product in chunk:
                made: dict[str, Listing] = {}
                left: list[tuple[Listing, str, str]] = []
                rejected: list[tuple[Listing, Rejection]] = []
                for market in markets:
                    quote = quote_price(product, market, config.pricing, setup.fx)

                    def price_for(cost, product=product, market=market):
                        return quote_price(product, market, config.pricing, setup.fx, cost).price

                    text = plan.text_for(product, market)
                    listing = self.composers[market.key].compose(text, quote, price_for)
                    self.identifiers.fix_handle(listing, listing.ready or self.options.include_held)
                    made[market.key] = listing
                    left += [(listing, source, "") for source in text.pending]
                    left += [(listing, source, draft) for source, draft in text.drafts]
                    if text.rejection is not None and any(f.check == REJECTED for f in listing.findings):
                        rejected.append((listing, text.rejection))
                    self.emit("product", {"market": market.key, "sku": product.sku})
                yield made, left, rejected
            self.identifiers.flush()  # the chunk's listings are written: their identifiers are given for good


def build(paths: list[Path], config: Config, options: BuildOptions, on_event: Event | None = None) -> BuildResult:
    """Build every catalog for every market and return the listings; nothing is written (see write_build,
    and build_and_write for a catalog too big to hold as listings).

    Raises ProviderError when the model endpoint refuses the key or the model; what finished before
    is in the memory. A reached budget or an endpoint that keeps failing ends the fetch early: the
    result says so (result.fetch.stop_reason) and holds every listing, pending where text is missing."""
    return _build(paths, config, options, on_event, write=False)


def build_and_write(paths: list[Path], config: Config, options: BuildOptions,
                    on_event: Event | None = None) -> BuildResult:
    """build() and write_build() in one pass, each product's listings written as they are made and then let go:
    memory stays flat however big the catalogs. The result's catalogs hold counts (tally), files and
    pending counts, not listings."""
    return _build(paths, config, options, on_event, write=True)


def _build(paths: list[Path], config: Config, options: BuildOptions, on_event: Event | None,
           write: bool) -> BuildResult:
    emit = on_event or (lambda kind, info: None)
    started_at = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    if options.scripts:  # an unknown language stops the build before anything is asked or written
        from xborder.scripts.phrases import normalize_tag, script_phrases
        from xborder.scripts.run import markets_for

        tags = [normalize_tag(tag) for tag in options.scripts]
        for tag in tags:
            script_phrases(tag)  # raises for a language without script phrases
        markets_for(tags, [], config)
    setup = _setup(paths, config, options)
    # one run at a time in an output folder: a second waits, or says which process holds it
    with (hold_lock(real_folder(options.out), "this output folder") if write else nullcontext()):
        results = []
        folders, renamed = catalog_names(paths)
        stage = stage_folder(options.out) if write else None
        findings_path = stage / ".findings.jsonl" if stage else None
        try:
            # build() alone works on a copy of the memory in RAM: it returns listings and leaves the disk as it was
            with open_memory(config, options.memory, scratch=not (write or options.commit)) as memory, _long_lived(), \
                    (open(findings_path, "w", encoding="utf-8") if findings_path else nullcontext()) as findings:
                run = _Run(setup, config, options, memory, emit)
                for path, catalog, products in setup.catalogs:
                    out = options.out if len(paths) == 1 else options.out / folders[path]
                    emit("catalog", {"path": str(path), "products": len(products), "markets": len(setup.markets)})
                    begin = time.perf_counter()
                    result = CatalogBuild(path, out, catalog, {m.key: [] for m in setup.markets}, [])
                    writer = CatalogWriter(stage / out.relative_to(options.out), setup.markets, products,
                                           catalog.problems, config.source_language,
                                           include_held=options.include_held) if stage else None
                    pending = PendingTexts(config.source_language)
                    for listings, left, rejected in run.listings(products):
                        for listing in listings.values():
                            result.tally.add(listing)
                        for listing, rejection in rejected:
                            result.tally.add_rejection(listing, rejection)
                        if writer is not None and findings is not None:
                            writer.add(listings, left)
                            for listing in listings.values():
                                findings.writelines(dumps_line(f) + "\n" for f in listing_findings(listing))
                            continue
                        for key, listing in listings.items():
                            result.listings[key].append(listing)
                        for listing, source, draft in left:
                            pending.add(listing, source, draft)
                    if writer is not None and stage is not None:
                        written = writer.close()
                        result.files = [options.out / p.relative_to(stage) for p in written]
                        result.tally.pending_segments = len(writer.pending)
                    else:
                        result.pending = list(pending.segments())
                        result.tally.pending_segments = len(pending)
                    pending.close()
                    result.usage = run.fetched.by_catalog.get(catalog.file, Usage())
                    result.seconds = time.perf_counter() - begin
                    results.append(result)
            fetched = run.fetched
            fetched.finish(run.control)
            build = BuildResult(results, setup.markets, setup.fx, setup.engine, started_at, options.out,
                                time.perf_counter() - clock, setup.unreadable, fetched, run.batch, options.include_held,
                                renamed if len(paths) > 1 else [])
            if stage is not None and findings_path is not None:
                if options.scripts:
                    _write_scripts(paths, config, options, stage, setup.markets, run.control,
                                   [p for _, _, chosen in setup.catalogs for p in chosen])
                with open(findings_path, encoding="utf-8") as lines:
                    write_report(build, stage, lines)
                findings_path.unlink()
                swap_in(stage, options.out)
            return build
        except BaseException as error:
            if stage is not None:
                size = folder_size(stage)
                shutil.rmtree(stage, ignore_errors=True)
                if _full(error):
                    raise DiskFullError(_full_build(options.out, size)) from None
            raise


def _write_scripts(paths: list[Path], config: Config, options: BuildOptions, stage: Path, markets: list[Market],
                   control: RunControl, products: list[Product]) -> None:
    """`build --scripts`: the live-stream script per language of the build's products (its shard, SKUs and
    markets), into the build's scripts/ folder, within the build's one budget."""
    from xborder.exports.scripts import write_scripts
    from xborder.scripts import ScriptOptions, make_scripts
    from xborder.scripts.phrases import normalize_tag

    languages = {normalize_tag(tag).split("-")[0] for tag in options.scripts}
    result = make_scripts(paths, config, ScriptOptions(
        out=stage, languages=options.scripts, skus=options.skus, sheet=options.sheet, memory=options.memory,
        fx_date=options.fx_date, rates_file=options.rates_file, engine=options.engine or config.engine,
        model=options.model, max_requests=options.max_requests, max_tokens=options.max_tokens,
        retry_rejected=options.retry_rejected, shard=options.shard, control=control, products=products,
        markets=[m.key for m in markets if m.language in languages] if options.markets else []))
    write_scripts(result)


@contextmanager
def _long_lived():
    """The catalogs just read live as long as the build: moved out of the collector's way (gc.freeze), a
    big catalog's objects are not scanned again on every full collection."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
    with hold_lock(real_folder(final), "this output folder"):
        stage = stage_folder(final)
        try:
            for catalog in result.catalogs:
                catalog.out = stage / catalog.out.relative_to(final)
                written = write_catalog_outputs(catalog, result.markets, result.include_held)
                catalog.out = final / catalog.out.relative_to(stage)
                catalog.files = [final / path.relative_to(stage) for path in written]
            write_report(result, stage)
            swap_in(stage, final)
        except BaseException as error:
            size = folder_size(stage)
            shutil.rmtree(stage, ignore_errors=True)
            if _full(error):
                raise DiskFullError(_full_build(final, size)) from None
            raise
    return [f for c in result.catalogs for f in c.files] + [final / "report.json"]


def _selected(catalog: Catalog, skus: list[str], path: Path, shard: tuple[int, int] | None = None):
    products, unknown = select_products(catalog.products, shard, skus)
    if skus and len(unknown) == len(skus):
        raise BuildError(f"{path}: no product with SKU {', '.join(unknown)}")
    return products


def _full(error: BaseException) -> bool:
    """A write into the stage failed because the disk (or the quota) is full, however the writer reported it."""
    return disk_full(error) or isinstance(error, DiskFullError) or (
        isinstance(error, sqlite3.OperationalError) and "full" in str(error))


def _full_build(out: Path, written: int) -> str:
    return full_message(Path(os.path.abspath(real_folder(out))).parent, written,
                        f"the previous build in {out} is as it was")


def catalog_names(paths: list[Path]) -> tuple[dict[Path, str], list[tuple[str, str, str]]]:
    """dist/<catalog name>/ when several catalogs are built at once: the file's name without extension; where two
    share it, the parent folder's name before it; where that is shared too, the name with its extension. Then the
    one file-name mapper (files.map_names): two catalogs never share a folder, whatever their names.
    Returns ({path: folder name}, the collisions the mapper resolved)."""
    stems = Counter(p.stem for p in paths)
    parented = Counter(f"{p.parent.name}-{p.stem}" for p in paths)
    originals = {}
    for path in paths:
        original = path.stem
        if stems[original] > 1:
            original = f"{path.parent.name}-{path.stem}"
            if parented[original] > 1:
                original = path.name
        originals[path] = original
    names, collisions = map_names(originals.values())
    by_original = {original: path for path, original in originals.items()}
    return ({path: names[original] for path, original in originals.items()},
            [(str(by_original[original]), name, shared) for original, name, shared in collisions])




def check_paths(paths: list[Path], out: Path) -> None:
    """Refuse a build whose output folder holds one of its catalogs: replacing it would lose the input."""
    root = real_path(out)
    for path in paths:
        resolved = real_path(path)
        if resolved == root or root in resolved.parents:
            raise BuildError(f"{path}: this catalog is inside the output folder {out}, which a build replaces; "
                             "move it or choose another --out")

