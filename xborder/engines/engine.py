"""The Engine interface: jobs in (what the memory lacks for one product and market), text out.

A build asks the translation memory first: an approved translation always wins, then a cached
machine translation made under the same key; only what is left becomes a Job for the engine
(xborder.engines.stages). The offline engine composes what it can from glossary terms and
phrase banks and leaves the rest pending; the model engine (xborder.engines.model) writes the
listing fields and every missing segment in one request per product and market.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Protocol

from xborder.catalog.model import Product
from xborder.markets import Market
from xborder.findings import Finding
from xborder.language.glossary import Glossary
from xborder.language.memory import TranslationMemory, cache_key
from xborder.language.options import render_option
from xborder.engines.rejection import REJECTED, Rejection
# the text records an engine returns live apart, so that what renders options needs no engine
from xborder.language.rendering import (PROVENANCE_ORDER, Rendering, Segment, has_cjk,  # noqa: F401
                                         needs_translation, weakest)

@dataclass
class TranslationContext:
    """What an engine knows when translating one product for one market."""

    product: Product
    market: Market
    glossary: Glossary
    memory: TranslationMemory
    source_lang: str = "zh"

    @property
    def lang(self) -> str:
        """The language the memory stores translations under ('en', 'de')."""
        return self.market.language

    @property
    def lang_tag(self) -> str:
        """The locale-specific tag glossaries use ('en-GB')."""
        return self.market.lang_tag


@dataclass(frozen=True)
class ListingCopy:
    """Listing fields a model wrote for one market, before they are fitted and checked by the composer."""

    title: str
    bullets: tuple[str, ...] = ()
    description: str = ""
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "bullets": list(self.bullets), "description": self.description,
                "keywords": list(self.keywords), "tags": list(self.tags)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ListingCopy:
        return cls(str(data.get("title", "")), tuple(map(str, data.get("bullets", ()))),
                   str(data.get("description", "")), tuple(map(str, data.get("keywords", ()))),
                   tuple(map(str, data.get("tags", ()))))


@dataclass(frozen=True)
class Job:
    """One product for one market: the work the memory could not answer, handed to an engine.

    Plain data, so an engine may run jobs in worker threads; the memory is only touched by the caller.
    """

    product: Product
    market: Market
    glossary: Glossary
    segments: tuple[str, ...]  # source texts still to translate into the market's language
    write_fields: bool  # whether the engine must write the listing fields (title, bullets …) for this market
    source_lang: str = "zh"
    rejected_attempts: int = 0  # replies for these fields bought and rejected before (a retry of a rejected copy)
    # the listing's own checks, for an engine to check its text by (given by whoever plans the jobs): an engine
    # knows nothing of how a listing is composed
    checks: TextChecks | None = field(default=None, compare=False)

    @property
    def lang_tag(self) -> str:
        return self.market.lang_tag

    @property
    def text_checks(self) -> TextChecks:
        return self.checks or BASIC_CHECKS


class TextChecks(Protocol):
    """How an engine's text is checked before it is kept: a listing's fields and a translated segment."""

    def copy(self, copy: ListingCopy, job: Job) -> list[Finding]:
        """The findings on a listing's fields as an engine wrote them."""
        ...

    def segment(self, source: str, text: str, job: Job) -> list[Finding]:
        """The findings on one translated segment."""
        ...


class BasicChecks:
    """What any text is checked for when no listing checks are given: not empty, not left in Chinese, glossary."""

    def copy(self, copy: ListingCopy, job: Job) -> list[Finding]:
        return [Finding("empty", "error", "the title is empty", "title")] if not copy.title else []

    def segment(self, source: str, text: str, job: Job) -> list[Finding]:
        if not text:
            return [Finding("empty", "error", "the translation is empty", "translation")]
        found = []
        if job.market.language not in ("ja", "zh") and has_cjk(text):
            found.append(Finding("untranslated", "error", "still has Chinese characters", "translation"))
        return found + job.glossary.check(source, text, job.lang_tag, "translation")


BASIC_CHECKS = BasicChecks()


@dataclass
class Usage:
    """Requests made and tokens used, summed per job, catalog, market and run."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        self.requests += other.requests
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens

    def to_json(self) -> dict[str, Any]:
        return {"requests": self.requests, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "tokens": self.tokens}


@dataclass
class JobResult:
    """What an engine made of a job. Renderings that failed their checks are not in `renderings`."""

    job: Job
    renderings: list[Rendering] = field(default_factory=list)
    copy: ListingCopy | None = None
    copy_accepted: bool = True  # False: the copy still failed its checks after the repair round
    rejection: Rejection | None = None  # why the copy was not accepted (stored with it, shown on the listing)
    findings: list[Finding] = field(default_factory=list)  # what stayed wrong, for the report
    usage: Usage = field(default_factory=Usage)
    error: str = ""  # the job failed as a whole (after retries): why, in one line
    endpoint_failed: bool = False  # the error was the endpoint's (HTTP, timeout), not the model's reply
    stopped: str = ""  # the job was not (fully) done because the run stopped: "budget", "provider"


class Engine(ABC):
    """Turns jobs into renderings (and, for engines that write copy, listing fields).

    The build asks the memory first (see xborder.engines.stages); only what is left becomes a Job.
    """

    name: str = "engine"
    model: str = ""
    prompt_version: str = ""
    cacheable: bool = True  # whether its renderings are worth keeping in the memory's cache
    writes_fields: bool = False  # whether it writes listing fields itself (else the composer's templates do)
    concurrency: int = 1
    retry_rejected: int = 0  # automatic retries of a rejected copy across runs ([model] retry_rejected)
    retry_all_rejected: bool = False  # --retry-rejected: ask again for every rejected copy in this run

    def segment_key(self, source: str, glossary: Glossary, source_lang: str, lang_tag: str) -> str:
        """The memory cache key of one segment under this engine: shared by every market of a language."""
        fingerprints = [e.fingerprint(lang_tag) for e in glossary.entries_for(source)]
        return cache_key(source, source_lang, lang_tag, "", fingerprints, self.name, self.model,
                         self.prompt_version)

    def listing_key(self, product: Product, market: Market, glossary: Glossary, source_lang: str) -> str:
        """The memory cache key of one product's listing fields for one market (engines that write fields)."""
        return ""

    def estimate(self, job: Job) -> Usage:
        """About what a job would cost in requests and tokens, calling nothing (an offline engine: nothing)."""
        return Usage()

    def start(self, on_event=None) -> None:
        """Called once before the first job of a run (open connections, detect capabilities)."""

    def close(self) -> None:
        """Release what start() opened."""

    def recall(self, memory: TranslationMemory) -> None:
        """Before a run's jobs: take what earlier runs found out about the endpoint from the memory (on the caller's
        thread, as every use of the memory)."""

    def remember(self, memory: TranslationMemory) -> None:
        """After a run's jobs: keep in the memory what this run found out about the endpoint."""

    @abstractmethod
    def run(self, job: Job, control: RunControl) -> JobResult:
        """Do one job; thread-safe, never touches the memory. A segment it cannot do is left out."""

    def render(self, segments: list[Segment], context: TranslationContext) -> dict[str, Rendering]:
        """Renderings by source text for one product and market, through the memory like a build.

        A convenience for one product; a build plans every product first (xborder.engines.stages)."""
        out: dict[str, Rendering] = {}
        missing: list[str] = []
        for segment in segments:
            if segment.source in out or segment.source in missing:
                continue
            known = known_rendering(self, segment.source, context.market, context.glossary, context.memory,
                                    context.source_lang)
            if known is None:
                missing.append(segment.source)
            else:
                out[segment.source] = known
        if missing:
            job = Job(context.product, context.market, context.glossary, tuple(missing), False, context.source_lang)
            result = self.run(job, RunControl())
            commit(self, result, context.memory)
            out.update({r.source: r for r in result.renderings})
        return {s: out.get(s) or Rendering(s, s, "pending") for s in dict.fromkeys(seg.source for seg in segments)}


def known_rendering(engine: Engine, source: str, market: Market, glossary: Glossary, memory: TranslationMemory,
                    source_lang: str) -> Rendering | None:
    """What the memory already says for one segment: kept as written, approved, or cached for this engine.

    Latin text stays as written for a market of its language, or when it has no real words ('XL', '600V'),
    unless it is an option value the market writes otherwise ('Red' in German, 'white' or 'navy blue' in English):
    that is looked up like any other text, and the engine renders it (xborder.language.options)."""
    if not needs_translation(source, source_lang, market.language):
        option = render_option(source, market, glossary)
        if option is None or option.text == source.strip():
            return Rendering(source, source, "kept")
    approved = memory.approved(source, source_lang, market.language, market.key)
    if approved:
        return Rendering(source, approved.target, "memory")
    if engine.cacheable:
        cached = memory.cached(engine.segment_key(source, glossary, source_lang, market.lang_tag))
        if cached:
            return Rendering(source, cached.target, cached.origin)
    return None


def commit(engine: Engine, result: JobResult, memory: TranslationMemory) -> None:
    """Keep what a job made in the memory, each job in its own transactions (a killed run loses one job)."""
    job = result.job
    if engine.cacheable:
        for rendering in result.renderings:
            if rendering.provenance != "model":
                continue  # templates and glossary text are recomputed for free; only paid work is kept
            key = engine.segment_key(rendering.source, job.glossary, job.source_lang, job.lang_tag)
            memory.store(key, rendering.source, rendering.text, job.source_lang, job.lang_tag, "", engine.name,
                         origin="model", model=engine.model, prompt_version=engine.prompt_version)
    if result.copy is not None and engine.writes_fields:
        key = engine.listing_key(job.product, job.market, job.glossary, job.source_lang)
        stored = result.copy.to_json()
        if not result.copy_accepted:  # kept with why and how often, so a rerun need not buy it again to know
            rejection = result.rejection or Rejection.new((), job.rejected_attempts)
            stored["rejected"] = rejection.to_json()
        memory.store(key, f"listing {job.product.sku}: {job.product.name}",
                     json.dumps(stored, ensure_ascii=False), job.source_lang, job.lang_tag,
                     job.market.key, engine.name, origin="model" if result.copy_accepted else REJECTED,
                     model=engine.model, prompt_version=engine.prompt_version)


class RunControl:
    """What a running fetch shares with its jobs: the budget, and whether the run was told to stop (and why, in
    one line, when the reason needs one).

    The token budget is kept before sending: each request reserves its estimated cost (take_request) until its
    reply says what it cost (settle), and a request is not sent when the tokens used and reserved would pass
    max_tokens with it; so a run with concurrent requests stays within the budget as far as the estimates hold,
    rather than stopping only once the replies have already passed it."""

    def __init__(self, max_requests: int | None = None, max_tokens: int | None = None):
        self.max_requests, self.max_tokens = max_requests, max_tokens
        self.usage = Usage()
        self.stop_reason = ""
        self.stop_message = ""  # what to tell the user, when the reason is not obvious (an endpoint that refuses all)
        self._reserved = 0  # estimated tokens of the requests in flight
        self._room = threading.Condition()

    def take_request(self, tokens: int = 0) -> bool:
        """Reserve one request and `tokens`, its estimated cost, under the budget; False when the budget (or a
        stop) forbids it. When only the reservations of requests in flight are in the way, wait for their replies;
        when the tokens already used leave no room for it, the budget is reached. Give the reservation back
        with settle()."""
        with self._room:
            while True:
                if self.stop_reason:
                    return False
                if self.max_requests is not None and self.usage.requests >= self.max_requests:
                    self.stop_reason = "budget"
                    return False
                if self.max_tokens is not None:
                    used = self.usage.tokens
                    if used >= self.max_tokens or used + tokens > self.max_tokens:
                        self.stop_reason = "budget"
                        return False
                    if used + self._reserved + tokens > self.max_tokens:
                        self._room.wait(0.5)
                        continue
                self.usage.requests += 1
                self._reserved += tokens
                return True

    def settle(self, reserved: int, prompt: int = 0, completion: int = 0) -> None:
        """A request is over: give back what it reserved and count the tokens it used."""
        with self._room:
            self._reserved -= reserved
            self.usage.prompt_tokens += prompt
            self.usage.completion_tokens += completion
            self._room.notify_all()

    def add_tokens(self, prompt: int, completion: int) -> None:
        self.settle(0, prompt, completion)

    def stop(self, reason: str, message: str = "") -> None:
        with self._room:
            if not self.stop_reason:
                self.stop_reason, self.stop_message = reason, message
            self._room.notify_all()

    @property
    def stopped(self) -> bool:
        return bool(self.stop_reason)
