"""Pricing: FX rates, the cost-plus formula, price endings and locale formatting."""

from xborder.pricing.fx import FxRate, FxTable, RateMissingError
from xborder.pricing.quote import PricingError, PricingSettings, Quote, quote_catalog, quote_price

__all__ = ["FxRate", "FxTable", "PricingError", "PricingSettings", "Quote", "RateMissingError", "quote_catalog",
           "quote_price"]
