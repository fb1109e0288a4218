"""Market presets (xborder/data/markets.toml) merged with a project's [markets] overrides."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

import babel
import babel.numbers

from xborder import data
from xborder.errors import ConfigError


@dataclass(frozen=True)
class TaxRule:
    name: str
    rate: Decimal
    included_in_price: bool


@dataclass(frozen=True)
class Fees:
    referral: Decimal
    payment: Decimal
    fixed: Decimal
    minimum: Decimal = Decimal(0)  # per-item minimum referral fee
    base: str = "net"  # "gross": the percentage fees are charged on the price with tax (Amazon EU, UK, JP)

    @property
    def percent(self) -> Decimal:
        """The referral and payment fees as shares of their base price."""
        return self.referral + self.payment


@dataclass(frozen=True)
class Duty:
    rate: Decimal | None  # None: not set for this market; a price then says so instead of assuming 0
    per_item: Decimal  # a flat amount per item on low-value parcels sent to consumers (direct fulfilment only)
    chapters: tuple[tuple[str, Decimal], ...] = ()  # HS code prefix ("61", "9506") → rate; longest prefix wins

    def rate_for(self, hs_code: str | None) -> tuple[Decimal | None, str]:
        """The duty rate for an HS code and where it came from."""
        digits = "".join(ch for ch in hs_code or "" if ch.isdigit())
        found = [(prefix, rate) for prefix, rate in self.chapters if digits.startswith(prefix)]
        if found:
            prefix, rate = max(found, key=lambda item: len(item[0]))
            return rate, f"HS {prefix}"
        return self.rate, "market"


@dataclass(frozen=True)
class RoundingBand:
    below: Decimal | None
    step: Decimal
    ending: Decimal


@dataclass(frozen=True)
class RoundingRule:
    direction: str  # "up" | "nearest"
    bands: tuple[RoundingBand, ...]

    def band_for(self, price: Decimal) -> RoundingBand:
        """The first band whose `below` is above the price; the last band otherwise."""
        return next((b for b in self.bands if b.below is not None and price < b.below), self.bands[-1])


@dataclass(frozen=True)
class ListingLimits:
    """[markets.KEY.limits]: what the marketplace accepts in a listing; 0 means no limit (or none of them)."""

    title_chars: int = 0
    title_min_chars: int = 0
    bullet_count: int = 0
    bullet_chars: int = 0
    description_chars: int = 0
    keywords_bytes: int = 0
    tag_count: int = 0
    tag_chars: int = 0
    option_tiers: int = 0
    option_name_chars: int = 0
    option_value_chars: int = 0
    sku_chars: int = 0
    price_min: Decimal | None = None  # in the market's currency
    price_max: Decimal | None = None


def _in_range(section: str, name: str, value: int, where: str) -> None:
    """A limit or rule number within xborder/data/market_limits.toml's range (0: none, always allowed)."""
    if value == 0:
        return
    bounds = data.load("market_limits.toml").get(section, {}).get(name)
    if bounds and not bounds[0] <= value <= bounds[1]:
        raise ConfigError(f"{where}: {section}.{name} = {value} is out of range: use 0 (no limit) or "
                          f"{bounds[0]:,} to {bounds[1]:,}")


def listing_limits(table: dict[str, Any], where: str) -> ListingLimits:
    """Check a limits table: whole numbers of 0 or more within their ranges, prices as amounts of 0 or more, the
    lowest below the highest; ConfigError names the bad value."""
    values: dict[str, Any] = {}
    for name, value in table.items():
        if name in ("price_min", "price_max"):
            amount = decimal_setting(value, f"{where}: limits.{name}") if value not in ("", None) else None
            if amount is not None and amount < 0:
                raise ConfigError(f"{where}: limits.{name} = {value!r} must be an amount of 0 or more")
            values[name] = amount
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}: limits.{name} = {value!r} must be a whole number of 0 or more (0: no limit)")
        _in_range("limits", name, value, where)
        values[name] = value
    limits = ListingLimits(**values)
    if limits.title_min_chars and limits.title_chars and limits.title_min_chars > limits.title_chars:
        raise ConfigError(f"{where}: limits.title_min_chars = {limits.title_min_chars} is above limits.title_chars "
                          f"= {limits.title_chars}: no title could be both")
    if limits.price_min is not None and limits.price_max is not None and limits.price_min > limits.price_max:
        raise ConfigError(f"{where}: limits.price_min = {limits.price_min} is above limits.price_max = "
                          f"{limits.price_max}")
    return limits


@dataclass(frozen=True)
class TextRules:
    """[markets.KEY.rules]: what the marketplace refuses or allows in a listing's text."""

    banned_title_chars: str = ""
    banned_text_chars: str = ""
    allow_cjk: bool = True
    html_description: bool = False
    allowed_html_tags: tuple[str, ...] = ()
    max_word_repeats: int = 0  # 0: any number
    links_allowed: bool = False  # web addresses in listing text (an own shop); else they hold the listing
    banned_phrases: tuple[str, ...] = ()


def text_rules(table: dict[str, Any], where: str) -> TextRules:
    """Check a rules table: each value of its kind; ConfigError names the bad value."""
    values: dict[str, Any] = {}
    for name, value in table.items():
        kind = type(getattr(TextRules(), name))
        if kind is tuple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: rules.{name} must be a list of texts, e.g. {name} = [\"…\"]")
            value = tuple(value)
        elif kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ConfigError(f"{where}: rules.{name} = {value!r} must be a whole number of 0 or more")
        elif kind is int:
            _in_range("rules", name, value, where)
        elif not isinstance(value, kind):
            wanted = "true or false" if kind is bool else "text"
            raise ConfigError(f"{where}: rules.{name} = {value!r} must be {wanted}")
        values[name] = value
    return TextRules(**values)


@dataclass(frozen=True)
class Market:
    """One marketplace in one country: everything xborder needs to price and list there."""

    key: str
    name: str
    platform: str
    country: str
    locale: str
    language: str
    currency: str
    unit_system: str
    dual_units: bool
    exports: tuple[str, ...]
    tax: TaxRule
    fees: Fees
    duty: Duty
    rounding: RoundingRule
    limits: ListingLimits
    rules: TextRules
    pricing: dict[str, Any]
    glossaries: tuple[str, ...] = ()
    notes: str = ""
    fulfilment: str = "direct"  # what a project gets when it does not choose: marketplace | direct
    # category referral schedule, fulfilment fee table by size tier (data/amazon_fees.toml + project)
    referral: dict[str, Any] = field(default_factory=dict)
    fba: dict[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    overridden: tuple[str, ...] = ()  # dotted keys the project's [markets.KEY] set ("fees.referral")
    shopify_market: str = ""  # the store's Shopify Market its per-market CSV columns are named after
    product_types: tuple[tuple[str, str], ...] = ()  # [markets.KEY.product_types]: SKU or category → Amazon type

    @property
    def store_market(self) -> str:
        """The Shopify Market name of this market: shopify_market, else the country's English name."""
        return self.shopify_market or babel.Locale("en").territories.get(self.country, self.country)

    def origin(self, dotted: str) -> str:
        """Where a market value came from: the project's [markets.KEY] table, else the preset."""
        if any(dotted == key or dotted.startswith(key + ".") or key.startswith(dotted + ".")
               for key in self.overridden):
            return f"xborder.toml [markets.{self.key}]"
        return f"preset {self.key} (xborder/data/markets.toml)"

    @cached_property  # read for every segment of every listing: babel parses the locale once
    def lang_tag(self) -> str:
        """BCP 47 tag of the listing language in this country ('en-GB', 'de-DE'), for glossaries."""
        locale = babel.Locale.parse(self.locale)
        return f"{self.language}-{locale.territory}" if locale.territory else self.language

    @cached_property
    def minor_digits(self) -> int:
        """Decimals the currency uses in prices (JPY 0, USD 2), from CLDR."""
        return babel.numbers.get_currency_precision(self.currency)


MARKET_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_REQUIRED = ("name", "platform", "country", "locale", "language", "currency", "unit_system",
             "tax", "fees", "duty", "rounding", "limits", "rules")
_DECIMAL_KEYS = {"tax": ("rate",), "fees": ("referral", "payment", "fixed", "minimum"), "duty": ("per_item",)}


def preset_keys() -> list[str]:
    """The keys of the built-in market presets."""
    return list(data.load("markets.toml")["markets"])


def load_markets(overrides: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Built-in market records deep-merged with a project's [markets.KEY] tables (raw dicts).

    A new market either names `base = "amazon-us"` to start from a preset or gives every setting.
    """
    merged: dict[str, dict[str, Any]] = copy.deepcopy(data.load("markets.toml")["markets"])
    for key, table in (overrides or {}).items():
        if not MARKET_KEY.fullmatch(str(key)):
            raise ConfigError(f"xborder.toml [markets.{key}]: a market key is lower-case letters, digits and dashes "
                              "(it names output files), such as my-store-eu")
        if not isinstance(table, dict):
            raise ConfigError(f"xborder.toml [markets.{key}] must be a table")
        table = dict(table)
        base = table.pop("base", None)
        if base is not None:
            if base not in merged:
                raise ConfigError(f"xborder.toml [markets.{key}] base = '{base}' is not a market; "
                                  f"known: {', '.join(merged)}")
            start = copy.deepcopy(merged[base])
            start.setdefault("fee_data", base)
        else:
            start = merged.get(key, {})
        merged[key] = _deep_merge(start, table)
        merged[key]["overridden"] = sorted(set(merged[key].get("overridden", [])) | set(_dotted(table)))
    return merged


def _dotted(table: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        out += _dotted(value, name + ".") if isinstance(value, dict) else [name]
    return out


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def build_market(key: str, record: dict[str, Any], where: str = "") -> Market:
    """Check one merged market record and turn it into a Market; ConfigError names the bad value (`where`: the
    file and table it was set in; by default the market)."""
    where = where or f"market {key}"
    missing = [name for name in _REQUIRED if name not in record]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}; start a new market from a preset "
                          f"with base = \"amazon-us\" in [markets.{key}]")
    known = data.load("markets.toml")["markets"]["amazon-us"]  # every preset has every key (see the file's header)
    extra = set(record) - set(known) - {"glossary", "referral", "fba", "pricing", "fee_data", "overridden", "notes",
                                        "sources", "shopify_market", "product_types"}
    if extra:
        raise ConfigError(f"{where}: [markets.{key}] has no setting '{sorted(extra)[0]}' (prices go under "
                          f"[markets.{key}.pricing]); known: {', '.join(sorted(set(known) | {'glossary', 'pricing'}))}")
    for section in ("limits", "rules", "tax", "fees", "duty", "rounding"):
        if not isinstance(record[section], dict):
            raise ConfigError(f"{where}: [{section}] must be a table")
        extra = set(record[section]) - set(known[section]) - ({"chapters"} if section == "duty" else set())
        if extra:
            raise ConfigError(f"{where}: [markets.{key}.{section}] has no setting '{sorted(extra)[0]}'; known: "
                              f"{', '.join(sorted(known[section]))}")
    currency = str(record["currency"]).upper()
    if currency not in babel.numbers.list_currencies():
        raise ConfigError(f"{where}: '{record['currency']}' is not an ISO 4217 currency code (e.g. USD, EUR, JPY)")
    try:
        babel.Locale.parse(record["locale"])
    except (ValueError, babel.UnknownLocaleError):
        raise ConfigError(f"{where}: '{record['locale']}' is not a locale (e.g. en_US, de_DE, ja_JP)") from None
    numbers = {section: {name: decimal_setting(record[section].get(name, "0"), f"{where}: {section}.{name}")
                         for name in names} for section, names in _DECIMAL_KEYS.items()}
    for section in ("tax", "fees", "duty"):
        for name, value in numbers[section].items():
            if value < 0 or (name not in ("fixed", "per_item", "minimum") and value >= 1):
                raise ConfigError(f"{where}: {section}.{name} = {record[section].get(name)} is out of range; "
                                  "rates are fractions such as \"0.15\" for 15%")
    base = str(record["fees"].get("base", "net"))
    if base not in ("net", "gross"):
        raise ConfigError(f'{where}: fees.base must be "net" or "gross" (charged on the price with tax), '
                          f"not '{base}'")
    fees = Fees(**numbers["fees"], base=base)
    if fees.percent >= 1:
        raise ConfigError(f"{where}: referral and payment fees add up to {fees.percent:%} of the price")
    precision = babel.numbers.get_currency_precision(currency)
    market = Market(
        key=key, name=str(record["name"]), platform=str(record["platform"]), country=str(record["country"]),
        locale=str(record["locale"]), language=str(record["language"]), currency=currency,
        unit_system=str(record["unit_system"]), dual_units=bool(record.get("dual_units", False)),
        exports=tuple(record.get("exports", ["json"])),
        tax=TaxRule(str(record["tax"].get("name", "tax")), numbers["tax"]["rate"],
                    bool(record["tax"].get("included_in_price", False))),
        fees=fees, duty=_duty(where, record["duty"], numbers["duty"]["per_item"]),
        rounding=_rounding(where, record["rounding"], currency, precision),
        limits=listing_limits(record["limits"], where), rules=text_rules(record["rules"], where),
        pricing=dict(record.get("pricing", {})), notes=str(record.get("notes", "")),
        glossaries=tuple(record.get("glossary", ())),
        fulfilment=str(record.get("fulfilment", "direct")),
        referral=_fee_table("referral", key, record), fba=_fee_table("fba", key, record),
        sources=tuple(str(s) for s in record.get("sources", ())),
        overridden=tuple(record.get("overridden", ())),
        shopify_market=_shopify_market(where, record.get("shopify_market", "")),
        product_types=_product_types(where, key, record.get("product_types", {})),
    )
    if market.fulfilment not in ("marketplace", "direct"):
        raise ConfigError(f'{where}: fulfilment must be "marketplace" or "direct", not \'{market.fulfilment}\'')
    glossaries = record.get("glossary", [])
    if not isinstance(glossaries, list) or not all(isinstance(g, str) for g in glossaries):
        raise ConfigError(f'{where}: glossary must be a list of files such as ["de-terms.csv"]')
    if market.unit_system not in ("metric", "us"):
        raise ConfigError(f"{where}: unit_system must be \"metric\" or \"us\", not '{market.unit_system}'")
    return market


def _shopify_market(where: str, value: object) -> str:
    """shopify_market: a Shopify Market's name as the store shows it; a '/' would break the CSV's column names."""
    if not isinstance(value, str) or "/" in value:
        raise ConfigError(f'{where}: shopify_market must be the name of a Market in your Shopify admin, without '
                          f'"/", such as shopify_market = "United States"')
    return value.strip()


def _product_types(where: str, key: str, table: object) -> tuple[tuple[str, str], ...]:
    """[markets.KEY.product_types]: SKU or catalog category → Amazon product type (feed_product_type)."""
    if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
        raise ConfigError(f'{where}: [markets.{key}.product_types] maps a SKU or catalog category to an Amazon '
                          f'product type, such as "UM-88" = "UMBRELLA"')
    return tuple((str(name), value.strip()) for name, value in table.items())


def _duty(where: str, table: dict[str, Any], per_item: Decimal) -> Duty:
    """duty.rate ("" or absent: not set), duty.per_item, duty.chapters = { "61" = "0.12" }."""
    raw = table.get("rate", "")
    rate = None if raw in ("", None) else decimal_setting(raw, f"{where}: duty.rate")
    chapters = table.get("chapters", {})
    if not isinstance(chapters, dict):
        raise ConfigError(f'{where}: duty.chapters must be a table of HS code prefixes, e.g. {{ "61" = "0.12" }}')
    pairs = []
    for prefix, value in chapters.items():
        if not str(prefix).isdigit():
            raise ConfigError(f"{where}: duty.chapters '{prefix}' is not an HS code prefix (digits, e.g. \"6109\")")
        pairs.append((str(prefix), decimal_setting(value, f"{where}: duty.chapters.{prefix}")))
    for value in [rate] + [r for _, r in pairs]:
        if value is not None and not 0 <= value < 1:
            raise ConfigError(f"{where}: duty rate {value} is out of range; rates are fractions such as \"0.12\"")
    return Duty(rate, per_item, tuple(pairs))


def _fee_table(name: str, key: str, record: dict[str, Any]) -> dict[str, Any]:
    """A fee table of data/amazon_fees.toml for this market (or the preset it is based on), under the project's."""
    bundled = data.load("amazon_fees.toml").get(name, {}).get(record.get("fee_data") or key, {})
    own = record.get(name, {})
    if not isinstance(own, dict):
        raise ConfigError(f"[markets] {name} must be a table (see the README: category fees and fulfilment)")
    return _deep_merge(bundled, own) if own else copy.deepcopy(bundled)


def decimal_setting(value: object, what: str) -> Decimal:
    """A number from a market table (strings or numbers) as an exact Decimal; ConfigError names it."""
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{what} = '{value}' is not a number") from None
    if not number.is_finite() or abs(number) >= 10 ** 9:
        raise ConfigError(f"{what} = '{value}' is not a usable number")
    return number


def _rounding(where: str, table: dict[str, Any], currency: str, precision: int) -> RoundingRule:
    direction = table.get("direction", "up")
    if direction not in ("up", "nearest"):
        raise ConfigError(f"{where}: rounding.direction must be \"up\" or \"nearest\", not '{direction}'")
    raw_bands = table.get("bands") or []
    if not raw_bands:
        raise ConfigError(f"{where}: rounding needs at least one band, e.g. "
                          "bands = [{ step = \"1\", ending = \"0.99\" }]")
    bands, previous = [], None
    for number, band in enumerate(raw_bands, start=1):
        label = f"{where}: rounding band {number}"
        step = decimal_setting(band.get("step", ""), f"{label} step")
        ending = decimal_setting(band.get("ending", "0"), f"{label} ending")
        below = decimal_setting(band["below"], f"{label} below") if band.get("below") not in (None, "") else None
        if step <= 0:
            raise ConfigError(f"{label}: step {step} must be above 0")
        if not 0 <= ending < step:
            raise ConfigError(f"{label}: ending {ending} must be at least 0 and below the step {step}")
        for name, value in (("step", step), ("ending", ending)):
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > precision and \
                    value != value.quantize(Decimal(1).scaleb(-precision)):
                raise ConfigError(f"{label}: {name} {value} has more decimals than {currency} prices "
                                  f"({precision})")
        if below is not None and previous is not None and below <= previous:
            raise ConfigError(f"{label}: below = {below} must be above the band before it ({previous})")
        if below is None and number != len(raw_bands):
            raise ConfigError(f"{label}: only the last band may leave out `below`")
        bands.append(RoundingBand(below, step, ending))
        previous = below
    if bands[-1].below is not None:
        raise ConfigError(f"{where}: the last rounding band must leave out `below` so every price has a rule")
    return RoundingRule(direction, tuple(bands))


def check_overrides(overrides: dict[str, Any], path: object) -> None:
    """Every market a project file sets or changes ([markets.KEY]), checked when the file is loaded, used or not:
    a bad value (title_chars = -5) is a ConfigError naming the file and the key."""
    records = load_markets(overrides)
    for key in overrides:
        build_market(key, records[key], f"{path} [markets.{key}]")


def get_markets(keys: list[str], overrides: dict[str, Any] | None = None) -> list[Market]:
    """The named markets, checked; ConfigError for an unknown key."""
    records = load_markets(overrides)
    out = []
    for key in keys:
        if key not in records:
            raise ConfigError(f"unknown market '{key}'; known: {', '.join(records)} "
                              "(or define it in xborder.toml under [markets.NAME])")
        out.append(build_market(key, records[key]))
    return out
