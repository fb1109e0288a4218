"""A run of show: one live session across several products, in time slots that sum exactly to the session.

Slots: an opening; for each product a transition (or, when one is due, a re-hook for viewers who just joined)
and the product's script; a reminder of where to buy when one is due; then, once no further product fits,
questions from the chat for the time left, and the closing. Products repeat in the same order while the
session lasts, as live sellers do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from xborder.files import safe_name
from xborder.scripts.model import LiveScript
from xborder.scripts.phrases import ScriptError, script_phrases, show_settings, speaking_rate
from xborder.scripts.timing import clock, speaking_seconds

ORDERS = {
    "given": "the order given (the catalog's, or --sku's)",
    "opener": "opener first: the lowest price opens, as an easy first buy; the rest as given",
    "hero": "hero first: the highest profit per unit opens; the rest by margin, highest first",
    "margin": "by margin, highest first",
}


@dataclass
class Slot:
    """One row of the run of show."""

    number: int
    start: int
    seconds: int
    kind: str  # opening | transition | rehook | product | reminder | qa | closing
    say: str = ""
    sku: str = ""
    name: str = ""
    price: str = ""
    round: int = 0  # which pass through the products (1, 2 …)
    notes: str = ""  # for a product: its script's file, in the run of show's folder

    @property
    def end(self) -> int:
        return self.start + self.seconds

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "start": clock(self.start), "end": clock(self.end), "seconds": self.seconds,
                "kind": self.kind, "sku": self.sku, "name": self.name, "price": self.price, "round": self.round,
                "say": self.say}


@dataclass
class RunOfShow:
    lang_tag: str
    market: str
    session_seconds: int
    order: str
    rule: str
    slots: list[Slot] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # SKUs no slot had room for

    @property
    def total_seconds(self) -> int:
        return sum(s.seconds for s in self.slots)

    def to_json(self) -> dict[str, Any]:
        return {"lang": self.lang_tag, "market": self.market, "session_seconds": self.session_seconds,
                "order": self.order, "rule": self.rule, "left_out": self.left_out,
                "slots": [s.to_json() for s in self.slots]}


def order_scripts(scripts: list[LiveScript], order: str) -> list[LiveScript]:
    """The products in the session's order: a rule of ORDERS, or SKUs separated by commas (the rest follow)."""
    if order == "given":
        return list(scripts)
    if order == "opener":
        first = min(scripts, key=lambda s: s.quote.price)
        return [first] + [s for s in scripts if s is not first]
    if order == "margin":
        return sorted(scripts, key=lambda s: -s.quote.margin)
    if order == "hero":
        hero = max(scripts, key=lambda s: (s.quote.profit, s.quote.margin))
        return [hero] + sorted((s for s in scripts if s is not hero), key=lambda s: -s.quote.margin)
    skus = [s.strip() for s in order.split(",") if s.strip()]
    by_sku = {s.product.sku: s for s in scripts}
    unknown = [s for s in skus if s not in by_sku]
    if not skus or unknown:
        raise ScriptError(f"--order '{order}': give one of {', '.join(ORDERS)} or SKUs separated by commas"
                          + (f" (no script for {', '.join(unknown)})" if unknown else ""))
    named = [by_sku[s] for s in dict.fromkeys(skus)]
    return named + [s for s in scripts if s not in named]


def run_of_show(scripts: list[LiveScript], session_seconds: int, order: str = "given") -> RunOfShow:
    """Time slots for a session of `session_seconds` (all scripts in one language); they sum exactly to it."""
    if not scripts:
        raise ScriptError("a run of show needs at least one script")
    tags = {s.lang_tag for s in scripts}
    if len(tags) != 1:
        raise ScriptError(f"a run of show is in one language; these scripts are in {', '.join(sorted(tags))}")
    tag = scripts[0].lang_tag
    phrases, rate = script_phrases(tag), speaking_rate(tag)
    rehook_every, reminder_every = show_settings()
    ordered = order_scripts(scripts, order)
    rule = ORDERS.get(order, f"the SKUs given ({order}), then the rest as given")
    show = RunOfShow(tag, scripts[0].market.key, session_seconds, order, rule)
    polite = phrases.polite

    def said(key: str, script: LiveScript | None = None, **extra: str) -> str:
        values = {"polite": polite, "count": str(len(scripts)), **extra}
        if script is not None:
            values |= {"name": script.name, "price": script.quote.formatted, "cta": _cta(script)}
        template = phrases.show.get(key, "")
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template

    def slot(kind: str, text: str, script: LiveScript | None = None, seconds: int | None = None,
             round_: int = 0) -> Slot:
        length = seconds if seconds is not None else max(1, math.ceil(speaking_seconds(text, rate)))
        return Slot(0, 0, length, kind, text, script.product.sku if script else "", script.name if script else "",
                    script.quote.formatted if script else "", round_)

    opening = slot("opening", said("opening"))
    closing = slot("closing", said("closing"))
    if opening.seconds + closing.seconds >= session_seconds:
        raise ScriptError(f"a {clock(session_seconds)} session has no room for a product after the opening and "
                          f"closing ({clock(opening.seconds + closing.seconds)}); give a longer --session")
    slots = [opening]
    elapsed = opening.seconds
    last_rehook = last_reminder = 0
    index = 0
    while True:
        script = ordered[index % len(ordered)]
        round_ = index // len(ordered) + 1
        block: list[Slot] = []
        if index and elapsed - last_rehook >= rehook_every:
            block.append(slot("rehook", said("rehook", script), script, round_=round_))
        else:
            block.append(slot("transition", said("transition" if index else "first", script), script, round_=round_))
        product = slot("product", "", script, max(1, math.ceil(script.total_seconds)), round_)
        product.notes = f"{safe_name(script.product.sku)}.md"  # beside the run of show
        block.append(product)
        length = sum(s.seconds for s in block)
        if elapsed + length - last_reminder >= reminder_every:
            block.append(slot("reminder", said("reminder", script), script, round_=round_))
            length = sum(s.seconds for s in block)
        if elapsed + length + closing.seconds > session_seconds:
            break
        if block[0].kind == "rehook":
            last_rehook = elapsed
        if block[-1].kind == "reminder":
            last_reminder = elapsed + length
        slots += block
        elapsed += length
        index += 1
    if index == 0:
        first = ordered[0]
        raise ScriptError(f"a {clock(session_seconds)} session has no room for {first.product.sku}'s "
                          f"{clock(first.total_seconds)} script with the opening and closing; give a longer "
                          "--session or a shorter --duration")
    left = session_seconds - elapsed - closing.seconds
    if left > 0:
        slots.append(slot("qa", said("qa"), seconds=left))
    slots.append(closing)
    start = 0
    for number, item in enumerate(slots, start=1):
        item.number, item.start = number, start
        start += item.seconds
    show.slots = slots
    placed = {s.sku for s in slots if s.kind == "product"}
    show.left_out = [s.product.sku for s in ordered if s.product.sku not in placed]
    return show


def _cta(script: LiveScript) -> str:
    segment = script.segment("cta")
    return segment.lines[0] if segment and segment.lines else ""
