"""A live-stream script: one product, one language, one market, in timed segments of spoken beats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xborder.catalog.model import Product
from xborder.markets import Market
from xborder.pricing import Quote
from xborder.scripts.culture import CulturalFit
from xborder.scripts.phrases import SpeakingRate
from xborder.findings import Finding


@dataclass
class Beat:
    """One spoken line (whole sentences, never cut) with its stage direction kept apart, and its estimated time."""

    kind: str  # the segment it belongs to
    text: str
    direction: str = ""
    priority: int = 5  # 1: always said; higher: dropped first to fit, added first to fill
    seconds: float = 0.0
    pending: tuple[str, ...] = ()  # source texts (still in the catalog's language) the line would say
    cue: bool = False  # not a spoken line: a bracketed cue for the host ("[to translate: 烧水快]", a claim left out)
    draft: tuple[str, ...] = ()  # source texts the line says as a draft (glossary terms in the catalog's word order)
    sources: tuple[str, ...] = ()  # every catalog text the line says
    fact: bool = False  # an answer from the product's facts (a Q&A beat with `when` or `each`)
    topic: str = ""  # the fact it answers (the phrase bank's `when` or `each`: sizes, material, voltage …)

    @property
    def spoken(self) -> bool:
        return not self.cue

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {("cue" if self.cue else "say"): self.text, "seconds": round(self.seconds, 1),
                               "priority": self.priority}
        if self.draft:
            out["draft"] = list(self.draft)
        if self.direction:
            out["do"] = self.direction
        if self.pending:
            out["pending"] = list(self.pending)
        return out


@dataclass
class ScriptSegment:
    """A part of the script (hook, story, demo …): its spoken lines and, apart, its stage directions."""

    kind: str
    title: str
    priority: int
    beats: list[Beat] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        """The spoken lines (cues for the host are not said)."""
        return [b.text for b in self.beats if not b.cue]

    @property
    def directions(self) -> list[str]:
        return [b.direction for b in self.beats if b.direction]

    @property
    def seconds(self) -> float:
        return sum(b.seconds for b in self.beats)

    @property
    def pending(self) -> bool:
        """Whether a line still says text in the catalog's language."""
        return any(b.pending for b in self.beats)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "priority": self.priority,
                "seconds": round(self.seconds, 1), "pending": self.pending, "beats": [b.to_json() for b in self.beats]}


@dataclass
class LiveScript:
    """Everything a host needs to sell one product in one language: timed segments, the listing's price, findings."""

    product: Product
    lang_tag: str
    market: Market
    quote: Quote
    name: str  # the product's name as the listing shows it
    segments: list[ScriptSegment]
    target_seconds: int
    rate: SpeakingRate
    culture: CulturalFit
    prices: list[tuple[str, str]] = field(default_factory=list)  # (options or '', formatted price) the script says
    dropped: list[str] = field(default_factory=list)  # segment kinds left out to fit the duration
    findings: list[Finding] = field(default_factory=list)
    tolerance: float = 0.10
    # who wrote the lines: template (the phrase bank), model, or model-rejected (a model's script that still broke
    # a rule after one repair request: kept and shown with its findings, asked again on the next run)
    provenance: str = "template"
    model: str = ""  # the model that wrote it, if one did

    @property
    def total_seconds(self) -> float:
        return sum(s.seconds for s in self.segments)

    @property
    def within_tolerance(self) -> bool:
        return abs(self.total_seconds - self.target_seconds) <= self.tolerance * self.target_seconds

    @property
    def pending_sources(self) -> list[str]:
        """The catalog texts the script still says untranslated, in order, once each."""
        return list(dict.fromkeys(s for seg in self.segments for b in seg.beats for s in b.pending))

    @property
    def pending(self) -> bool:
        return any(s.pending for s in self.segments)

    @property
    def drafts(self) -> list[tuple[str, str]]:
        """(source, the line that says it as a draft), once per source."""
        out: dict[str, str] = {}
        for seg in self.segments:
            for b in seg.beats:
                for source in b.draft:
                    out.setdefault(source, b.text)
        return list(out.items())

    @property
    def beats(self) -> list[Beat]:
        return [b for s in self.segments for b in s.beats]

    @property
    def spoken(self) -> str:
        return "\n".join(line for s in self.segments for line in s.lines)

    def segment(self, kind: str) -> ScriptSegment | None:
        return next((s for s in self.segments if s.kind == kind), None)

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.product.sku, "name": self.name, "lang": self.lang_tag, "market": self.market.key,
                "provenance": self.provenance, **({"model": self.model} if self.model else {}),
                "price": {"formatted": self.quote.formatted, "currency": self.quote.currency,
                          "tax_included": self.quote.tax_included,
                          "variants": [{"options": o, "formatted": p} for o, p in self.prices if o]},
                "target_seconds": self.target_seconds, "estimated_seconds": round(self.total_seconds, 1),
                "within_tolerance": self.within_tolerance,
                "speaking_rate": {"unit": self.rate.unit, "per_minute": self.rate.per_minute},
                "segments": [s.to_json() for s in self.segments], "dropped": self.dropped,
                "pending": self.pending_sources, "findings": [f.to_json() for f in self.findings]}
