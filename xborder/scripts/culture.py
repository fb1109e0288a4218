"""Cultural fit for a script's locale: address, occasions and phrasing to avoid (data/style.toml, shared with the
model engine's style guide), numbers and dates as CLDR writes them there (babel)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import babel.dates
from babel import Locale

from xborder.language.money_format import format_figure
from xborder.language.style import live_style

EXAMPLE_DATE = dt.date(2026, 11, 23)
EXAMPLE_NUMBER = Decimal("1234.5")


@dataclass(frozen=True)
class CulturalFit:
    """What a host should know about the audience's conventions, for the notes above a script."""

    lang_tag: str
    language_name: str
    address: str
    occasions: tuple[str, ...]
    avoid: tuple[str, ...]
    number_example: str  # 1234.5 as written there
    date_example: str  # 23 November 2026 as written there, short and long
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"lang": self.lang_tag, "language": self.language_name, "address": self.address,
                "occasions": list(self.occasions), "avoid": list(self.avoid), "number": self.number_example,
                "date": self.date_example, "sources": list(self.sources)}


@cache
def cultural_fit(lang_tag: str, locale: str) -> CulturalFit:
    """The merged style guide's live-stream keys for a tag, with CLDR's number and date formats for the locale."""
    style = live_style(lang_tag)
    parsed = Locale.parse(locale)
    dates = " · ".join(babel.dates.format_date(EXAMPLE_DATE, width, parsed) for width in ("short", "long"))
    return CulturalFit(
        lang_tag=lang_tag, language_name=str(style.get("language_name", lang_tag)),
        address=str(style.get("address") or style.get("formality", "")),
        occasions=tuple(style.get("occasions", ())),
        avoid=tuple(style.get("live_avoid") or style.get("avoid", ())),
        number_example=format_figure(EXAMPLE_NUMBER, locale, "#,##0.0"), date_example=dates,
        sources=tuple(style.get("live_sources", ())))
