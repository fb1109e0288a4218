"""Settings objects the core takes; xborder.config fills them from xborder.toml."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from xborder.catalog.options import ReadLimits
from xborder.errors import ConfigError


def read_limits(table: dict[str, Any], where: str = "[limits]") -> ReadLimits:
    """Check a [limits] table: whole numbers above 0, known names only."""
    known = {f.name for f in fields(ReadLimits)}
    changes = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where} has no setting '{key}'; known: {', '.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{where} {key} must be a whole number above 0, e.g. {key} = "
                              f"{getattr(ReadLimits(), key)}")
        changes[key] = value
    return replace(ReadLimits(), **changes)


@dataclass(frozen=True)
class Seller:
    """Who sells and makes the goods ([project] brand, manufacturer, certifications and [compliance]):
    what a catalog row leaves empty, and what marketplaces and regulators ask of the seller."""

    brand: str = ""
    manufacturer: str = ""
    manufacturer_address: str = ""  # [compliance]: postal and electronic address of [project] manufacturer
    # held for every product: "organic-eu", "CE", "FCC" … ([project] certifications and [compliance] declarations)
    certifications: tuple[str, ...] = ()
    eu_responsible_person: str = ""  # GPSR (EU) 2023/988 Art. 16: name and address of the economic operator in the EU
    uk_responsible_person: str = ""

    def fill(self, product) -> None:
        """Give a catalog row the seller's brand and manufacturer where its cells are empty, and the
        seller's certifications on top of its own."""
        if not product.brand and self.brand:
            product.brand = self.brand
        if not product.manufacturer and self.manufacturer:
            product.manufacturer = self.manufacturer
        if not product.manufacturer_address and self.manufacturer_address and product.manufacturer == self.manufacturer:
            product.manufacturer_address = self.manufacturer_address
        if self.certifications:
            product.certifications = list(dict.fromkeys([*product.certifications, *self.certifications]))


FULFILMENT_MODES = ("marketplace", "direct")
_TEXT_KEYS = {"margin_basis", "freight_currency", "fulfilment", "freight_method", "origin"}
_TABLE_KEYS = {"weights", "fee_category", "tax_class"}  # key (SKU or catalog category) → value
_OPTIONAL_KEYS = {"fulfilment_fee", "volumetric_divisor"}


@dataclass(frozen=True)
class PricingSettings:
    """[pricing] of xborder.toml, optionally overridden per market by [markets.KEY.pricing]."""

    margin: Decimal = Decimal("0.30")
    margin_basis: str = "price"  # "price": margin on the pre-tax price; "cost": markup on landed cost
    freight_per_kg: Decimal = Decimal(0)
    freight_per_unit: Decimal = Decimal(0)
    freight_currency: str = "CNY"
    freight_method: str = "air_cargo"  # data/freight.toml: how volumetric weight is counted
    volumetric_divisor: Decimal | None = None  # cm³ per kg; overrides the freight method's
    fulfilment: str = ""  # "marketplace" (bulk to the marketplace's warehouse) | "direct" (parcels); "": market's
    fulfilment_fee: Decimal | None = None  # per unit, in the market's currency, when no fee table applies
    origin: str = "CN"  # where the goods are made: duty applies when the market is elsewhere
    fx_buffer: Decimal = Decimal(0)  # a share added to the exchange rate of the cost against currency moves
    fx_max_age_days: Decimal = Decimal(30)  # older unpinned rates get a finding; 0 = never
    max_markup: Decimal = Decimal(15)  # a price above this many times landed cost gets a finding
    weights: tuple[tuple[str, Decimal], ...] = ()  # [pricing.weights]: SKU or category → kg per unit
    fee_category: tuple[tuple[str, str], ...] = ()  # [pricing.fee_category]: SKU or category → referral category
    tax_class: tuple[tuple[str, str], ...] = ()  # [pricing.tax_class]: SKU or category → food | books | …
    set_by: tuple[tuple[str, str], ...] = ()  # setting → the table that set it ("[pricing]"), for explanations

    def source_of(self, name: str) -> str:
        """Where a setting's value came from: the table that set it last, else xborder's default."""
        return next((where for key, where in reversed(self.set_by) if key == name), "xborder default")

    def check(self, where: str = "[pricing]") -> None:
        if self.margin_basis not in ("price", "cost"):
            raise ConfigError(f"{where} margin_basis must be \"price\" or \"cost\", not '{self.margin_basis}'")
        if self.fulfilment and self.fulfilment not in FULFILMENT_MODES:
            raise ConfigError(f"{where} fulfilment must be \"marketplace\" or \"direct\", not '{self.fulfilment}'")
        for name in ("fx_buffer", "fx_max_age_days", "max_markup"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{where} {name} cannot be negative")
        if self.fx_buffer >= 1:
            raise ConfigError(f"{where} fx_buffer {self.fx_buffer} must be a share below 1, such as \"0.03\" or \"3%\"")
        if self.volumetric_divisor is not None and self.volumetric_divisor <= 0:
            raise ConfigError(f"{where} volumetric_divisor must be above 0 (cm³ per kg, e.g. 6000)")
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


def pricing_settings(table: dict[str, Any], base: PricingSettings | None = None,
                     where: str = "[pricing]") -> PricingSettings:
    """Parse a [pricing] table (money and rates as strings or numbers) onto base."""
    base = base or PricingSettings()
    known = {f.name for f in fields(PricingSettings)}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where} has no setting '{key}'; known: {', '.join(sorted(known))}")
        if key in _TEXT_KEYS:
            if not isinstance(value, str):
                raise ConfigError(f'{where} {key} must be text, e.g. {key} = "{getattr(base, key)}"')
            changes[key] = value.upper() if key in ("freight_currency", "origin") else value.lower()
            continue
        if key in _TABLE_KEYS:
            changes[key] = _table(key, value, where)
            continue
        if key in _OPTIONAL_KEYS and value in ("", None):
            changes[key] = None
            continue
        number = _number(key, value, where)
        if key in ("margin", "fx_buffer") and isinstance(value, str) and value.strip().endswith("%"):
            number /= 100
        changes[key] = number
    label = where.rsplit(": ", 1)[-1]
    settings = replace(base, **changes, set_by=base.set_by + tuple((key, label) for key in changes))
    settings.check(where)
    return settings


def _number(key: str, value: object, where: str) -> Decimal:
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ConfigError(f"{where} {key} = '{value}' is not a number") from None
    if not number.is_finite() or abs(number) >= 10 ** 9:
        raise ConfigError(f"{where} {key} = '{value}' is not a usable number")
    return number


def _table(key: str, value: object, where: str) -> tuple[tuple[str, Decimal | str], ...]:
    """[pricing.weights] (SKU or category → '0.5kg') and the SKU/category → name tables."""
    if not isinstance(value, dict):
        raise ConfigError(f'{where}.{key} must be a table such as [pricing.{key}] "UM-88" = "…"')
    out: list[tuple[str, Decimal | str]] = []
    for name, item in value.items():
        if key == "weights":
            from xborder.catalog.cells import CellError, parse_weight

            try:
                weight = parse_weight(item)
            except CellError as error:
                raise ConfigError(f"{where}.weights {name}: {error}") from None
            kg = weight.in_kg()
            if kg is None or kg <= 0:
                raise ConfigError(f"{where}.weights {name}: give a weight above 0, such as \"0.5kg\"")
            out.append((str(name), kg))
        elif not isinstance(item, str):
            raise ConfigError(f'{where}.{key} {name} must be text, such as "food"')
        else:
            out.append((str(name), item.strip().lower()))
    return tuple(out)


MODES = ("json_schema", "json_object", "prompted")  # best first; the first the endpoint accepts is kept


@dataclass(frozen=True)
class ModelSettings:
    """[model] of xborder.toml: which model, and how hard to push the endpoint."""

    name: str = ""
    base_url: str = ""  # used when OPENAI_BASE_URL is not set
    temperature: float = 0.3
    concurrency: int = 4
    timeout: float = 120.0  # seconds of silence: the longest wait for a reply's next token (first: the prompt's)
    request_deadline: float = 0.0  # hard cap, seconds for a whole request (send to last byte); 0: derived
    stream: bool = True  # replies streamed token by token (SSE): a slow model that keeps writing is not cut
    min_tokens_per_second: float = 2.0  # the slowest writing a streamed reply is given time for (default deadline)
    retries: int = 4  # further attempts after a transient failure (429, 5xx, timeout, dropped connection)
    retry_wait: float = 1.0  # first backoff in seconds; doubles with jitter up to max_wait
    max_wait: float = 60.0  # the longest any one wait lasts, whatever a Retry-After asks
    give_up_after: float = 30.0  # seconds of nothing but refusals or failures after which the run stops asking
    max_output_tokens: int = 4096
    structured_output: str = ""  # json_schema | json_object | prompted; "": found on a run's first request
    requests_per_minute: int = 0  # the provider's rate limits, if known; requests are paced under them (0: none)
    tokens_per_minute: int = 0
    retry_rejected: int = 0  # automatic retries of a rejected reply across runs, per cached listing or script

    @property
    def deadline(self) -> float:
        """Seconds one request may take in all, however steadily the endpoint keeps sending: request_deadline when
        set; else, streamed, the silences allowed (DEADLINE_TIMEOUTS × timeout) plus the time the longest answer
        (max_output_tokens) takes at min_tokens_per_second, so a slow local model that keeps writing finishes;
        not streamed, DEADLINE_TIMEOUTS × timeout."""
        if self.request_deadline:
            return self.request_deadline
        writing = self.max_output_tokens / self.min_tokens_per_second if self.stream else 0.0
        return min(DEADLINE_TIMEOUTS * self.timeout + writing, MAX_SECONDS)

    def check(self, where: str = "[model]") -> None:
        """Refuse settings no run can keep: a limit below one request, a wait that cannot end, a timeout of 0."""
        if self.structured_output not in ("", *MODES):
            raise ConfigError(f"{where} structured_output = '{self.structured_output}' is not one of "
                              f"{', '.join(MODES)}; leave it out to find out on the first request (`xborder doctor` "
                              "says which one the endpoint takes)")
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise ConfigError(f"{where} concurrency = {self.concurrency} must be from 1 to {MAX_CONCURRENCY} "
                              "(requests in flight at once)")
        if self.max_output_tokens < 1:
            raise ConfigError(f"{where} max_output_tokens must be above 0")
        if self.retries < 0:
            raise ConfigError(f"{where} retries = {self.retries} cannot be negative")
        if not 0 <= self.retry_rejected <= MAX_RETRIES:
            raise ConfigError(f"{where} retry_rejected = {self.retry_rejected} must be from 0 to {MAX_RETRIES}")
        if self.temperature > 2:
            raise ConfigError(f"{where} temperature {self.temperature} is above 2")
        for key in SECONDS:
            value = getattr(self, key)
            if value > MAX_SECONDS:
                raise ConfigError(f"{where} {key} = {value:g} s is more than a day; give seconds, e.g. "
                                  f"{key} = {getattr(ModelSettings(), key) or 300:g}")
        if self.timeout <= 0:
            raise ConfigError(f"{where} timeout must be above 0 (seconds a reply may stay silent), e.g. timeout = 120")
        if self.give_up_after <= 0:
            raise ConfigError(f"{where} give_up_after must be above 0 (seconds of refusals before the run stops "
                              "asking), e.g. give_up_after = 30")
        if self.request_deadline and self.request_deadline < self.timeout:
            raise ConfigError(f"{where} request_deadline = {self.request_deadline:g} s is shorter than timeout = "
                              f"{self.timeout:g} s: the deadline is for the whole request, the timeout for each "
                              "silence within it; raise request_deadline or lower timeout")
        if self.min_tokens_per_second <= 0:
            raise ConfigError(f"{where} min_tokens_per_second must be above 0 (the slowest writing a reply is given "
                              "time for), e.g. min_tokens_per_second = 2")
        if self.max_wait < self.retry_wait:
            raise ConfigError(f"{where} max_wait = {self.max_wait:g} s is shorter than retry_wait = "
                              f"{self.retry_wait:g} s, the first wait; raise max_wait or lower retry_wait")
        least = SMALLEST_PROMPT + self.max_output_tokens
        if self.tokens_per_minute and self.tokens_per_minute < least:
            raise ConfigError(f"{where} tokens_per_minute = {self.tokens_per_minute} is less than one request takes "
                              f"(about {SMALLEST_PROMPT:,} tokens of prompt and up to max_output_tokens = "
                              f"{self.max_output_tokens} of answer, {least:,} in all): give your provider's limit, "
                              "or lower max_output_tokens")


DEADLINE_TIMEOUTS = 2  # a request's deadline when none is set: this many times its timeout
MAX_CONCURRENCY = 256
MAX_SECONDS = 86_400.0  # no wait or timeout is longer than a day (a longer one is a mistake, and sleep() refuses some)
SECONDS = ("timeout", "request_deadline", "retry_wait", "max_wait", "give_up_after")
TYPICAL_LISTING_TOKENS = 600  # about the answer of one listing (title, bullets, description, keywords, translations)
# tokens of a prompt at the least: the instructions and one market's brief come to some 1,400 before any product
SMALLEST_PROMPT = 1_000


MAX_RETRIES = 20  # further attempts per request: past that an endpoint is down, not busy
LIMITS = ("requests_per_minute", "tokens_per_minute")  # left out for no limit; when given, a whole number above 0


def model_settings(table: dict[str, Any], where: str = "[model]", base: ModelSettings | None = None) -> ModelSettings:
    """Check a [model] table (and command-line overrides) and return the settings."""
    base = base or ModelSettings()
    known = {f.name: f.type for f in fields(ModelSettings)}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where} has no setting '{key}'; known: {', '.join(sorted(known))}")
        kind = type(getattr(base, key))
        if kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{where} {key} must be true or false, e.g. "
                                  f"{key} = {str(getattr(base, key)).lower()}")
            changes[key] = value
            continue
        if kind is str:
            if not isinstance(value, str):
                raise ConfigError(f'{where} {key} must be text, e.g. {key} = "…"')
            changes[key] = value
            continue
        try:
            number = kind(value)
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{where} {key} = '{value}' is not a number") from None
        if key in LIMITS and (isinstance(value, bool) or number < 1 or number != float(value)):
            raise ConfigError(f"{where} {key} = '{value}' must be a whole number above 0 (your provider's limit); "
                              "leave it out for no limit")
        if key == "retry_rejected" and (isinstance(value, bool) or number < 0 or number != float(value)):
            raise ConfigError(f"{where} {key} = '{value}' must be a whole number of 0 or more: how many times a "
                              "reply that was rejected is asked again automatically on later runs (default 0)")
        if isinstance(value, bool) or not number == number or number < 0 or number == float("inf"):
            raise ConfigError(f"{where} {key} = '{value}' must be a number of 0 or more")
        if kind is int and number != float(value):
            raise ConfigError(f"{where} {key} = '{value}' must be a whole number")
        if key == "request_deadline" and number <= 0:
            raise ConfigError(f"{where} request_deadline must be above 0 (seconds for a whole request); leave it "
                              "out for one derived from timeout, max_output_tokens and min_tokens_per_second")
        changes[key] = number
    settings = replace(base, **changes)
    settings.check(where)
    return settings


HOSTS = ("female", "male", "neutral")
FORMALITY = ("formal", "casual")


@dataclass(frozen=True)
class HostProfile:
    """[scripts] of xborder.toml: who hosts the live stream. `host` drives Thai sentence particles (ค่ะ for a female
    host, ครับ for a male one, none for neutral); "" keeps the phrase bank's ค่ะ/ครับ for the host to choose."""

    host: str = ""
    name: str = ""
    formality: str = ""  # formal | casual; "" keeps the phrase bank's register (Japanese polite, Spanish tú)


def host_profile(table: dict[str, Any], where: str = "[scripts]") -> HostProfile:
    """Check a [scripts] table: host one of HOSTS, name text, formality one of FORMALITY."""
    known = {"host", "name", "formality"}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where} has no setting '{key}'; known: {', '.join(sorted(known))}")
        if not isinstance(value, str):
            raise ConfigError(f'{where} {key} must be text, e.g. host = "female"')
    host = table.get("host", "")
    if host and host not in HOSTS:
        raise ConfigError(f"{where} host = '{host}' is not one of {', '.join(HOSTS)}")
    formality = table.get("formality", "")
    if formality and formality not in FORMALITY:
        raise ConfigError(f"{where} formality = '{formality}' is not one of {', '.join(FORMALITY)}")
    return HostProfile(host, table.get("name", "").strip(), formality)
