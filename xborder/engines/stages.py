"""The text stages of a build: plan what the memory lacks, fetch only that, and keep what came back.

1. `plan_texts` — for every product × market, what the translation memory already answers (kept
   text, approved translations, cached machine translations and listing fields) and what is left,
   as Jobs. Pure: no network, no writes. `--dry-run` stops here and prices the jobs.
2. `fetch_texts` — the engine runs the jobs (concurrently for a model engine, within the budget);
   each finished job is committed to the memory as it arrives, so a killed run resumes and a rerun
   over an unchanged catalog has no job that needs a request.
3. Composing (xborder.listing.compose) reads the ProductText records and never calls an engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from xborder.catalog.model import Product
from xborder.claims import claim_rules
from xborder.errors import ProviderError
from xborder.markets import Market
from xborder.engines.engine import (commit, Engine, Job, JobResult, known_rendering, ListingCopy, Rendering,
                                      RunControl, TextChecks, Usage)
from xborder.findings import Finding
from xborder.language.glossary import Glossary
from xborder.language.memory import TranslationMemory
from xborder.engines.rejection import REJECTED, Rejection

Event = Callable[[str, dict[str, Any]], None]
MAX_EXTRA_ATTRIBUTES = 8  # a sheet's own columns a listing shows after xborder's fields; more would crowd the bullets


def segment_sources(product: Product, fields_written: bool = False) -> list[str]:
    """The pieces of a product's text its listing needs translated, in catalog order, without repeats.

    When an engine writes the listing's fields itself, only what the composer still puts together
    from segments is needed: attributes, options and the category."""
    # the attributes the composer adds from remarks and the sheet's own columns (朝代形制 = 明制)
    extras = [product.battery] + [t for a in product.attributes[:MAX_EXTRA_ATTRIBUTES] for t in (a.header, a.value)]
    if fields_written:
        texts = [product.spec, product.material, product.category, *product.colors, *product.sizes, *extras]
    else:
        texts = [product.name, product.spec, product.material, product.category, product.description,
                 *product.selling_points, *product.colors, *product.sizes, *extras]
    return list(dict.fromkeys(t for t in texts if t))


@dataclass
class ProductText:
    """What composing one product's listing for one market needs, as far as the memory and engine know it."""

    product: Product
    market: Market
    glossary: Glossary
    renderings: dict[str, Rendering]
    copy: ListingCopy | None = None  # listing fields an engine wrote for this market
    findings: list[Finding] = field(default_factory=list)  # what the engine could not do, for the listing
    rejection: Rejection | None = None  # the copy broke a rule and is kept as rejected: why (the composer shows it)

    def rendering(self, source: str) -> Rendering:
        """The rendering of one segment; text nobody translated is pending, in the source language."""
        return self.renderings.get(source) or Rendering(source, source, "pending")

    @property
    def pending(self) -> list[str]:
        """Segments the listing uses that are still in the source language."""
        return [s for s in segment_sources(self.product, self.copy is not None) if self.rendering(s).pending]

    @property
    def drafts(self) -> list[tuple[str, str]]:
        """Segments the listing shows as drafts to review, with the draft: (source, text)."""
        return [(s, r.text) for s in segment_sources(self.product, self.copy is not None)
                if (r := self.rendering(s)).draft]


@dataclass
class TextPlan:
    """Every product × market's known text, and the jobs that would complete it."""

    texts: dict[tuple[str, int], ProductText]
    jobs: list[Job]
    # (language tag, certificate kinds of the glossary view, source) → texts that need it
    waiting: dict[tuple[str, frozenset[str], str], list[ProductText]]

    def text_for(self, product: Product, market: Market) -> ProductText:
        return self.texts[(market.key, id(product))]

    def apply(self, result: JobResult) -> None:
        """Put what a job made into every product text that was waiting for it."""
        job = result.job
        own = self.texts[(job.market.key, id(job.product))]
        for rendering in result.renderings:
            for text in self.waiting.get((job.lang_tag, job.glossary.certificates, rendering.source), [own]):
                if text.rendering(rendering.source).pending:
                    text.renderings[rendering.source] = rendering
        if result.copy is not None:
            own.copy = result.copy
            own.rejection = result.rejection  # a new reply replaces the rejected one it was asked instead of
        own.findings += result.findings
        if result.error:
            own.findings.append(Finding("model-failed", "error", f"{result.error}; the text stays pending — "
                                        "run the build again to retry", "listing"))


def plan_texts(products: list[Product], markets: list[Market], glossaries: dict[str, Glossary],
               memory: TranslationMemory, engine: Engine, source_lang: str = "zh",
               answered: Collection[str] = (), checks: TextChecks | None = None) -> TextPlan:
    """For every product × market, the text the memory holds and the jobs for the rest (no network). Each product
    is translated with the glossary as it applies to it: a term that needs a certificate the product lacks (有机
    without an organic one) is forbidden for it (Glossary.for_certificates).

    Listing fields kept as rejected are shown with their rejection and not asked for again, unless the engine's
    retry policy says so (`--retry-rejected`, `[model] retry_rejected`); `answered` are the listing keys this run
    already bought a reply for (a batch's results imported before the build), never asked again in it."""
    texts: dict[tuple[str, int], ProductText] = {}
    jobs: list[Job] = []
    waiting: dict[tuple[str, frozenset[str], str], list[ProductText]] = {}
    known: dict[tuple[str, frozenset[str], str], Rendering | None] = {}  # one memory look-up per run
    claims = claim_rules()
    for market in markets:
        for product in products:
            glossary = glossaries[market.key].for_certificates(claims.held(product.certifications, market.country))
            text = ProductText(product, market, glossary, {})
            missing = []
            for source in segment_sources(product, engine.writes_fields):
                seen = (market.key, glossary.certificates, source)
                if seen not in known:
                    known[seen] = known_rendering(engine, source, market, glossary, memory, source_lang)
                rendering = known[seen]
                if rendering is not None:
                    text.renderings[source] = rendering
                else:
                    missing.append(source)
            write_fields, rejected_attempts = False, 0
            if engine.writes_fields:
                key = engine.listing_key(product, market, glossary, source_lang)
                cached = memory.cached(key)
                if cached is None:
                    write_fields = True
                else:
                    stored = json.loads(cached.target)
                    text.copy = ListingCopy.from_json(stored)
                    if cached.origin == REJECTED:  # not bought again unless asked for (or retries are allowed)
                        text.rejection = Rejection.from_json(stored.get("rejected"))
                        rejected_attempts = text.rejection.attempts
                        if key in answered:
                            text.rejection = text.rejection.this_run()
                        else:
                            write_fields = text.rejection.asks_again(engine.retry_rejected,
                                                                     engine.retry_all_rejected)
            claimed = []
            for source in missing:
                holders = waiting.setdefault((market.lang_tag, glossary.certificates, source), [])
                if not holders:
                    claimed.append(source)  # the first product that needs a segment asks for it for all
                holders.append(text)
            if claimed or write_fields:
                jobs.append(Job(product, market, glossary, tuple(claimed), write_fields, source_lang,
                                rejected_attempts if write_fields else 0, checks))
            texts[(market.key, id(product))] = text
    return TextPlan(texts, jobs, waiting)


@dataclass
class FetchReport:
    """What the fetch stage did: usage per market, jobs done and failed, and why it stopped early, if it did."""

    jobs: int = 0
    done: int = 0
    failed: int = 0
    endpoint_failures: int = 0  # jobs the endpoint failed after every retry (the rest: unusable replies)
    usage: Usage = field(default_factory=Usage)
    by_market: dict[str, Usage] = field(default_factory=dict)
    by_catalog: dict[str, Usage] = field(default_factory=dict)  # by the catalog file the product came from
    stop_reason: str = ""  # "" | "budget" | "provider"
    message: str = ""
    consecutive_failures: int = 0  # carried from one chunk's fetch to the next

    def finish(self, control: RunControl) -> FetchReport:
        """Say why the fetch stopped early, if it did (after the last chunk)."""
        self.stop_reason = control.stop_reason
        if control.stop_message and not self.message:
            self.message = control.stop_message
        if self.stop_reason == "budget" and not self.message:
            self.message = "the request or token budget was reached; run the build again to continue"
        elif self.endpoint_failures and not self.stop_reason:
            self.stop_reason = "provider"
            self.message = (f"the model endpoint failed {self.endpoint_failures} of {self.jobs} products × markets "
                            "after every retry; their text stays pending — build again to retry them")
        return self

    def to_json(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "done": self.done, "failed": self.failed,
                "endpoint_failures": self.endpoint_failures, **self.usage.to_json(),
                "by_market": {k: v.to_json() for k, v in sorted(self.by_market.items())},
                "stopped": self.stop_reason, "message": self.message}


# consecutive failed jobs after which the endpoint is taken to be down and the run stops asking it
FAILURES_BEFORE_STOP = 5


def fetch_texts(plan: TextPlan, engine: Engine, memory: TranslationMemory, control: RunControl | None = None,
                on_event: Event | None = None, report: FetchReport | None = None) -> FetchReport:
    """Run the plan's jobs with the engine, committing each result to the memory as it arrives.

    Stops starting jobs when the budget is reached or the endpoint keeps failing (the report says why);
    raises ProviderError at once when the endpoint refuses the key or the model. A build that fetches in
    chunks passes the same `report` to each call and calls report.finish(control) at the end."""
    emit = on_event or (lambda kind, info: None)
    control = control or RunControl()
    chunked = report is not None
    report = report if report is not None else FetchReport()
    report.jobs += len(plan.jobs)
    emit("fetch", {"jobs": len(plan.jobs)})
    if not plan.jobs:
        return report if chunked else report.finish(control)
    consecutive = report.consecutive_failures
    engine.recall(memory)
    engine.start(emit)
    try:
        for result in _results(engine, plan.jobs, control):
            commit(engine, result, memory)
            plan.apply(result)
            report.by_market.setdefault(result.job.market.key, Usage()).add(result.usage)
            report.by_catalog.setdefault(result.job.product.file, Usage()).add(result.usage)
            report.usage.add(result.usage)
            if result.error:
                report.failed += 1
                report.endpoint_failures += result.endpoint_failed
                consecutive += 1
                if consecutive >= FAILURES_BEFORE_STOP and not control.stopped:
                    control.stop("provider")
                    report.message = (f"the model endpoint failed {consecutive} products in a row (last: "
                                      f"{result.error}); stopped asking it")
            elif not result.stopped:
                report.done += 1
                consecutive = 0
            emit("job", {"sku": result.job.product.sku, "market": result.job.market.key,
                         "requests": report.usage.requests, "tokens": report.usage.tokens,
                         "error": result.error})
    finally:
        engine.close()
        engine.remember(memory)
        report.consecutive_failures = consecutive
    return report if chunked else report.finish(control)


def _results(engine: Engine, jobs: list[Job], control: RunControl) -> Iterator[JobResult]:
    """Results in the order they finish; at most `engine.concurrency` jobs in flight, none started after a stop."""
    return in_flight((partial(engine.run, job, control) for job in jobs), engine.concurrency, control, "xborder-engine")


T = TypeVar("T")


def in_flight(calls: Iterable[Callable[[], T]], concurrency: int, control: RunControl,
              name: str = "xborder") -> Iterator[T]:
    """Each call's result in the order they finish, at most `concurrency` running at once, none started after
    control stops. A refused key or model (ProviderError) stops the run: the calls in flight finish and their
    results are yielded (they are paid for), then it is raised; so does a first Ctrl-C."""
    if concurrency <= 1:
        for call in calls:
            if control.stopped:
                return
            yield call()
        return
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=name)
    pending = iter(calls)
    running: set[Future[T]] = set()
    try:
        while True:
            while len(running) < concurrency and not control.stopped:
                next_call = next(pending, None)
                if next_call is None:
                    break
                running.add(pool.submit(next_call))
            if not running:
                return
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    yield future.result()
                except ProviderError:
                    control.stop("provider")
                    for other in wait(running).done:  # let the calls in flight finish and keep their work
                        if other.exception() is None:
                            yield other.result()
                    running = set()
                    raise
    except KeyboardInterrupt:  # keep what is in flight (it is paid for); a second Ctrl-C abandons it
        control.stop("interrupted")
        for future in wait(running).done:
            if not future.cancelled() and future.exception() is None:
                yield future.result()
        raise
    except BaseException:  # a refused key, or the caller stopped reading: no further request
        control.stop(control.stop_reason or "interrupted")
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
