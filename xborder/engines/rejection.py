"""Model text kept although it broke a rule: why, how often it was asked for, and whether to ask again.

A model's reply whose listing fields (or live-stream script) still break a rule after the repair request is
kept in the memory's cache with the origin REJECTED, so the listing can show it, marked, and a person can
correct it. It is not bought again on every later run: a rerun asks again only when the cache key changed
(the product's data, the glossary entries it uses, the market's brief, the model or the prompt version), when
the user asks (`--retry-rejected`), or while `[model] retry_rejected = N` allows automatic retries.

What is stored, inside the cached JSON (no schema change: an older xborder reads the fields and ignores it):

    "rejected": {"attempts": 2, "at": "2026-12-04", "via": "live",
                 "reasons": [{"check": "claim-antimicrobial", "severity": "error", "field": "title",
                              "message": "…", "term": "antibacterial"}]}

`attempts` counts the replies bought for this cache entry that were rejected (1 on the first run);
`via` is "live" (a live request and its repair request) or "batch" (a batch reply, which gets no repair).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from xborder.findings import Finding

REJECTED = "model-rejected"  # origin of cached model text kept although it failed its checks; also its finding

# how to get a rejected listing asked again or corrected, for messages and the build's summary
LISTING_RETRY = ("ask the model again with `xborder build --retry-rejected` (or [model] retry_rejected = N in "
                 "xborder.toml for N automatic retries), or correct the fields in listings.xlsx and run "
                 "`xborder tm import listings.xlsx`")
SCRIPT_RETRY = ("ask the model again with `xborder script --retry-rejected` (or [model] retry_rejected = N in "
                "xborder.toml for N automatic retries), or correct the script before going live")
_SHOWN = 4  # reasons spelt out in a finding's message; the rest are counted


@dataclass(frozen=True)
class Rejection:
    """Why a model's text was kept as rejected, and how many replies for it were bought and rejected."""

    reasons: tuple[Finding, ...] = ()  # the rules it still broke (empty: kept by an xborder that did not say)
    attempts: int = 1
    at: str = ""  # the date of the last rejected reply (YYYY-MM-DD, UTC)
    via: str = "live"  # live | batch
    earlier: bool = False  # read from the memory: rejected before this run, and not asked again in it

    @classmethod
    def new(cls, reasons: Iterable[Finding], before: int = 0, via: str = "live") -> Rejection:
        """A reply rejected now; `before` is how many replies for the same cache entry were rejected earlier."""
        return cls(tuple(reasons), before + 1, dt.datetime.now(dt.timezone.utc).date().isoformat(), via)

    def to_json(self) -> dict[str, Any]:
        """The stored form (see the module's doc)."""
        return {"attempts": self.attempts, "at": self.at, "via": self.via,
                "reasons": [reason.to_json() for reason in self.reasons]}

    @classmethod
    def from_json(cls, data: object) -> Rejection:
        """The stored form as read back from the memory (earlier = True); tolerant of entries an older xborder
        kept without it (one attempt, no reasons) and of values it cannot read."""
        if not isinstance(data, dict):
            return cls(earlier=True)
        reasons = []
        for item in data.get("reasons", []) if isinstance(data.get("reasons"), list) else []:
            if isinstance(item, dict) and isinstance(item.get("check"), str):
                reasons.append(Finding(item["check"], str(item.get("severity", "error")), str(item.get("message", "")),
                                       str(item.get("field", "")), str(item.get("term", ""))))
        attempts = data.get("attempts")
        return cls(tuple(reasons), attempts if isinstance(attempts, int) and attempts > 0 else 1,
                   str(data.get("at", "")), str(data.get("via", "live")), earlier=True)

    def asks_again(self, retries: int, forced: bool = False) -> bool:
        """Whether a run asks the model again for this text: when forced (--retry-rejected), or while the
        automatic retries allowed ([model] retry_rejected) are not used up (the first reply is no retry)."""
        return forced or self.attempts - 1 < retries

    def this_run(self) -> Rejection:
        """The same rejection, counted as made in this run (a batch reply imported by this build)."""
        return replace(self, earlier=False)

    def reasons_text(self) -> str:
        """The reasons in one line: 'title: claim-antimicrobial (antibacterial); bullets: bullet-count (…)'."""
        if not self.reasons:
            return "its reasons were not recorded (kept by an older xborder); the fields' own findings show them"
        parts = [f"{reason.field or 'listing'}: {reason.check} ({_short(reason.term or reason.message)})"
                 for reason in self.reasons[:_SHOWN]]
        more = len(self.reasons) - _SHOWN
        return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")

    def finding(self, what: str, field: str, how_to_retry: str) -> Finding:
        """The error a listing (or script) showing rejected text carries: when and why it was rejected, and
        how to get it asked again or corrected. `what`: "text" or "script"."""
        if self.earlier:
            when = "in a batch reply" if self.via == "batch" else "on an earlier run"
            said = ", ".join(part for part in (self.at, _attempts(self.attempts)) if part)
            head = f"the model's {what} was rejected {when} ({said})"
        else:
            after = "in a batch reply, which gets no repair request" if self.via == "batch" \
                else "after one repair request"
            head = f"the model's {what} still breaks {_rules(len(self.reasons))} {after}; it is kept as rejected"
        return Finding(REJECTED, "error", f"{head}: {self.reasons_text()}. It is shown as the model wrote it; "
                                          f"{how_to_retry}", field)


def _attempts(count: int) -> str:
    return "1 reply bought" if count == 1 else f"{count} replies bought"


def _rules(count: int) -> str:
    return "a rule" if count == 1 else f"{count} rules" if count else "its rules"


def _short(text: str, size: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


def top_reasons(rejections: Iterable[Iterable[str]], limit: int = 10) -> list[dict[str, str | int]]:
    """The rules rejections broke most often, from each rejection's check codes: [{"check", "count"}], most
    frequent first, each rejection counted once per rule."""
    counts: dict[str, int] = {}
    for checks in rejections:
        for check in set(checks):
            counts[check] = counts.get(check, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"check": check, "count": count} for check, count in ranked[:limit]]
