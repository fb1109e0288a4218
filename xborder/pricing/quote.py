"""From factory cost to a local shelf price: landed cost, fees, margin, tax, rounding."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from xborder.catalog.model import Product
from xborder.errors import XborderError
from xborder.markets import Market
from xborder.pricing.fx import FxRate, FxTable
from xborder.pricing.money_format import format_money, format_rate
from xborder.pricing.rounding import round_price
from xborder.settings import PricingSettings
from xborder.values import Money, Quantity, plain



class PricingError(XborderError):
    """The settings cannot produce a price (margin plus fees of 100% or more, …)."""


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
    weight_kg: Decimal | None
    duty: Decimal
    duty_rate: Decimal
    duty_per_item: Decimal
    landed: Decimal
    fixed_fees: Decimal
    fee_rate: Decimal
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
    fees: Decimal
    tax: Decimal
    profit: Decimal
    margin: Decimal
    settings: PricingSettings
    findings: tuple[str, ...] = field(default=())

    @property
    def formatted(self) -> str:
        return format_money(self.price, self.currency, self.locale)

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.currency, self.locale)

    def breakdown(self) -> list[tuple[str, str, Decimal | None]]:
        """The calculation as (step, how, amount in market currency) rows, top to bottom."""
        s = self.settings
        pct = format_rate
        weight = f"{plain(self.weight_kg)} kg" if self.weight_kg is not None else "no weight"
        freight_how = f"{weight} × {plain(s.freight_per_kg)} {s.freight_currency}/kg + " \
                      f"{plain(s.freight_per_unit)} {s.freight_currency}/unit"
        margin_how = (f"÷ (1 − fees {pct(self.fee_rate)} − margin {pct(self.margin_target)})"
                      if self.margin_basis == "price" else
                      f"landed × (1 + markup {pct(self.margin_target)}) ÷ (1 − fees {pct(self.fee_rate)})")
        rows: list[tuple[str, str, Decimal | None]] = [
            ("factory cost", f"{self.cost_source} × {plain(self.fx.rate)} ({self.fx.base}→{self.fx.quote}, "
                             f"{self.fx.date})", self.cost),
            ("+ freight", freight_how, self.freight),
            ("+ duty", f"{pct(self.duty_rate)} of cost + {self.money(self.duty_per_item)} per item", self.duty),
            ("= landed cost", "", self.landed),
            ("+ fixed fees", "per order", self.fixed_fees),
            ("= price before " + self.tax_name, margin_how, self.before_tax),
        ]
        if self.tax_included:
            rows.append((f"+ {self.tax_name} {pct(self.tax_rate)}", "shown prices include it",
                         self.unrounded - self.before_tax))
            rows.append((f"= price with {self.tax_name}", "", self.unrounded))
        rows += [
            ("→ rounded", "the market's price ending; never below break-even", self.price),
            ("  break-even", "the lowest price that covers landed cost and fees", self.break_even),
            ("  fees at this price", f"{pct(self.fee_rate)} of {self.money(self.net_price)} + fixed", self.fees),
        ]
        if self.tax_included:
            rows.append((f"  {self.tax_name} at this price", "", self.tax))
        basis = "of the price before tax" if self.margin_basis == "price" else "on landed cost"
        rows.append(("  profit", f"{pct(self.margin)} {basis}",
                     self.profit))
        return rows

    def to_json(self) -> dict:
        """Amounts as exact decimal strings; intermediate amounts to 4 decimals."""
        def q(x: Decimal) -> str:
            return plain(x.quantize(Decimal("0.0001")))

        return {
            "sku": self.sku, "name": self.name, "market": self.market, "currency": self.currency,
            "price": plain(self.price), "formatted": self.formatted,
            "cost": self.cost_source.to_json(), "cost_converted": q(self.cost),
            "freight": q(self.freight), "duty": q(self.duty), "landed_cost": q(self.landed),
            "fees": q(self.fees), "fee_rate": plain(self.fee_rate), "fixed_fees": plain(self.fixed_fees),
            "tax": {"name": self.tax_name, "rate": plain(self.tax_rate), "included": self.tax_included,
                    "amount": q(self.tax)},
            "price_before_tax": q(self.net_price), "unrounded_price": q(self.unrounded),
            "break_even": q(self.break_even), "profit": q(self.profit),
            "margin": {"target": plain(self.margin_target), "basis": self.margin_basis,
                       "actual": plain(self.margin.quantize(Decimal("0.0001")))},
            "fx": self.fx.to_json(),
            **({"freight_fx": self.freight_fx.to_json()} if self.freight_fx != self.fx else {}),
            "findings": list(self.findings),
        }


def weight_in_kg(weight: Quantity | None) -> Decimal | None:
    """A product weight in kg, or None when absent or in an unknown unit."""
    return weight.in_kg() if weight is not None else None


def quote_price(product: Product, market: Market, settings: PricingSettings, fx: FxTable,
                factory_cost: Money | None = None) -> Quote:
    """Price one product (or, with factory_cost, one of its variants) for one market.
    Pure: the same inputs and FX date give the same quote."""
    settings = settings.for_market(market)
    settings.check()
    findings: list[str] = []
    factory_cost = factory_cost or product.cost
    cost_fx = fx.rate(factory_cost.currency, market.currency)
    freight_fx = fx.rate(settings.freight_currency, market.currency)
    cost = factory_cost.amount * cost_fx.rate

    weight = weight_in_kg(product.gross_weight) or weight_in_kg(product.net_weight)
    if weight is None and settings.freight_per_kg:
        findings.append("no weight in the catalog: freight per kg left out; add 毛重/gross weight")
    freight = ((weight or 0) * settings.freight_per_kg + settings.freight_per_unit) * freight_fx.rate
    duty = cost * market.duty.rate + market.duty.per_item
    landed = cost + freight + duty

    fee_rate = market.fees.percent
    fixed = market.fees.fixed
    tax_factor = 1 + market.tax.rate if market.tax.included_in_price else Decimal(1)
    if settings.margin_basis == "price":
        share = 1 - fee_rate - settings.margin
        if share <= 0:
            raise PricingError(
                f"market {market.key}: margin {format_rate(settings.margin)} plus fees {format_rate(fee_rate)} "
                "reach 100% of the price; lower the margin")
        before_tax = (landed + fixed) / share
    else:
        before_tax = (landed * (1 + settings.margin) + fixed) / (1 - fee_rate)
    break_even = (landed + fixed) / (1 - fee_rate) * tax_factor
    unrounded = before_tax * tax_factor
    price = round_price(unrounded, market.rounding, break_even, market.minor_digits)

    net = price / tax_factor
    fees = net * fee_rate + fixed
    profit = net - fees - landed
    margin = profit / net if settings.margin_basis == "price" else (profit / landed if landed else Decimal(0))
    findings.extend(_bounds(market, price))
    return Quote(
        sku=product.sku, name=product.name, market=market.key, currency=market.currency, locale=market.locale,
        fx=cost_fx, freight_fx=freight_fx, cost_source=factory_cost, cost=cost, freight=freight,
        weight_kg=weight, duty=duty, duty_rate=market.duty.rate, duty_per_item=market.duty.per_item,
        landed=landed, fixed_fees=fixed, fee_rate=fee_rate,
        margin_target=settings.margin, margin_basis=settings.margin_basis, tax_name=market.tax.name,
        tax_rate=market.tax.rate, tax_included=market.tax.included_in_price, before_tax=before_tax,
        unrounded=unrounded, break_even=break_even, price=price, net_price=net, fees=fees,
        tax=price - net, profit=profit, margin=margin, settings=settings, findings=tuple(findings))


def _bounds(market: Market, price: Decimal) -> list[str]:
    """Findings for a price outside what the platform accepts (TikTok US: 0.01–7,600 USD)."""
    out = []
    low, high = market.limits.get("price_min") or "", market.limits.get("price_max") or ""
    if low and price < Decimal(str(low)):
        out.append(f"{market.name} accepts prices from {format_money(Decimal(str(low)), market.currency, market.locale)}")
    if high and price > Decimal(str(high)):
        shown = format_money(Decimal(str(high)), market.currency, market.locale)
        out.append(f"{market.name} accepts prices up to {shown}")
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
