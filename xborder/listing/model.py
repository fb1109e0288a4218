"""A listing: one product made ready for one market, field by field, with where each text came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from decimal import Decimal
from typing import Any

from xborder.catalog.model import Product, ProductImage
from xborder.listing.compliance import Compliance
from xborder.markets import Market
from xborder.pricing import Quote
from xborder.findings import Finding
from xborder.values import plain

SCHEMA_VERSION = 1

READY, HELD, PENDING = "ready", "held", "pending"
# what a seller reads for an error finding in a listing's status, by the start of its check's code; else the code
_REASONS = (("claim-", "claim"), ("source-claim-", "claim"), ("compliance-", "compliance"),
            ("upload-", "upload field"), ("bad-barcode", "upload field"), ("model-rejected", "model reply rejected"),
            ("untranslated", "text pending"))


def hold_reason(finding: Finding) -> str:
    """The short reason an error finding holds a listing for ('claim', 'price unconfirmed', 'length')."""
    if finding.field == "price":
        return "price unconfirmed"
    return next((reason for start, reason in _REASONS if finding.check.startswith(start)), finding.check)


@dataclass
class ListingField:
    """One field of a listing. `source` is the Chinese text it renders: the key a correction is stored under."""

    name: str
    text: str
    source: str
    provenance: str
    findings: list[Finding] = field(default_factory=list)
    qa_source: str = ""  # what the glossary and number checks compare with, when not all of `source` is used
    whole_source: bool = True  # False: written from the whole product (a model's bullet), checked listing-wide

    @property
    def pending(self) -> bool:
        return self.provenance == "pending"

    @property
    def draft(self) -> bool:
        return self.provenance == "draft"

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source, "provenance": self.provenance,
                "findings": [f.to_json() for f in self.findings]}


@dataclass
class Variant:
    """One buyable combination of options."""

    sku: str
    options: list[tuple[str, str]]  # (localized option name, localized value)
    source_options: list[tuple[str, str]]
    price: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "options": {name: value for name, value in self.options},
                "source_options": {name: value for name, value in self.source_options}, "price": plain(self.price)}


@dataclass(frozen=True)
class ListingImage:
    """One picture of a listing: the file a build writes an embedded picture to, and the web address the upload
    files give it ([project] image_base_url + the file, or the catalog's own URL)."""

    image: ProductImage
    file: str | None  # 'images/HF-1-1.jpg', relative to the output folder; None for a URL from the catalog
    url: str | None  # None: an embedded picture while [project] image_base_url is not set

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "url": self.url, "width": self.image.width, "height": self.image.height,
                "source": self.image.source}


@dataclass
class Listing:
    """Everything a marketplace upload or a reviewer needs for one product in one market."""

    product: Product
    market: Market
    quote: Quote
    fields: list[ListingField]
    attributes: list[tuple[str, str]]
    variants: list[Variant]
    handle: str
    category: str = ""
    findings: list[Finding] = field(default_factory=list)  # about the listing as a whole (price bounds …)
    pending_segments: list[str] = field(default_factory=list)  # text it shows still in the source language
    compliance: Compliance = field(default_factory=Compliance)  # the product's kinds and the market's checklist
    images: list[ListingImage] = field(default_factory=list)  # the product's pictures, in order

    def get(self, name: str) -> ListingField | None:
        return next((f for f in self.fields if f.name == name), None)

    def text(self, name: str) -> str:
        found = self.get(name)
        return found.text if found else ""

    @property
    def bullets(self) -> list[ListingField]:
        return [f for f in self.fields if f.name.startswith("bullet_")]

    @property
    def all_findings(self) -> list[Finding]:
        return [f for fld in self.fields for f in fld.findings] + self.findings

    @property
    def pending(self) -> bool:
        """Whether any text of the listing (a field, an attribute, an option) is still untranslated."""
        return bool(self.pending_segments) or any(f.pending for f in self.fields)

    @property
    def draft(self) -> bool:
        """Whether a field shows glossary terms joined in the catalog's word order: to review, not complete."""
        return any(f.draft for f in self.fields)

    @property
    def complete(self) -> bool:
        return not self.pending and not self.draft

    @property
    def hold_reasons(self) -> list[str]:
        """Why the listing may not go into a marketplace's upload file, most telling first; [] when it may."""
        reasons = (["text pending"] if self.pending else []) + (["draft to review"] if self.draft else [])
        if not self.quote.confirmed:
            reasons.append("price unconfirmed")
        reasons += [hold_reason(f) for f in self.all_findings if f.severity == "error"]
        return list(dict.fromkeys(reasons))

    @property
    def status(self) -> str:
        """'ready' (no error, nothing pending or to review, price confirmed), 'pending' (text still to translate)
        or 'held' (see hold_reasons)."""
        if self.pending:
            return PENDING
        return HELD if self.hold_reasons else READY

    @property
    def ready(self) -> bool:
        return self.status == READY

    def to_json(self) -> dict[str, Any]:
        """The per-market JSON export's record for this product (schema documented in the README)."""
        return {
            "sku": self.product.sku,
            "handle": self.handle,
            # the file's name, not the path as typed: building from another folder gives the same bytes
            "source_row": {"file": Path(self.product.file).name, "sheet": self.product.sheet, "row": self.product.row},
            "language": self.market.language,
            "title": self.text("title"),
            "bullets": [f.text for f in self.bullets],
            "description": self.text("description"),
            "keywords": self.text("keywords"),
            "tags": [t for t in self.text("tags").split(", ") if t],
            "category": self.category,
            "attributes": [{"name": k, "value": v} for k, v in self.attributes],
            "price": {"amount": plain(self.quote.price), "currency": self.quote.currency,
                      "formatted": self.quote.formatted, "tax_included": self.quote.tax_included},
            "variants": [v.to_json() for v in self.variants],
            "fields": {f.name: f.to_json() for f in self.fields},
            "findings": [f.to_json() for f in self.findings],
            "pending": self.pending,
            "draft": self.draft,
            "status": self.status,
            "hold_reasons": self.hold_reasons,
            "compliance": self.compliance.to_json(),
            "images": [image.to_json() for image in self.images],
        }

    @property
    def image_urls(self) -> list[str]:
        """The web addresses of the listing's pictures, in order: what the upload files name."""
        return [image.url for image in self.images if image.url]
