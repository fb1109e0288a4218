"""The offline engine: glossary terms, phrase banks and templates; no network, no key.

It translates what can be translated exactly (colours, sizes, specs such as 500g/袋 or 7件套,
text made up entirely of glossary terms) and leaves the rest in the source language, pending,
for a translator or for the model engine.
"""

from __future__ import annotations

import re

from babel.numbers import format_decimal

from xborder.catalog.cells import CellError, parse_weight
from xborder.listing.phrases import phrasebank
from xborder.translate.engine import Engine, Rendering, Segment, TranslationContext, has_cjk

_SEPARATORS = re.compile(r"^[\s,，、/／+＋·・()（）\-–]*$")
_NO_SPACE_LANGUAGES = {"ja", "zh", "th"}
_AMOUNT_PER = re.compile(r"^(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z克千公斤]+)\s*[/／每]\s*(?P<container>.+)$")
_PIECE_SET = re.compile(r"^(?P<count>\d+)\s*件套$")


class OfflineEngine(Engine):
    """Memory, glossary and phrase banks only."""

    name = "offline"
    cacheable = False  # its output is a pure function of glossary and phrase bank: nothing to save

    def translate_missing(self, segments: list[Segment], context: TranslationContext) -> list[Rendering]:
        return [self._one(segment, context) for segment in segments]

    def _one(self, segment: Segment, context: TranslationContext) -> Rendering:
        source = segment.source.strip()
        bank = phrasebank(context.lang_tag)
        for table in (bank.colors, bank.sizes):
            if source in table:
                return Rendering(segment.source, table[source], "template")
        spec = self._spec(source, context)
        if spec is not None:
            return Rendering(segment.source, spec, "template")
        composed = self._from_glossary(source, context)
        if composed is not None:
            return Rendering(segment.source, composed, "glossary")
        return Rendering(segment.source, segment.source, "pending")

    def _spec(self, text: str, context: TranslationContext) -> str | None:
        """'500g/袋' → '500 g per bag'; '7件套' → '7-piece set'; several such parts separated by spaces."""
        bank = phrasebank(context.lang_tag)
        parts = text.split()
        out = []
        for part in parts:
            if not has_cjk(part):
                out.append(part)
                continue
            match = _AMOUNT_PER.match(part)
            if match and match.group("container") in bank.containers:
                try:
                    amount = parse_weight(f"{match.group('amount')}{match.group('unit')}")
                except CellError:
                    return None
                shown = f"{format_decimal(amount.value, locale=_babel(context))} {amount.unit}"
                phrase = bank.fmt("per_container", amount=shown, container=bank.containers[match.group("container")])
                if phrase is None:
                    return None
                out.append(phrase)
                continue
            match = _PIECE_SET.match(part)
            if match and bank.fmt("piece_set", count=match.group("count")):
                out.append(bank.fmt("piece_set", count=match.group("count")))
                continue
            return None
        return " ".join(out) if out and out != parts else None

    def _from_glossary(self, text: str, context: TranslationContext) -> str | None:
        """Text made only of glossary terms (and separators) becomes their targets in order."""
        matches = context.glossary.find(text)
        if not matches:
            return None
        pieces, position = [], 0
        for match in matches:
            if not _SEPARATORS.match(text[position:match.start]):
                return None
            target = match.entry.target(context.lang_tag)
            if target is None or match.entry.type == "forbidden":
                return None
            pieces.append(target)
            position = match.end
        if not _SEPARATORS.match(text[position:]):
            return None
        joiner = "" if context.lang in _NO_SPACE_LANGUAGES else " "
        return joiner.join(pieces)


def _babel(context: TranslationContext) -> str:
    return context.market.locale

