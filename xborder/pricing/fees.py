"""What a marketplace charges per sale and per unit: referral fees by category, fulfilment fees by tier.

The tables are data: data/amazon_fees.toml (sourced, per marketplace) under a project's own
[markets.KEY.referral] and [markets.KEY.fba] tables of the same shape. Without a table, the
market's preset referral rate and minimum apply, and a fulfilment fee must come from the project.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xborder.catalog.model import Product
from xborder.errors import ConfigError
from xborder.markets import Market, decimal_setting
from xborder.settings import PricingSettings


@dataclass(frozen=True)
class ReferralRate:
    """A referral fee: a rate (whole-price bands, or marginal tiers above thresholds) with a per-item minimum."""

    key: str
    label: str
    rate: Decimal
    minimum: Decimal = Decimal(0)
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()  # (above, rate): `rate` on the part of the price above `above`
    bands: tuple[tuple[Decimal, Decimal], ...] = ()  # (up_to, rate): the whole price at the first band it fits
    source: str = ""

    def linear_at(self, base: Decimal) -> tuple[Decimal, Decimal]:
        """(a, b) with fee = a × base + b near `base`: the piece of the fee function the price is on."""
        if self.bands:
            a, b = next((r for up_to, r in self.bands if base <= up_to), self.rate), Decimal(0)
        else:
            a, b = self._marginal(base)
        if a * base + b < self.minimum:
            return Decimal(0), self.minimum
        return a, b

    def _marginal(self, base: Decimal) -> tuple[Decimal, Decimal]:
        """The tier the base is in: its rate, and the offset that makes the fee continuous at each threshold."""
        rate, lower, fee_at_lower = self.rate, Decimal(0), Decimal(0)
        for above, next_rate in self.tiers:
            if base <= above:
                break
            fee_at_lower += (above - lower) * rate
            rate, lower = next_rate, above
        return rate, fee_at_lower - rate * lower

    def pieces(self) -> set[tuple[Decimal, Decimal]]:
        """Every (a, b) the fee function is made of, minimum included: the candidates a price is solved on."""
        out = {(Decimal(0), self.minimum)} | {(rate, Decimal(0)) for _, rate in self.bands}
        out.add(self._marginal(Decimal(0)) if not self.bands else (self.rate, Decimal(0)))
        for above, _ in self.tiers:
            out.add(self._marginal(above + Decimal("0.000001")))
        return out

    def fee(self, base: Decimal) -> Decimal:
        a, b = self.linear_at(base)
        return a * base + b


@dataclass(frozen=True)
class FulfilmentFee:
    """A fee per unit for storing, packing and shipping an order, and how it was found."""

    amount: Decimal
    how: str
    source: str


def _decimal(value: object, what: str) -> Decimal:
    number = decimal_setting(value, what)
    if number < 0:
        raise ConfigError(f"{what} = '{value}' must be a number of 0 or more")
    return number


def _category(market: Market, key: str, table: dict[str, Any]) -> ReferralRate:
    where = f"market {market.key}: referral category {key}"
    return ReferralRate(
        key, str(table.get("label", key)), _decimal(table.get("rate", ""), f"{where} rate"),
        _decimal(table.get("minimum", "0"), f"{where} minimum"),
        tuple((_decimal(t["above"], f"{where} tier above"), _decimal(t["rate"], f"{where} tier rate"))
              for t in table.get("tiers", [])),
        tuple((_decimal(b["up_to"], f"{where} band up_to"), _decimal(b["rate"], f"{where} band rate"))
              for b in table.get("bands", [])),
        str(market.referral.get("source", "xborder.toml")))


def referral_for(product: Product, market: Market, settings: PricingSettings) -> ReferralRate:
    """The referral fee for a product: its category's in the market's schedule, else the market's rate."""
    categories = market.referral.get("categories", {})
    if not categories:
        return ReferralRate("market", f"{market.name} referral", market.fees.referral, market.fees.minimum,
                            source="market preset" if not market.referral else "xborder.toml")
    chosen = dict(settings.fee_category)
    key = chosen.get(product.sku) or (chosen.get(product.category) if product.category else None)
    if key is not None:
        if key not in categories:
            raise ConfigError(f"[pricing.fee_category] {product.sku}: '{key}' is not a referral category of "
                              f"{market.key}; known: {', '.join(categories)}")
        return _category(market, key, categories[key])
    text = (product.category or "").casefold()
    matches = [(len(word), name) for name, table in categories.items() for word in table.get("match", [])
               if text and str(word).casefold() in text]
    if matches:
        name = max(matches)[1]
        return _category(market, name, categories[name])
    default = str(market.referral.get("default", ""))
    if default not in categories:
        return ReferralRate("market", f"{market.name} referral", market.fees.referral, market.fees.minimum,
                            source="market preset")
    return _category(market, default, categories[default])


def fulfilment_fee(product: Product, market: Market, settings: PricingSettings, sides_cm: list[Decimal] | None,
                   kg: Decimal | None) -> FulfilmentFee | None:
    """The marketplace's fee per unit for fulfilment: the project's amount, else the market's tier table."""
    if settings.fulfilment_fee is not None:
        return FulfilmentFee(settings.fulfilment_fee, "per unit",
                             f"fulfilment_fee ({settings.source_of('fulfilment_fee')})")
    table = market.fba
    if not table.get("tiers") or sides_cm is None or kg is None:
        return None
    sides = sorted(sides_cm, reverse=True)
    divisor = table.get("volumetric_divisor") or ""
    for tier in table["tiers"]:
        limits = sorted((_decimal(x, "fba max_cm") for x in tier["max_cm"]), reverse=True)
        if any(side > limit for side, limit in zip(sides, limits)) or kg > _decimal(tier["max_kg"], "fba max_kg"):
            continue
        weight = kg
        if divisor:
            weight = max(kg, sides[0] * sides[1] * sides[2] / _decimal(divisor, "fba volumetric_divisor"))
        for step in tier["steps"]:
            if weight <= _decimal(step["up_to_kg"], "fba up_to_kg"):
                return FulfilmentFee(_decimal(step["fee"], "fba fee"),
                                     f"{tier['name']}, up to {step['up_to_kg']} kg", str(table.get("source", "")))
        above = tier.get("above")
        if above:
            last = tier["steps"][-1]
            over = weight - _decimal(above["over_kg"], "fba over_kg")
            extra = _decimal(above["per_kg"], "fba per_kg") * math.ceil(over)
            return FulfilmentFee(_decimal(last["fee"], "fba fee") + extra,
                                 f"{tier['name']}, {weight:.2f} kg", str(table.get("source", "")))
    return None
