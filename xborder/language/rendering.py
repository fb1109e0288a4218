"""What an engine returns for a piece of text: a rendering and where it came from, with the small helpers that
judge text (is it Chinese, does it need translating, which provenance is weakest)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# from weakest to strongest; a composed field is as weak as its weakest part
PROVENANCE_ORDER = ("pending", "draft", "catalog", "model", "glossary", "template", "memory", "kept")
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
    provenance: str  # memory | glossary | template | model | catalog | kept | draft | pending

    @property
    def pending(self) -> bool:
        return self.provenance == "pending"

    @property
    def draft(self) -> bool:
        """Glossary terms joined in the catalog's word order, in a language that orders them otherwise."""
        return self.provenance == "draft"
