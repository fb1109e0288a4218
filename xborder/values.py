"""Typed values read from a catalog: money, quantities with units, box dimensions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


def plain(number: Decimal) -> str:
    """Decimal as plain text without exponent or trailing zeros ('25.8', '500', '0.05')."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one ISO 4217 currency."""

    amount: Decimal
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {"amount": plain(self.amount), "currency": self.currency}

    def __str__(self) -> str:
        return f"{plain(self.amount)} {self.currency}"


KG_PER = {"kg": Decimal(1), "g": Decimal("0.001"), "lb": Decimal("0.45359237"), "oz": Decimal("0.028349523125")}
CM_PER = {"cm": Decimal(1), "mm": Decimal("0.1"), "m": Decimal(100), "in": Decimal("2.54")}


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with a unit ('kg', 'g', 'lb', 'cm', 'pcs' ...)."""

    value: Decimal
    unit: str

    def in_kg(self) -> Decimal | None:
        """The weight in kg, or None for a unit that is not a weight."""
        return self.value * KG_PER[self.unit] if self.unit in KG_PER else None

    def to_json(self) -> dict[str, Any]:
        return {"value": plain(self.value), "unit": self.unit}

    def __str__(self) -> str:
        return f"{plain(self.value)} {self.unit}"


@dataclass(frozen=True, slots=True)
class Dimensions:
    """Length × width × height of a product or its package, in one length unit."""

    length: Decimal
    width: Decimal
    height: Decimal
    unit: str

    def in_cm(self) -> tuple[Decimal, Decimal, Decimal] | None:
        """Length, width and height in cm, or None for an unknown unit."""
        factor = CM_PER.get(self.unit)
        return None if factor is None else (self.length * factor, self.width * factor, self.height * factor)

    def to_json(self) -> dict[str, Any]:
        return {"length": plain(self.length), "width": plain(self.width),
                "height": plain(self.height), "unit": self.unit}

    def __str__(self) -> str:
        return f"{plain(self.length)}×{plain(self.width)}×{plain(self.height)} {self.unit}"
