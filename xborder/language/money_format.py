"""Prices written the way buyers in the market's locale read them, via babel (CLDR)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

_PERCENT = parse_pattern("#,##0.##%")


@lru_cache(maxsize=None)
def _currency_format(locale: str) -> tuple[Locale, NumberPattern]:
    """The locale and its standard currency pattern, parsed once: babel parses both on every call otherwise."""
    parsed = Locale.parse(locale)
    return parsed, parsed.currency_formats["standard"]


@lru_cache(maxsize=8192)
def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """1234.56 EUR in de_DE → '1.234,56 €'; 1980 JPY in ja_JP → '￥1,980'."""
    parsed, pattern = _currency_format(locale)
    text: str = pattern.apply(amount, parsed, currency=currency, currency_digits=True)
    return text


@lru_cache(maxsize=4096)
def format_rate(rate: Decimal, locale: str = "en_US") -> str:
    """0.3 → '30%', 0.0218 → '2.18%'; in the locale's own form, as its money is ('30,17 %' in German)."""
    parsed = _currency_format(locale)[0]
    text: str = _percent_pattern(locale).apply(rate, parsed)
    return text


@lru_cache(maxsize=64)
def _percent_pattern(locale: str) -> NumberPattern:
    """The locale's percent pattern with up to two decimals ('#,##0 %' → '#,##0.## %')."""
    written = Locale.parse(locale).percent_formats[None].pattern
    return parse_pattern(written.replace("0", "0.##", 1) if "." not in written else written) if written else _PERCENT


@lru_cache(maxsize=64)
def _pattern(format: str) -> NumberPattern:
    return parse_pattern(format)


@lru_cache(maxsize=8192)
def format_figure(value: Decimal, locale: str, format: str | None = None) -> str:
    """A number in the locale's digits and separators, in its own decimal format unless one is given
    (babel's format_decimal, with the locale and pattern parsed once)."""
    parsed = _currency_format(locale)[0]
    text: str = (_pattern(format) if format else parsed.decimal_formats[None]).apply(value, parsed)
    return text
