"""Weights and sizes written for a market: its locale's numbers, imperial where it uses them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from xborder.language.phrases import PhraseBank
from xborder.markets import Market
from xborder.language.money_format import format_figure
from xborder.values import CM_PER, KG_PER, Dimensions, Quantity

_LB_PER_KG = 1 / KG_PER["lb"]
_ML_PER_FL_OZ = Decimal("29.5735")  # US customary fluid ounce (NIST Handbook 44, Appendix C)


def number(value: Decimal, market: Market, places: int = 2) -> str:
    """A figure in the market's locale, at most `places` decimals, no trailing zeros."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    return format_figure(rounded, market.locale, "#,##0.##" if places else "#,##0")


def weight(quantity: Quantity, market: Market, bank: PhraseBank) -> str:
    """'0.45 kg', or '0.45 kg (0.99 lb)' where US labels show both."""
    kg = quantity.in_kg()
    if kg is None:
        return f"{number(quantity.value, market)} {quantity.unit}"
    metric = f"{number(kg, market)} kg" if kg >= 1 or quantity.unit == "kg" else f"{number(kg * 1000, market, 0)} g"
    if market.unit_system != "us":
        return metric
    pounds = kg * _LB_PER_KG
    imperial = f"{number(pounds, market)} lb" if pounds >= 1 else f"{number(pounds * 16, market, 1)} oz"
    return (bank.fmt("dual", metric=metric, imperial=imperial) or f"{metric} ({imperial})") \
        if market.dual_units else imperial


def volume(quantity: Quantity, market: Market, bank: PhraseBank) -> str:
    """'350 ml', '1.8 L', or with US fluid ounces in brackets where US labels show both."""
    ml = quantity.value if quantity.unit == "ml" else None
    if ml is None:
        return f"{number(quantity.value, market)} {quantity.unit}"
    metric = f"{number(ml / 1000, market)} L" if ml >= 1000 else f"{number(ml, market, 0)} ml"
    if market.unit_system != "us":
        return metric
    imperial = f"{number(ml / _ML_PER_FL_OZ, market, 1)} fl oz"
    return (bank.fmt("dual", metric=metric, imperial=imperial) or f"{metric} ({imperial})") \
        if market.dual_units else imperial


def power(quantity: Quantity, market: Market) -> str:
    """'1,500 W' in the market's digits."""
    return f"{number(quantity.value, market, 0)} W" if quantity.unit == "W" else str(quantity)


def voltage(rating: str, market: Market) -> str:
    """'AC100-240V' → '100–240 V', '110V/220V' → '110/220 V', '220V' → '220 V'."""
    figures = re.findall(r"\d+(?:\.\d+)?", rating)
    joiner = "/" if "/" in rating else "–"
    return f"{joiner.join(number(Decimal(f), market, 0) for f in figures)} V" if figures else rating


def dimensions(size: Dimensions, market: Market, bank: PhraseBank) -> str:
    """'60 × 40 × 35 cm', or with inches in brackets for a US market."""
    cm = size.in_cm()
    if cm is None:
        return str(size)

    def shown(sides: Sequence[Decimal], unit: str, places: int) -> str:
        values = [number(s, market, places) for s in sides]
        return bank.fmt("dimensions", length=values[0], width=values[1], height=values[2], unit=unit) \
            or f"{values[0]} × {values[1]} × {values[2]} {unit}"

    metric = shown(cm, "cm", 1)
    if market.unit_system != "us":
        return metric
    imperial = shown([c / CM_PER["in"] for c in cm], "in", 1)
    return (bank.fmt("dual", metric=metric, imperial=imperial) or f"{metric} ({imperial})") \
        if market.dual_units else imperial
