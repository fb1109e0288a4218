"""A run of show (整场脚本): one live session across several products, in time slots that sum exactly to it.

Slots: a warm-up while the room fills; the opening offer (the live deal to come, when one is priced); for each
product a transition (or, when one is due, a re-hook for viewers who just joined) and the product's script — a
later round says the product with other variants (the session's variant picker counts on), not the same text;
between products the platform's interaction beats (follow, like, share, "comment 1 if …"), a reminder of where
to buy, and a flash-deal window whose price the pricing engine computed (never typed, never at or below
break-even); then a Q&A block with answers prepared from the products' facts (shipping and returns are cues for
the host, as the project does not state them) and the closing. Every line of every slot goes through the same
lint as the product scripts. The glue's lines and timings are data (data/script_show.toml, with sources).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xborder import data
from xborder.files import safe_name
from xborder.findings import Finding
from xborder.scripts.lint import amounts, lint_lines
from xborder.scripts.model import LiveScript
from xborder.scripts.phrases import (ScriptError, in_register, lint_rules, normalize_tag, register, script_phrases,
                                     show_settings, speaking_rate)
from xborder.scripts.timing import clock, speaking_seconds
from xborder.scripts.write import facts_noun

ORDERS = {
    "given": "the order given: the catalog's, or --sku's",
    "opener": "opener first: the lowest price opens, as an easy first buy; the rest as given",
    "hero": "hero first: the highest profit per unit opens; the rest by margin, highest first",
    "margin": "by margin, highest first",
}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class ShowLine:
    """One line of a slot: spoken, or a bracketed cue for the host (not said); `sources`: the catalog texts it says."""

    text: str
    cue: bool = False
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlashDeal:
    """A flash price for one product, from the pricing engine at a lower margin, above the quote's break-even."""

    sku: str
    price: Decimal
    formatted: str
    regular: str  # the listing's price, formatted
    break_even: Decimal
    break_even_formatted: str
    margin: Decimal  # the flash price's margin
    tool: str = ""  # where the seller sets it on the platform (data/script_show.toml)

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "price": str(self.price), "formatted": self.formatted, "regular": self.regular,
                "break_even": str(self.break_even), "margin": str(round(self.margin, 4)), "tool": self.tool}


@dataclass
class Slot:
    """One row of the run of show."""

    number: int
    start: int
    seconds: int
    kind: str  # warmup | opening_offer | transition | rehook | product | interaction | reminder | flash | qa | closing
    lines: list[ShowLine] = field(default_factory=list)
    sku: str = ""
    name: str = ""
    price: str = ""
    round: int = 0  # which pass through the products (1, 2 …)
    notes: str = ""  # for a product: its script's file; for a flash window: how to set it up
    direction: str = ""  # what the host does meanwhile

    @property
    def end(self) -> int:
        return self.start + self.seconds

    @property
    def say(self) -> str:
        """The spoken lines, one per line of text."""
        return "\n".join(line.text for line in self.lines if not line.cue)

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "start": clock(self.start), "end": clock(self.end), "seconds": self.seconds,
                "kind": self.kind, "sku": self.sku, "name": self.name, "price": self.price, "round": self.round,
                "say": self.say, "lines": [{("cue" if x.cue else "say"): x.text} for x in self.lines],
                **({"do": self.direction} if self.direction else {}), **({"notes": self.notes} if self.notes else {})}


@dataclass
class RunOfShow:
    lang_tag: str
    market: str
    session_seconds: int
    order: str
    rule: str
    slots: list[Slot] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # SKUs no slot had room for
    flash: list[FlashDeal] = field(default_factory=list)  # the flash windows the show opens, in order
    announced: list[FlashDeal] = field(default_factory=list)  # the deal the opening offer names
    findings: list[Finding] = field(default_factory=list)  # the lint of every line, refused flash prices

    @property
    def total_seconds(self) -> int:
        return sum(s.seconds for s in self.slots)

    @property
    def lines(self) -> list[tuple[Slot, ShowLine]]:
        return [(slot, line) for slot in self.slots for line in slot.lines]

    def to_json(self) -> dict[str, Any]:
        return {"lang": self.lang_tag, "market": self.market, "session_seconds": self.session_seconds,
                "order": self.order, "rule": self.rule, "left_out": self.left_out,
                "flash": [f.to_json() for f in self.flash], "findings": [f.to_json() for f in self.findings],
                "slots": [s.to_json() for s in self.slots]}


@dataclass(frozen=True)
class ShowPhrases:
    """The glue of a run of show in one language (data/script_show.toml; else script_phrases.toml [<lang>.show])."""

    warmup: tuple[str, ...]
    opening_offer: str
    first: str
    transition: tuple[str, ...]
    rehook: tuple[str, ...]
    reminder: tuple[str, ...]
    flash_open: str
    flash_close: str
    qa: str
    shipping_cue: str
    returns_cue: str
    closing: tuple[str, ...]
    interaction: dict[str, tuple[str, ...]]


def _strings(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def show_phrases(tag: str, formality: str = "") -> ShowPhrases:
    """The glue in the host's register ([scripts] formality; see phrases.register)."""
    language = normalize_tag(tag).split("-")[0]
    rich = data.load("script_show.toml").get(language)
    if rich is None:  # a language without the full glue: the opening, transitions, reminders and closing it has
        old = script_phrases(tag, "", formality).show
        return ShowPhrases(_strings(old.get("opening")), "", old.get("first", ""), _strings(old.get("transition")),
                           _strings(old.get("rehook")), _strings(old.get("reminder")), "", "", old.get("qa", ""),
                           "", "", _strings(old.get("closing")), {})
    pairs = register(tag, formality)
    cues = {"shipping_cue", "returns_cue"}  # the host's cues stay as written
    rich = {k: (v if k in cues else _said(v, pairs)) for k, v in rich.items()}
    return ShowPhrases(_strings(rich["warmup"]), str(rich.get("opening_offer", "")), str(rich["first"]),
                       _strings(rich["transition"]), _strings(rich["rehook"]), _strings(rich["reminder"]),
                       str(rich.get("flash_open", "")), str(rich.get("flash_close", "")), str(rich["qa"]),
                       str(rich.get("shipping_cue", "")), str(rich.get("returns_cue", "")), _strings(rich["closing"]),
                       {k: _strings(v) for k, v in rich.get("interaction", {}).items()})


def _said(value: Any, pairs: tuple[tuple[str, str], ...]) -> Any:
    if isinstance(value, str):
        return in_register(value, pairs)
    if isinstance(value, list):
        return [_said(v, pairs) for v in value]
    if isinstance(value, dict):
        return {k: _said(v, pairs) for k, v in value.items()}
    return value


def show_timing() -> dict[str, float]:
    return {k: float(v) for k, v in data.load("script_show.toml")["timing"].items()}


def platform_show(platform: str) -> dict[str, Any]:
    """What a platform's live offers viewers (interactions) and where a flash price is set, with sources."""
    platforms = data.load("script_show.toml")["platforms"]
    table: dict[str, Any] = platforms.get(platform) or platforms["default"]
    return table


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


def run_of_show(scripts: list[LiveScript], session_seconds: int, order: str = "given", *,
                again: Callable[[LiveScript, int], LiveScript] | None = None,
                flash: dict[str, FlashDeal] | None = None,
                answers: dict[str, list[ShowLine]] | None = None, host: str = "",
                formality: str = "") -> RunOfShow:
    """Time slots for a session of `session_seconds` (all scripts in one language); they sum exactly to it.

    `again(script, round)`: the product's script for a later round, said with other variants (else the same
    script); `flash`: the flash deals priced for the session by SKU (see run.flash_deals); `answers`: each SKU's
    Q&A lines prepared from its facts."""
    if not scripts:
        raise ScriptError("a run of show needs at least one script")
    tags = {s.lang_tag for s in scripts}
    if len(tags) != 1:
        raise ScriptError(f"a run of show is in one language; these scripts are in {', '.join(sorted(tags))}")
    tag = scripts[0].lang_tag
    market = scripts[0].market
    phrases, rate, glue = script_phrases(tag, host, formality), speaking_rate(tag), show_phrases(tag, formality)
    timing = show_timing()
    rehook_every, reminder_every = show_settings()
    rehook_every = int(timing.get("rehook_every_seconds", rehook_every))
    reminder_every = int(timing.get("reminder_every_seconds", reminder_every))
    interaction_every = int(timing["interaction_every_seconds"])
    flash = flash or {}
    answers = answers or {}
    plat = platform_show(market.platform)
    ordered = order_scripts(scripts, order)
    rule = ORDERS.get(order, f"the SKUs given ({order}), then the rest as given")
    show = RunOfShow(tag, market.key, session_seconds, order, rule)
    counters: dict[str, int] = {}
    spaced_han = tag.split("-")[0] not in ("ja", "zh")  # Japanese writes kanji: its scripts mark pending text as cues

    def said(template: str, script: LiveScript | None = None, **extra: str) -> str:
        values = {"polite": phrases.polite, "count": str(len(scripts)), **extra}
        if script is not None:
            values |= {"name": script.name, "price": script.quote.formatted, "cta": _cta(script),
                       "noun": _noun(script)}
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return re.sub(r"[ \t\r\n]+", " ", template).strip()  # no-break spaces (28,99 €) stay

    def pick(key: str, variants: tuple[str, ...]) -> str:
        """The next variant of a glue line: the session counts on, so a re-hook or a reminder is not the same text
        each time."""
        if not variants:
            return ""
        number = counters.get(key, 0)
        counters[key] = number + 1
        return variants[number % len(variants)]

    def line(text: str) -> ShowLine:
        if spaced_han and _HAN.search(text):  # never said in the catalog's language: a cue for the host
            return ShowLine(f"[{phrases.cue.get('to_translate', 'to translate')}: {text[:60]}]", cue=True)
        return ShowLine(text)

    def slot(kind: str, texts: list[str], script: LiveScript | None = None, seconds: int | None = None,
             round_: int = 0, direction: str = "", hold: float = 0.0) -> Slot:
        lines = [line(t) for t in texts if t]
        spoken = sum(speaking_seconds(x.text, rate) for x in lines if not x.cue)
        length = seconds if seconds is not None else max(1, math.ceil(spoken + hold))
        return Slot(0, 0, length, kind, lines, script.product.sku if script else "", script.name if script else "",
                    script.quote.formatted if script else "", round_, direction=direction)

    deals = [flash[s.product.sku] for s in ordered if s.product.sku in flash] if glue.flash_open else []
    warmup_hold = min(timing["warmup_hold_seconds"], session_seconds // 20)
    opening = slot("warmup", [said(t) for t in glue.warmup], hold=warmup_hold,
                   direction="Greet viewers by name as they join; read the first comments aloud.")
    slots = [opening]
    if deals and glue.opening_offer:
        script = next(s for s in ordered if s.product.sku == deals[0].sku)
        slots.append(slot("opening_offer", [said(glue.opening_offer, script, flash_price=deals[0].formatted)],
                          script))
        show.announced = [deals[0]]
    closing = slot("closing", [said(t) for t in glue.closing])
    qa_lines = [said(glue.qa)] if glue.qa else []
    qa_cues = [ShowLine(f"[{glue.shipping_cue}]", cue=True), ShowLine(f"[{glue.returns_cue}]", cue=True)] \
        if glue.shipping_cue else []
    qa_min = min(int(timing["qa_min_seconds"]), session_seconds // 15)
    elapsed = sum(s.seconds for s in slots)
    if elapsed + closing.seconds >= session_seconds:
        raise ScriptError(f"a {clock(session_seconds)} session has no room for a product after the opening and "
                          f"closing ({clock(elapsed + closing.seconds)}); give a longer --session")
    last_rehook = last_reminder = last_interaction = 0
    last_flash = -int(timing["flash_every_seconds"])
    flash_first = min(int(timing["flash_first_after_seconds"]), session_seconds // 4)
    window = int(timing["flash_window_seconds"])
    interactions = [k for k in plat.get("interactions", ()) if glue.interaction.get(k)]
    index = 0
    while True:
        base = ordered[index % len(ordered)]
        round_ = index // len(ordered) + 1
        script = again(base, round_) if again is not None and round_ > 1 else base
        block: list[Slot] = []
        if index and elapsed - last_rehook >= rehook_every:
            block.append(slot("rehook", [said(pick("rehook", glue.rehook), script)], script, round_=round_))
        else:
            text = said(glue.first, script) if not index else said(pick("transition", glue.transition), script)
            block.append(slot("transition", [text], script, round_=round_))
        product = slot("product", [], script, max(1, math.ceil(script.total_seconds)), round_)
        product.lines = [ShowLine(b.text, b.cue, b.sources) for b in script.beats if b.text]
        product.notes = f"{safe_name(script.product.sku)}.md"  # beside the run of show
        block.append(product)
        length = sum(s.seconds for s in block)
        due = deals[len(show.flash) % len(deals)] if deals else None  # the deal announced first opens first
        deal = due if due is not None and due.sku == script.product.sku else None
        if deal is not None and elapsed + length >= flash_first and elapsed + length - last_flash >= \
                timing["flash_every_seconds"]:
            minutes = str(max(1, window // 60))
            block.append(slot("flash", [said(glue.flash_open, script, flash_price=deal.formatted, minutes=minutes),
                                        said(glue.flash_close, script)], script, seconds=window, round_=round_,
                              direction="Start the flash deal as set up (see notes); show the product in use "
                                        "again and answer questions while the timer runs."))
            block[-1].notes = f"Set before the live: {deal.tool}; flash price {deal.formatted} " \
                              f"(break-even {deal.break_even_formatted})."
        elif interactions and elapsed + length - last_interaction >= interaction_every:
            kind = interactions[counters.get("interaction-kind", 0) % len(interactions)]
            counters["interaction-kind"] = counters.get("interaction-kind", 0) + 1
            option = ", ".join(script.product.colors[:1] or script.product.sizes[:1])
            variants = tuple(v for v in glue.interaction[kind] if "{option}" not in v or
                             (option and not _HAN.search(option)))
            block.append(slot("interaction", [said(pick(kind, variants), script, option=option)], script,
                              round_=round_))
        length = sum(s.seconds for s in block)
        if elapsed + length - last_reminder >= reminder_every and glue.reminder:
            block.append(slot("reminder", [said(pick("reminder", glue.reminder), script)], script, round_=round_))
            length = sum(s.seconds for s in block)
        if elapsed + length + qa_min + closing.seconds > session_seconds:
            break
        for item in block:
            if item.kind == "rehook":
                last_rehook = elapsed
            if item.kind == "flash" and deal is not None:
                last_flash = elapsed + length
                show.flash.append(deal)
            if item.kind == "interaction":
                last_interaction = elapsed + length
            if item.kind == "reminder":
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
        qa = slot("qa", qa_lines, seconds=left,
                  direction="Answer the chat's questions; the prepared answers below come from the catalog's facts.")
        for script in ordered:
            qa.lines += answers.get(script.product.sku, [])[:4]
        qa.lines += qa_cues
        slots.append(qa)
    slots.append(closing)
    start = 0
    for number, item in enumerate(slots, start=1):
        item.number, item.start = number, start
        start += item.seconds
    show.slots = slots
    placed = {s.sku for s in slots if s.kind == "product"}
    show.left_out = [s.product.sku for s in ordered if s.product.sku not in placed]
    show.findings = lint_show(show, scripts)
    return show


def lint_show(show: RunOfShow, scripts: list[LiveScript]) -> list[Finding]:
    """The product scripts' lint over every spoken line of the run of show, glue included: the prices said may be
    any listing price of the session's products or a flash price the pricing engine computed."""
    if not scripts:
        return []
    market = scripts[0].market
    announced = [line.text for slot in show.slots if slot.kind == "opening_offer" for line in slot.lines]
    allowed = [p for s in scripts for p in show_prices(s)] + [d.price for d in show.flash]
    if announced:
        allowed += [d.price for d in show.announced]
    lines = [(slot.kind, line.text) for slot in show.slots if slot.kind != "product" for line in slot.lines
             if not line.cue]
    found = lint_lines(lines, market, show.lang_tag, allowed, scripts[0].quote.formatted)
    for slot, line in show.lines:
        if show.lang_tag.split("-")[0] in ("ja", "zh"):
            break
        if not line.cue and _HAN.search(line.text):  # pragma: no cover - line() makes these cues
            found.append(Finding("untranslated", "error", f"'{line.text}' is still in the catalog's language",
                                 slot.kind))
    return found


def show_prices(script: LiveScript) -> list[Decimal]:
    out = [script.quote.price]
    for _, formatted in script.prices:
        out += [value for _, value in amounts(formatted, lint_rules(script.lang_tag).currency_markers)]
    return out


def _noun(script: LiveScript) -> str:
    return facts_noun(script) or script.name


def _cta(script: LiveScript) -> str:
    segment = script.segment("cta")
    return segment.lines[0] if segment and segment.lines else ""
