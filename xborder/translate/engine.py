"""The Engine interface: source text segments in, target text with provenance out.

Every engine goes through the translation memory first: an approved translation always wins,
then a cached machine translation made under the same key; only what is left reaches the
engine itself. The offline engine composes what it can from glossary terms and phrase banks;
text it cannot translate stays in the source language and is marked pending.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from xborder.catalog.model import Product
from xborder.markets import Market
from xborder.translate.glossary import Glossary
from xborder.translate.memory import TranslationMemory, cache_key

# from weakest to strongest; a composed field is as weak as its weakest part
PROVENANCE_ORDER = ("pending", "catalog", "model", "glossary", "template", "memory", "kept")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """Whether text holds Chinese characters (and so is not yet translated out of Chinese)."""
    return bool(_CJK.search(text))


def needs_translation(text: str, source_lang: str, target_lang: str) -> bool:
    """Whether a segment must be translated for target_lang, or stays as written.

    Chinese text always needs it; Latin text needs it only for another language, and only when it has
    real words: sizes, codes and figures (S, XL, 600V, CAT III, 304) stay as written everywhere."""
    if not text.strip() or target_lang == source_lang:
        return False
    if has_cjk(text):
        return True
    words = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) > 3 and not w.isupper()]
    return bool(words) and target_lang != "en"


def weakest(provenances: list[str]) -> str:
    """The weakest provenance of a composed field's parts."""
    return min(provenances, key=PROVENANCE_ORDER.index) if provenances else "kept"


@dataclass(frozen=True)
class Segment:
    """A piece of source text to translate, and which product field it comes from."""

    source: str
    field: str


@dataclass(frozen=True)
class Rendering:
    """A segment in the target language and where that text came from."""

    source: str
    text: str
    provenance: str  # memory | glossary | template | model | catalog | kept | pending

    @property
    def pending(self) -> bool:
        return self.provenance == "pending"


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


class Engine(ABC):
    """Turns segments into renderings; subclasses implement translate_missing()."""

    name: str = "engine"
    model: str = ""
    prompt_version: str = ""
    cacheable: bool = True
    market_specific: bool = False

    def key(self, segment: Segment, context: TranslationContext) -> str:
        """The memory cache key of one segment under this engine."""
        fingerprints = [e.fingerprint(context.lang_tag) for e in context.glossary.entries_for(segment.source)]
        market = context.market.key if self.market_specific else ""
        return cache_key(segment.source, context.source_lang, context.lang_tag, market, fingerprints,
                         self.name, self.model, self.prompt_version)

    def render(self, segments: list[Segment], context: TranslationContext) -> dict[str, Rendering]:
        """Renderings by source text: kept, from memory, from the cache, else from the engine."""
        out: dict[str, Rendering] = {}
        missing: list[Segment] = []
        for segment in segments:
            source = segment.source
            if source in out or any(m.source == source for m in missing):
                continue
            if not needs_translation(source, context.source_lang, context.lang):
                out[source] = Rendering(source, source, "kept")
                continue
            approved = context.memory.approved(source, context.source_lang, context.lang, context.market.key)
            if approved:
                out[source] = Rendering(source, approved.target, "memory")
                continue
            if self.cacheable:
                cached = context.memory.cached(self.key(segment, context))
                if cached:
                    out[source] = Rendering(source, cached.target, cached.origin)
                    continue
            missing.append(segment)
        if missing:
            for rendering in self.translate_missing(missing, context):
                out[rendering.source] = rendering
                if self.cacheable and not rendering.pending:
                    segment = next(s for s in missing if s.source == rendering.source)
                    context.memory.store(self.key(segment, context), rendering.source, rendering.text,
                                         context.source_lang, context.lang_tag,
                                         context.market.key if self.market_specific else "", self.name,
                                         origin=rendering.provenance, model=self.model,
                                         prompt_version=self.prompt_version)
        return out

    @abstractmethod
    def translate_missing(self, segments: list[Segment], context: TranslationContext) -> list[Rendering]:
        """Render segments the memory did not have; a segment it cannot do comes back pending."""
