"""Settings objects the core takes; xborder.config fills them from xborder.toml."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation

from xborder.errors import ConfigError


@dataclass
class CatalogSettings:
    """[catalog]: how to read the factory's spreadsheet."""

    sheet: str | None = None
    currency: str = "CNY"
    weight_unit: str = "kg"
    length_unit: str = "cm"
    aliases: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PricingSettings:
    """[pricing] of xborder.toml, optionally overridden per market by [markets.KEY.pricing]."""

    margin: Decimal = Decimal("0.30")
    margin_basis: str = "price"  # "price": margin on the pre-tax price; "cost": markup on landed cost
    freight_per_kg: Decimal = Decimal(0)
    freight_per_unit: Decimal = Decimal(0)
    freight_currency: str = "CNY"

    def check(self, where: str = "[pricing]") -> None:
        if self.margin_basis not in ("price", "cost"):
            raise ConfigError(f"{where} margin_basis must be \"price\" or \"cost\", not '{self.margin_basis}'")
        if self.margin < 0:
            raise ConfigError(f"{where} margin {self.margin} is negative")
        if self.margin_basis == "price" and self.margin >= 1:
            raise ConfigError(f"{where} margin {self.margin:%} on price must be below 100%")
        if self.freight_per_kg < 0 or self.freight_per_unit < 0:
            raise ConfigError(f"{where} freight cannot be negative")

    def for_market(self, market) -> PricingSettings:
        """These settings with the market's own [markets.KEY.pricing] values on top."""
        if not market.pricing:
            return self
        return pricing_settings(market.pricing, base=self, where=f"[markets.{market.key}.pricing]")


def pricing_settings(table: dict, base: PricingSettings | None = None,
                     where: str = "[pricing]") -> PricingSettings:
    """Parse a [pricing] table (money and rates as strings or numbers) onto base."""
    base = base or PricingSettings()
    known = {f.name for f in fields(PricingSettings)}
    changes: dict = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where} has no setting '{key}'; known: {', '.join(sorted(known))}")
        if key in ("margin_basis", "freight_currency"):
            changes[key] = str(value).lower() if key == "margin_basis" else str(value).upper()
            continue
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip().rstrip("%"))
        except InvalidOperation:
            raise ConfigError(f"{where} {key} = '{value}' is not a number") from None
        if key == "margin" and isinstance(value, str) and value.strip().endswith("%"):
            number /= 100
        changes[key] = number
    settings = replace(base, **changes)
    settings.check(where)
    return settings
