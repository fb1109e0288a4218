"""Typed values read from a catalog: money, quantities with units, box dimensions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


def plain(number: Decimal) -> str:
    """Decimal as plain text without exponent or trailing zeros ('25.8', '500', '0.05')."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class Money:
    """An exact amount in one ISO 4217 currency."""

    amount: Decimal
    currency: str

    def to_json(self) -> dict:
        return {"amount": plain(self.amount), "currency": self.currency}

    def __str__(self) -> str:
        return f"{plain(self.amount)} {self.currency}"


@dataclass(frozen=True)
class Quantity:
    """A number with a unit ('kg', 'g', 'lb', 'cm', 'pcs' ...)."""

    value: Decimal
    unit: str

    def to_json(self) -> dict:
        return {"value": plain(self.value), "unit": self.unit}

    def __str__(self) -> str:
        return f"{plain(self.value)} {self.unit}"


@dataclass(frozen=True)
class Dimensions:
    """Length × width × height of a product or its package, in one length unit."""

    length: Decimal
    width: Decimal
    height: Decimal
    unit: str

    def to_json(self) -> dict:
        return {"length": plain(self.length), "width": plain(self.width),
                "height": plain(self.height), "unit": self.unit}

    def __str__(self) -> str:
        return f"{plain(self.length)}×{plain(self.width)}×{plain(self.height)} {self.unit}"
