"""`xborder init`: a commented project file, written from the choices a seller makes and from what their catalog has
and lacks, so the first build fails on nothing the file could have said."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from xborder.catalog.model import Catalog
from xborder.config import load_config
from xborder.errors import ConfigError
from xborder.files import write_text
from xborder.listing.compliance import compliance_data
from xborder.markets import load_markets, preset_keys

FULFILMENT = ("direct", "marketplace")


@dataclass(frozen=True)
class StarterChoices:
    """What the seller chose (or xborder assumed) for the first project file."""

    markets: tuple[str, ...] = ("amazon-us",)
    brand: str = ""
    manufacturer: str = ""
    fulfilment: str = "direct"
    freight_per_kg: Decimal | None = None
    freight_currency: str = "CNY"
    margin: Decimal = Decimal("0.30")
    currency: str = "CNY"

    def check(self) -> None:
        """Refuse what a build would refuse, before anything is written."""
        known = set(load_markets())
        unknown = [m for m in self.markets if m not in known]
        if unknown or not self.markets:
            raise ConfigError(f"unknown market {', '.join(unknown) or '(none)'}: "
                              f"choose from {', '.join(preset_keys())}")
        if self.fulfilment not in FULFILMENT:
            raise ConfigError(f"fulfilment must be one of {', '.join(FULFILMENT)}, not '{self.fulfilment}'")
        if not Decimal(0) <= self.margin < 1:
            raise ConfigError(f"margin {self.margin} must be a share of the price from 0 to below 1 (0.30 = 30%)")
        if self.freight_per_kg is not None and self.freight_per_kg < 0:
            raise ConfigError(f"freight per kg {self.freight_per_kg} cannot be negative")


def decimal_choice(text: str, what: str) -> Decimal:
    """A number the seller typed ('38', '0.3', '30%') as a Decimal; a percentage becomes a share."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = Decimal(cleaned.rstrip("%"))
    except InvalidOperation:
        raise ConfigError(f"{what} '{text}' is not a number") from None
    return value / 100 if cleaned.endswith("%") else value


@dataclass(frozen=True)
class CatalogSurvey:
    """What a catalog gives and what a first build will miss, in the words of the project file's comments."""

    file: str
    sheet: str
    products: int
    columns: tuple[str, ...]  # '品名 (B) → name'
    unmapped: tuple[str, ...]  # headers kept as attributes or ignored
    fill_first: tuple[str, ...]  # one line per gap, with the key that closes it
    no_weight: tuple[str, ...]  # SKUs without a unit weight
    rows_left_out: int
    has_brand: bool
    has_manufacturer: bool


def survey_catalog(catalog: Catalog) -> CatalogSurvey:
    """What the first build will lack: weights, brand, manufacturer, units per carton, HS codes."""
    products = catalog.products
    fields = {c.field for c in catalog.columns if c.field}
    no_weight = tuple(p.sku for p in products if p.gross_weight is None and p.net_weight is None)
    carton_gaps = [p.sku for p in products if p.weight_issue is not None]
    has_brand = any(p.brand for p in products)
    has_manufacturer = any(p.manufacturer for p in products)
    gaps: list[str] = []
    if not has_brand:
        gaps.append("brand: the catalog has no 品牌 column; Amazon and most upload sheets need one ([project] brand)")
    if no_weight:
        gaps.append(f"weights: {len(no_weight)} of {len(products)} products have none, so their prices stay "
                    f"unconfirmed; add a 毛重 column or give them under [pricing.weights]")
    if carton_gaps:
        gaps.append(f"units per carton: {len(carton_gaps)} products give a carton weight without a count "
                    f"({', '.join(carton_gaps[:5])}); add a 装箱数 column or the unit weight")
    if not has_manufacturer:
        gaps.append("manufacturer: EU and UK listings need the maker's name and address ([project] manufacturer, "
                    "[compliance] manufacturer_address)")
    if "hs_code" not in fields:
        gaps.append("duty: no HS编码 column, so no duty rate is charged until you set one per market "
                    "([markets.KEY.duty] rate)")
    kinds = Counter(problem.severity for problem in catalog.problems)
    return CatalogSurvey(
        catalog.file, catalog.sheet, len(products),
        tuple(f"{c.label} → {c.field}" for c in catalog.columns if c.field),
        tuple(c.label for c in catalog.columns if not c.field and c.header),
        tuple(gaps), no_weight, kinds.get("error", 0), has_brand, has_manufacturer)


def fill_first(choices: StarterChoices, survey: CatalogSurvey | None) -> list[str]:
    """What the first build will miss with these choices, one line each with the key that closes it."""
    gaps = [gap for gap in (survey.fill_first if survey else ())
            if not (gap.startswith("brand:") and choices.brand)
            and not (gap.startswith("manufacturer:") and (choices.manufacturer or not _eu_or_uk(choices)))]
    if choices.freight_per_kg is None:
        gaps.append("freight: no rate per kg yet, so prices leave freight out ([pricing] freight_per_kg)")
    return gaps


def _eu_or_uk(choices: StarterChoices) -> bool:
    """Whether a chosen market's country is in the EU or the UK, whose product-safety rules want the maker named."""
    known = compliance_data().countries
    countries = [known.get(str(load_markets()[m].get("country"))) for m in choices.markets]
    return any(country is not None and country.region in ("EU", "GB") for country in countries)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter_project(choices: StarterChoices, survey: CatalogSurvey | None = None) -> str:
    """The text of a commented xborder.toml for these choices and this catalog."""
    lines = ["# xborder project file, written by `xborder init`. Every setting is optional; edit and build again.",
             "# Reference: the README's sections on markets, pricing and compliance."]
    if survey is not None:
        lines += ["#", f"# Read from {survey.file} (sheet {survey.sheet}): {survey.products} products.",
                  "# Columns xborder understood:"]
        lines += [f"#   {column}" for column in survey.columns]
        if survey.unmapped:
            lines += [f"# Other columns (kept as listing attributes, or read for facts): {', '.join(survey.unmapped)}"]
        if survey.rows_left_out:
            lines += [f"# Rows with errors, left out: {survey.rows_left_out} (`xborder inspect` names them)."]
    gaps = fill_first(choices, survey)
    if gaps:
        lines += ["#", "# FILL IN FIRST — what the first build will miss:"]
        lines += [f"#   - {gap}" for gap in gaps]
    markets = ", ".join(_quoted(m) for m in choices.markets)
    presets = load_markets()
    lines += ["", "[project]",
              "# Where the catalog is sold; presets: " + ", ".join(preset_keys()),
              f"markets = [{markets}]"]
    lines += [f"#   {m}: {presets[m].get('name', m)}" for m in choices.markets]
    brand_needed = survey is None or not survey.has_brand
    if choices.brand:
        lines += ["# The brand on every listing whose row has no 品牌 cell", f"brand = {_quoted(choices.brand)}"]
    elif brand_needed:
        lines += ["# FILL IN: the brand on every listing whose row has no 品牌 cell (Amazon's flat file needs one)",
                  '# brand = "YourBrand"']
    if choices.manufacturer:
        lines += [f"manufacturer = {_quoted(choices.manufacturer)}"]
    elif survey is None or not survey.has_manufacturer:
        lines += ["# FILL IN for EU and UK markets: the factory named on the product and in upload files",
                  '# manufacturer = "Yiwu Example Co., Ltd."']
    lines += ["# Certificates every product holds (a 认证 column adds its own); the Compliance sheet marks what they",
              "# cover, and claims such as 'food grade' need the matching declaration.",
              '# certifications = ["CE"]',
              "", "[catalog]", "# Prices without a currency sign are in this currency.",
              f"currency = {_quoted(choices.currency)}",
              "", "[pricing]",
              f'margin = "{choices.margin}"             # share of the price before tax that stays as profit']
    if choices.freight_per_kg is not None:
        lines += [f'freight_per_kg = "{choices.freight_per_kg}"  # per kg of gross weight, in freight_currency']
    else:
        lines += ["# FILL IN: your forwarder's rate per kg of gross weight (until then freight counts as 0)",
                  '# freight_per_kg = "38"']
    lines += [f"freight_currency = {_quoted(choices.freight_currency)}",
              '# freight_per_unit = "1.5"   # labelling and packing per unit',
              "# How orders reach buyers: \"direct\" = parcels you or a forwarder send (no marketplace fee);",
              "# \"marketplace\" = stock in the marketplace's warehouse (Amazon FBA): then give its fee per unit as",
              "# fulfilment_fee under [markets.KEY.pricing], from the marketplace's rate card.",
              f"fulfilment = {_quoted(choices.fulfilment)}"]
    if survey is not None and survey.no_weight:
        lines += ["", "# Weights for products the catalog gives none for (else their prices stay unconfirmed):",
                  "# [pricing.weights]"]
        lines += [f'# {_quoted(sku)} = "450g"' for sku in survey.no_weight[:20]]
    lines += ["", "# Duty is not assumed: until you set it, every price says so. Look the rate up in the destination's",
              "# tariff for your HS codes (an HS编码 column gives rates per chapter).",
              *(f"# [markets.{m}.duty]\n# rate = \"0.05\"" for m in choices.markets[:1]),
              "", "[compliance]",
              "# The EU economic operator and the UK importer named on EU and UK listings (GPSR).",
              '# eu_responsible_person = "name, address in the EU, e-mail"',
              '# uk_responsible_person = "name, address in the UK"', ""]
    text = "\n".join(lines)
    tomllib.loads(text)  # a bug here must not reach the seller's disk
    return text


def write_starter(path: Path, text: str, *, force: bool = False) -> None:
    """Write the project file; an existing one is kept unless force; the written file must load."""
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists: edit it, or run `xborder init --force` to replace it")
    write_text(path, text)
    load_config(path)
