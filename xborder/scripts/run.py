"""`xborder script` as calls: catalogs in, one script per product and language (and a run of show) out.

The text goes through the build's stages (plan_texts, then fetch_texts with the offline engine, which asks no
network), so each script says the strings the listing shows; the price is the listing's quote_price. With the
model engine (options.engine "openai"), a model writes each script from those facts (xborder.scripts.model_engine),
one request per product × language, cached in the memory.

    result = make_scripts(paths, config, ScriptOptions(out=Path("dist"), languages=["de-DE"]))
    write_scripts(result)   # dist/scripts/<lang>/<sku>.md, run of show, pending.xlf, report.json
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from xborder.files import real_path
from xborder.catalog import read_catalog
from xborder.catalog.model import Problem, Product
from xborder.catalog.select import select_products
from xborder.config import Config
from xborder.errors import InputError
from xborder.markets import Market, get_markets, load_markets
from xborder.listing.compose import ListingTextChecks
from xborder.pricing import FxTable, Quote, quote_price
from xborder.findings import Finding
from xborder.scripts.lint import lint_lines
from xborder.scripts.model import LiveScript
from xborder.scripts.phrases import ScriptError, normalize_tag, script_phrases
from xborder.scripts.model_engine import ScriptBrief, ScriptRun, model_scripts, script_brief
from xborder.scripts.show import (FlashDeal, RunOfShow, ShowLine, platform_show, run_of_show, show_phrases,
                                  show_prices, show_timing)
from xborder.scripts.write import VariantPicker, script_facts, write_script
from xborder.engines.engine import Rendering, RunControl
from xborder.language.memory import TranslationMemory
from xborder.engines.model import ModelEngine
from xborder.engines.offline import OfflineEngine
from xborder.language.project import open_memory, project_glossary
from xborder.engines.setup import import_translations, make_engine
from xborder.engines.stages import TextPlan, fetch_texts, plan_texts, segment_sources
from xborder.language.xliff import PendingSegment


@dataclass
class ScriptOptions:
    """What the command line asked for, on top of xborder.toml."""

    out: Path
    languages: list[str]
    markets: list[str] = field(default_factory=list)  # --market: the market for its language
    duration: int = 60
    session: int | None = None  # seconds of a live session: a run of show per language
    order: str = "given"
    skus: list[str] = field(default_factory=list)
    sheet: str | None = None
    memory: Path | None = None
    fx_date: dt.date | None = None
    rates_file: Path | None = None
    engine: str = "offline"  # offline: the phrase bank's lines; openai: a model writes them ([model] settings)
    model: dict[str, Any] = field(default_factory=dict)  # [model] settings from the command line (name, concurrency)
    max_requests: int | None = None  # the model engine's budget
    max_tokens: int | None = None
    retry_rejected: bool = False  # ask the model again for scripts kept as rejected (else [model] retry_rejected)
    shard: tuple[int, int] | None = None  # (K, N): only the K-th of N stable shares of the products, as a build's
    control: RunControl | None = None  # a build's budget, shared with its listings; else one of the scripts' own
    products: list[Product] | None = None  # a build's products (its shard and SKUs): the catalogs are not read again


@dataclass
class ScriptResult:
    """Scripts per language tag, a run of show per language when a session was asked for, and what is pending."""

    out: Path
    scripts: dict[str, list[LiveScript]]
    markets: dict[str, Market]  # language tag → the market its scripts price and list for
    shows: dict[str, RunOfShow] = field(default_factory=dict)
    pending: list[PendingSegment] = field(default_factory=list)
    problems: int = 0  # catalog rows left out for errors
    row_problems: list[Problem] = field(default_factory=list)  # those rows' problems, for the console to name
    files: list[Path] = field(default_factory=list)
    model: ScriptRun | None = None  # what the model engine did, when it wrote the scripts
    # per language and SKU, the comment-reply bank: (topic, the answer from the product's facts or a cue)
    # (and whether the run of show's Q&A block says it)
    replies: dict[str, dict[str, list[tuple[str, ShowLine, bool]]]] = field(default_factory=dict)
    note: str = ""  # how the engine was set up, said once ('model: X, the only model URL lists')

    @property
    def all_scripts(self) -> list[LiveScript]:
        return [s for items in self.scripts.values() for s in items]


def markets_for(languages: list[str], market_keys: list[str], config: Config) -> dict[str, Market]:
    """The market each language's scripts use: a --market in that language, else the first project market in it.
    Within each, a market of the tag's region comes first (en-GB → tiktok-uk rather than amazon-us)."""
    given = get_markets(market_keys, config.market_overrides) if market_keys else []
    project = get_markets(config.markets, config.market_overrides)
    chosen: dict[str, Market] = {}
    for tag in languages:
        language = tag.split("-")[0]
        candidates = [m for pool in (given, project) for m in pool if m.lang_tag == tag or m.language == language]
        candidates.sort(key=lambda m: (m not in given, m.lang_tag != tag))  # --market first, the same region first
        if candidates:
            chosen[tag] = candidates[0]
        else:
            listed = ", ".join(f"{m.key} ({m.lang_tag})" for m in project)
            presets = [key for key, record in load_markets(config.market_overrides).items()
                       if record.get("language") == language]
            hint = f"such as {', '.join(presets[:4])}" if presets else "defined under [markets] in xborder.toml"
            raise ScriptError(f"no market for --lang {tag}: the project's markets are {listed}; add --market with a "
                              f"market that lists in '{language}' ({hint})")
    unused = [m.key for m in given if m.key not in {c.key for c in chosen.values()}]
    if unused:
        raise ScriptError(f"--market {unused[0]} lists in '{[m for m in given if m.key == unused[0]][0].language}', "
                          f"which none of --lang {', '.join(languages)} speaks")
    return chosen


def make_scripts(paths: list[Path], config: Config, options: ScriptOptions) -> ScriptResult:
    """Every product's script for every language, and a run of show per language when options.session is set;
    nothing is written (see write_scripts)."""
    if options.duration <= 0:
        raise ScriptError(f"--duration must be above 0 seconds, not {options.duration}")
    languages = list(dict.fromkeys(normalize_tag(t) for t in options.languages))
    if not languages:
        raise ScriptError("give at least one --lang, such as --lang en-US")
    for tag in languages:
        script_phrases(tag)  # an unknown language stops here, before any catalog is read
    markets = markets_for(languages, options.markets, config)
    products: list[Product] = []
    problems = 0
    row_problems: list[Problem] = []
    if options.products is not None:  # a build's products, read once and already chosen
        products = list(options.products)
    else:
        for path in paths:
            catalog = read_catalog(path, config.catalog, sheet=options.sheet)
            problems += len(catalog.errors)
            row_problems += catalog.errors
            for product in catalog.products:
                config.seller.fill(product)
            products += catalog.products
        products, unknown = select_products(products, options.shard, options.skus)
        if options.skus and len(unknown) == len(options.skus):
            raise ScriptError(f"no product with SKU {', '.join(unknown)}")
    if not products and (options.shard is not None or options.products is not None):
        return ScriptResult(options.out, {tag: [] for tag in languages}, markets, problems=problems,
                            row_problems=row_problems)
    if not products:
        raise InputError("no products to write scripts for (the catalog has no product rows)",
                         file=", ".join(str(p) for p in paths))
    fx = FxTable(options.fx_date or config.fx_date, options.rates_file or config.rates_file)
    unique = list({m.key: m for m in markets.values()}.values())
    engine = OfflineEngine()
    writer = _model_engine(options, config)
    briefs: list[ScriptBrief] = []
    result = ScriptResult(options.out, {tag: [] for tag in languages}, markets, problems=problems,
                            row_problems=row_problems)
    if writer is not None:
        result.note = writer.note
    pending: dict[tuple[str, str], PendingSegment] = {}
    with open_memory(config, options.memory) as memory:
        import_translations(memory, config.translations, config.source_language)
        glossaries = {m.key: project_glossary(config, m) for m in unique}
        plan = plan_texts(products, unique, glossaries, memory, engine, config.source_language,
                          checks=ListingTextChecks())
        fetch_texts(plan, engine, memory)
        if writer is not None:
            _model_renderings(plan, writer, memory, config.source_language)
        for tag in languages:
            market = markets[tag]
            approved = memory.approved_lookup(config.source_language, market.language, market.key)
            picker = VariantPicker(len(products))  # one session per language: no line in over a third of them
            for product in products:
                quote = quote_price(product, market, config.pricing, fx)

                def price_for(cost, product=product, market=market):
                    return quote_price(product, market, config.pricing, fx, cost).price

                if writer is not None:
                    facts = script_facts(product, market, tag, options.duration, text=plan.text_for(product, market),
                                         quote=quote, approved=approved, price_for=price_for, picker=picker,
                                         host=config.host.host, formality=config.host.formality)
                    briefs.append(script_brief(facts, writer, config.source_language))
                    continue
                result.scripts[tag].append(write_script(
                    product, market, tag, options.duration, text=plan.text_for(product, market), quote=quote,
                    approved=approved, price_for=price_for, picker=picker, host=config.host.host,
                    formality=config.host.formality))
        if writer is not None:
            control = options.control or RunControl(options.max_requests, options.max_tokens)
            written, result.model = model_scripts(briefs, writer, memory, control, config.source_language)
            for script in written:
                result.scripts[script.lang_tag].append(script)
        for script in result.all_scripts:
            market = script.market
            for source in script.pending_sources:
                pending.setdefault((source, market.language), PendingSegment(
                    source, config.source_language, market.language, f"{script.product.sku} script ({market.key})"))
            for source, line in script.drafts:  # said as a draft: a target for the translator to review
                pending.setdefault((source, market.language), PendingSegment(
                    source, config.source_language, market.language, f"{script.product.sku} script ({market.key})",
                    draft=line))
        for tag in languages:
            _fact_answers(result, tag, products, plan, memory, config, fx)
            if options.session is not None:
                _plan_show(result, tag, products, plan, memory, config, fx, options)
    result.pending = list(pending.values())
    return result


def _plan_show(result: ScriptResult, tag: str, products: list[Product], plan: TextPlan, memory: TranslationMemory,
               config: Config, fx: FxTable, options: ScriptOptions) -> None:
    """The language's run of show: later rounds say each product with other variants (a picker per round counts
    on from the first), flash deals priced by the pricing engine, Q&A answers from each product's facts."""
    assert options.session is not None
    market = result.markets[tag]
    approved = memory.approved_lookup(config.source_language, market.language, market.key)
    by_sku = {p.sku: p for p in products}
    pickers: dict[int, VariantPicker] = {}

    def price_for(product: Product):
        return lambda cost: quote_price(product, market, config.pricing, fx, cost).price

    def again(script: LiveScript, round_: int) -> LiveScript:
        picker = pickers.setdefault(round_, VariantPicker(len(products)))
        picker.counter = max(picker.counter, round_ - 1)  # the next round starts its rotation further on
        product = by_sku[script.product.sku]
        return write_script(product, market, tag, script.target_seconds, text=plan.text_for(product, market),
                            quote=script.quote, approved=approved, price_for=price_for(product), picker=picker,
                            host=config.host.host, formality=config.host.formality)

    answers = {sku: [line for _, line, qa in lines if qa]
               for sku, lines in result.replies[tag].items()}
    flash, refused = flash_deals(result.scripts[tag], config, fx)
    show = run_of_show(result.scripts[tag], options.session, options.order, again=again, flash=flash,
                       answers=answers, host=config.host.host, formality=config.host.formality)
    show.findings = refused + show.findings
    result.shows[tag] = show


# the comment-reply bank's topics: the phrase bank's `when`/`each` a Q&A or safety line answers → the question
REPLY_TOPICS = {"sizes": "size", "cn_sizes": "size", "material": "material", "capacity": "capacity",
                "voltage": "voltage/plug", "voltage_mismatch": "voltage/plug", "plug_mismatch": "voltage/plug",
                "price": "price", "shipping": "shipping", "returns": "returns"}


def _fact_answers(result: ScriptResult, tag: str, products: list[Product], plan: TextPlan,
                  memory: TranslationMemory, config: Config, fx: FxTable) -> None:
    """Each product's answers from its facts, for the Q&A block of a run of show and the comment-reply bank: every
    Q&A beat a long slot would say (from a picker of their own; a line the lint flags is not said), the safety
    lines on voltage and plug, the listing's price, and for shipping and returns, which the project does not
    state, a cue for the host to fill (data/script_show.toml shipping_cue, returns_cue), never an answer."""
    market = result.markets[tag]
    approved = memory.approved_lookup(config.source_language, market.language, market.key)
    by_sku = {p.sku: p for p in products}
    glue = show_phrases(tag, config.host.formality)
    replies: dict[str, list[tuple[str, ShowLine, bool]]] = {}
    for script in result.scripts[tag]:
        product = by_sku[script.product.sku]

        def price_for(cost, product=product):
            return quote_price(product, market, config.pricing, fx, cost).price

        long = write_script(product, market, tag, 3600, text=plan.text_for(product, market), quote=script.quote,
                            approved=approved, price_for=price_for, picker=VariantPicker(len(products)),
                            host=config.host.host, formality=config.host.formality)
        lines: list[tuple[str, ShowLine, bool]] = []
        for b in long.beats:  # Q&A beats; the demonstration's, proof's and safety lines on sizes, material …
            qa = b.kind == "faq" and b.fact
            if (qa or (b.topic in REPLY_TOPICS and not b.cue)) and (b.cue or not any(
                    f.severity == "error" for f in lint_lines([("qa", b.text)], market, tag, show_prices(long),
                                                              long.quote.formatted))):
                lines.append((b.topic, ShowLine(b.text, b.cue, b.sources), qa))
        offer = next((b for b in script.beats if b.kind == "offer" and not b.cue), None)
        if offer is not None and script.quote.confirmed:
            lines.append(("price", ShowLine(offer.text, False, offer.sources), False))
        for topic, cue in (("shipping", glue.shipping_cue or "shipping: the delivery time your store states"),
                           ("returns", glue.returns_cue or "returns: the terms your store states")):
            lines.append((topic, ShowLine(f"[{cue}]", cue=True), False))
        replies[product.sku] = lines
    result.replies[tag] = replies


def flash_deals(scripts: list[LiveScript], config: Config, fx: FxTable) -> tuple[dict[str, FlashDeal], list[Finding]]:
    """Each product's flash price: the pricing engine's quote at [script_show.toml] flash_margin_share of the margin.
    Refused, with a finding, when the listing's price is unconfirmed, or the flash price is at or below the quote's
    break-even, or not below the listing's price after rounding. Never typed."""
    share = Decimal(str(show_timing()["flash_margin_share"]))
    deals: dict[str, FlashDeal] = {}
    refused: list[Finding] = []
    for script in scripts:
        quote, market = script.quote, script.market
        if not quote.confirmed:
            refused.append(Finding("flash-refused", "warning", f"{script.product.sku}: no flash deal, the listing's "
                                   "price is unconfirmed", "flash", script.product.sku))
            continue
        margin = quote.settings.margin * share
        flash_market = replace(market, pricing={**market.pricing, "margin": str(margin)})
        low: Quote = quote_price(script.product, flash_market, config.pricing, fx)
        if low.price <= quote.break_even or low.price >= quote.price:
            why = (f"at or below the break-even {quote.money(quote.break_even)}" if low.price <= quote.break_even
                   else f"not below the listing's price {quote.formatted} once rounded")
            refused.append(Finding("flash-refused", "warning", f"{script.product.sku}: a flash price of "
                                   f"{quote.money(low.price)} would be {why}; no flash deal for it", "flash",
                                   script.product.sku))
            continue
        deals[script.product.sku] = FlashDeal(script.product.sku, low.price, low.formatted, quote.formatted,
                                              quote.break_even, quote.money(quote.break_even), low.margin,
                                              str(platform_show(market.platform).get("flash_tool", "")))
    return deals, refused


def _model_engine(options: ScriptOptions, config: Config) -> ModelEngine | None:
    """The model engine when the scripts are the model's to write; None for the phrase bank's."""
    if options.engine == "offline":
        return None
    engine = make_engine(options.engine, config, options.model)
    if not isinstance(engine, ModelEngine):  # pragma: no cover - every engine but offline is a model engine
        raise ScriptError(f"engine '{options.engine}' cannot write scripts")
    engine.retry_all_rejected = options.retry_rejected
    return engine


def _model_renderings(plan: TextPlan, engine: ModelEngine, memory: TranslationMemory, source_lang: str) -> None:
    """Segments the offline engine left pending that a model build already translated (cached in the memory):
    the listing a model build publishes shows them, so its scripts say them too."""
    for text in plan.texts.values():
        for source in segment_sources(text.product):
            if text.rendering(source).pending:
                cached = memory.cached(engine.segment_key(source, text.glossary, source_lang, text.market.lang_tag))
                if cached is not None:
                    text.renderings[source] = Rendering(source, cached.target, cached.origin)


def check_scripts_paths(paths: list[Path], out: Path) -> None:
    """Refuse to write scripts into a folder that holds one of the catalogs."""
    root = real_path(out / "scripts")
    for path in paths:
        if root == real_path(path) or root in real_path(path).parents:
            raise ScriptError(f"{path}: this catalog is inside {out / 'scripts'}, which `xborder script` replaces; "
                              "move it or choose another --out")
