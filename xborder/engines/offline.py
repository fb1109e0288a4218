"""The offline engine: glossary terms, phrase banks and templates; no network, no key.

It translates what can be translated exactly (option values such as 白色, Off-white, 21寸 8骨 or 3-4岁, see
xborder.language.options; specs such as 500g/袋; text made up entirely of glossary terms) and leaves the rest
in the source language, pending, for a translator or for the model engine.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_percent

from xborder.catalog.cells import CellError, parse_weight
from xborder.language.phrases import phrasebank
from xborder.language.money_format import format_figure
from xborder.engines.engine import Engine, Job, JobResult, Rendering, RunControl, has_cjk
from xborder.language.options import render_option

_SEPARATORS = re.compile(r"^[\s,，、/／+＋·・()（）\-–]*$")
_SHARE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*[%％]\s*$")  # '100%' just before a term: 100%聚酯纤维
_NO_SPACE_LANGUAGES = {"ja", "zh", "th"}
_AMOUNT_PER = re.compile(r"^(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z克千公斤]+)\s*[/／每]\s*(?P<container>.+)$")
_PIECE_SET = re.compile(r"^(?P<count>\d+)\s*件套$")


class OfflineEngine(Engine):
    """Memory, glossary and phrase banks only."""

    name = "offline"
    cacheable = False  # its output is a pure function of glossary and phrase bank: nothing to save

    def run(self, job: Job, control: RunControl) -> JobResult:
        """Exact renderings of the job's segments; what it cannot translate exactly is left out (pending)."""
        found = (self.exact(source, job) for source in job.segments)
        return JobResult(job, [rendering for rendering in found if rendering is not None])

    def exact(self, source: str, job: Job) -> Rendering | None:
        """An option value or spec from the glossary and phrase bank, or text made only of glossary terms; else
        None."""
        text = source.strip()
        option = render_option(text, job.market, job.glossary)
        if option is not None:
            return Rendering(source, option.text, option.provenance)
        bank = phrasebank(job.lang_tag)
        spec = self._spec(text, job)
        if spec is not None:
            return Rendering(source, spec, "template")
        composed = self._from_glossary(text, job)
        if composed is not None:
            joined, compound = composed
            in_order = bank.format.get("term_order") == "source"
            return Rendering(source, joined, "draft" if compound and not in_order else "glossary")
        return None

    def _spec(self, text: str, job: Job) -> str | None:
        """'500g/袋' → '500 g per bag'; '7件套' → '7-piece set'; several such parts separated by spaces."""
        bank = phrasebank(job.lang_tag)
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
                shown = f"{format_figure(amount.value, _babel(job))} {amount.unit}"
                phrase = bank.fmt("per_container", amount=shown, container=bank.containers[match.group("container")])
                if phrase is None:
                    return None
                out.append(phrase)
                continue
            match = _PIECE_SET.match(part)
            piece_set = bank.fmt("piece_set", count=match.group("count")) if match else None
            if piece_set:
                out.append(piece_set)
                continue
            return None
        return " ".join(out) if out and out != parts else None

    def _from_glossary(self, text: str, job: Job) -> tuple[str, bool] | None:
        """Text made only of glossary terms (and separators) becomes their targets in order; and whether two
        terms stood together as one phrase ('绝缘螺丝刀'), whose word order the target language may change."""
        matches = job.glossary.find(text)
        if not matches:
            return None
        pieces: list[str] = []
        position, compound = 0, False
        for match in matches:
            between = text[position:match.start]
            share = _SHARE.search(between)  # a material's share: '95%棉 5%氨纶' is two terms with their percentages
            if share:
                between = between[:share.start()]
            if not _SEPARATORS.match(between):
                return None
            compound = compound or (bool(pieces) and not between.strip(" ·・") and not share)
            target = match.entry.target(job.lang_tag)
            if target is None or match.entry.type == "forbidden":
                return None
            if share:
                percent = format_percent(Decimal(share.group(1)) / 100, locale=_babel(job), decimal_quantization=False)
                target = phrasebank(job.lang_tag).fmt("share", percent=percent, term=target) or f"{percent} {target}"
            pieces.append(_bracketed(between, target, pieces, job))
            position = match.end
        if not _SEPARATORS.match(text[position:]):
            return None
        if pieces and _CLOSE.search(text[position:]):
            pieces[-1] += _brackets(job)[1]
        if job.market.language not in _NO_SPACE_LANGUAGES:
            return " ".join(pieces), compound
        if job.market.language != "th":
            return "".join(pieces), compound
        joined = pieces[0]
        for piece in pieces[1:]:  # Thai spaces a Latin word or a number off ('ABS พลาสติก'); Japanese does not
            latin = joined[-1:].isascii() and joined[-1:].isalnum() or piece[:1].isascii() and piece[:1].isalnum()
            joined += (" " if latin else "") + piece
        return joined, compound


_OPEN, _CLOSE = re.compile(r"[(（]"), re.compile(r"[)）]")


def _brackets(job: Job) -> tuple[str, str]:
    return ("（", "）") if job.market.language in ("ja", "zh") else ("(", ")")


def _bracketed(between: str, target: str, pieces: list[str], job: Job) -> str:
    """A term as it stood in brackets: '雪纺（100%聚酯纤维）' keeps them, in the target language's form; a bracket
    closed before the term closes the piece before it."""
    opening, closing = _brackets(job)
    if pieces and _CLOSE.search(between):
        pieces[-1] += closing
    return opening + target if _OPEN.search(between) else target


def _babel(job: Job) -> str:
    return job.market.locale

