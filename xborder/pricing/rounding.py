"""A market's price-ending rule (.99, ¥1,980, whole baht) that never goes below break-even."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from xborder.markets import RoundingBand, RoundingRule


def _on_grid(price: Decimal, band: RoundingBand, rounding: str) -> Decimal:
    """The value k*step + ending next to price, rounding k up (ceiling) or down (floor)."""
    k = ((price - band.ending) / band.step).to_integral_value(rounding=rounding)
    return max(k, Decimal(0)) * band.step + band.ending


def _round_up(price: Decimal, rule: RoundingRule) -> Decimal:
    while True:
        band = rule.band_for(price)
        value = _on_grid(price, band, ROUND_CEILING)
        if band.below is None or value < band.below:
            return value
        price = band.below  # the ending spilled into the next band: use that band's endings


def round_price(price: Decimal, rule: RoundingRule, floor: Decimal, minor_digits: int) -> Decimal:
    """Round price by the rule, to the currency's minor unit, and never below floor or to zero."""
    up = _round_up(price, rule)
    value = up
    if rule.direction == "nearest":
        down = _on_grid(price, rule.band_for(price), ROUND_FLOOR)
        if down > 0 and price - down < up - price:
            value = down
    if value < floor or value <= 0:
        value = _round_up(max(floor, price), rule)
    unit = Decimal(1).scaleb(-minor_digits)
    return value.quantize(unit, rounding=ROUND_CEILING)
