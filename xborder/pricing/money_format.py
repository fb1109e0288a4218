"""Prices written the way buyers in the market's locale read them, via babel (CLDR)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_percent


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """1234.56 EUR in de_DE → '1.234,56 €'; 1980 JPY in ja_JP → '￥1,980'."""
    return format_currency(amount, currency, locale=locale)


def format_rate(rate: Decimal, locale: str = "en_US") -> str:
    """0.3 → '30%', 0.0218 → '2.18%'."""
    return format_percent(rate, format="#,##0.##%", locale=locale)
