"""What reading a catalog yields: products, the column mapping and the problems found."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from xborder.catalog.facts import Fact, is_ignored_header, is_internal_header
from xborder.errors import InputError, locate
from xborder.values import Dimensions, Money, Quantity


@dataclass(frozen=True, slots=True)
class VariantCost:
    """A catalog row merged into a product as variants, with the cost the factory gave for it."""

    colors: tuple[str, ...]
    sizes: tuple[str, ...]
    cost: Money
    row: int
    sku: str | None = None  # the row's own variant SKU, when the catalog gives one
    stock: Quantity | None = None  # the row's own 库存

    @property
    def label(self) -> str:
        """What sets this row apart, for people: its colours, else its sizes ('黑色')."""
        return "/".join(self.colors or self.sizes)

    def covers(self, options: dict[str, str]) -> bool:
        return (not self.colors or options.get("colour") in self.colors) and \
            (not self.sizes or options.get("size") in self.sizes)


@dataclass(frozen=True, slots=True)
class ExtraAttribute:
    """A column the catalog has and xborder has no field for (朝代形制 = 明制): a listing attribute."""

    header: str
    value: str
    column: str  # the column's label, 'E' or '朝代形制 (E)'

    def to_json(self) -> dict[str, str]:
        return {"header": self.header, "value": self.value, "column": self.column}


@dataclass(frozen=True, slots=True)
class WeightIssue:
    """Why the weight of one unit is not known or not believable: the price built on it stays unconfirmed."""

    code: str  # 'carton-weight-without-quantity' | 'weight-implausible'
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class ProductImage:
    """One picture of a product: embedded in the catalog workbook (kept as its zip member's name, read only when a
    build writes it) or a web address from the catalog's image column."""

    source: str  # "drawing" (anchored on the sheet) | "cell-image" (WPS =DISPIMG) | "url"
    ref: str  # the zip member ('xl/media/image3.png') or the URL
    ext: str  # 'jpg', 'png', 'gif', 'webp', 'bmp'; '' for a URL whose path names none
    width: int | None = None  # pixels, when the picture's header says (never for a URL: nothing is downloaded)
    height: int | None = None

    @property
    def embedded(self) -> bool:
        return self.source != "url"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in (("source", self.source), ("ref", self.ref), ("ext", self.ext),
                                  ("width", self.width), ("height", self.height)) if v is not None}


@dataclass(slots=True)
class Product:
    """One product row of a factory catalog, with typed values and where it came from."""

    sku: str
    name: str
    cost: Money
    file: str
    sheet: str
    row: int
    sku_generated: bool = False
    model: str | None = None
    name_en: str | None = None
    retail_price: Money | None = None
    spec: str | None = None
    material: str | None = None
    colors: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    product_size: Dimensions | None = None
    package_size: Dimensions | None = None
    carton_size: Dimensions | None = None
    carton_qty: Quantity | None = None
    net_weight: Quantity | None = None  # of one unit, as sold
    gross_weight: Quantity | None = None  # of one unit, packed
    carton_net_weight: Quantity | None = None
    carton_gross_weight: Quantity | None = None
    net_content: Quantity | None = None  # what the package holds: a weight, or a volume in ml
    capacity: Quantity | None = None  # what the product holds, in ml (a kettle's 1.8 L)
    power: Quantity | None = None  # rated power in W
    battery: str | None = None  # as written: '内置锂电池2000mAh', 'AA x2', 'Li-ion 1200mAh'
    food_contact: str | None = None  # what the factory says of food contact: '食品级PP', '不含BPA'
    min_age: int | None = None  # the youngest age in years the product is for ('适合3岁以上')
    moq: Quantity | None = None
    selling_points: list[str] = field(default_factory=list)
    description: str | None = None
    brand: str | None = None
    manufacturer: str | None = None
    manufacturer_address: str | None = None  # postal and e-mail/web address, for the EU's GPSR
    category: str | None = None
    barcode: str | None = None
    hs_code: str | None = None
    origin: str | None = None
    voltage: str | None = None  # rated mains voltage as the factory wrote it ('220V', 'AC 110-240V')
    plug: str | None = None  # plug type as written ('国标', 'US', 'Type C')
    certifications: list[str] = field(default_factory=list)  # as written: 'CE', 'FCC', 'USDA Organic'
    image: str | None = None  # the image column's text as written
    # lists a product rarely has default to one shared empty tuple: 100,000 products hold no empty lists
    images: Sequence[ProductImage] = ()  # its row's pictures, then its variant rows'
    stock: Quantity | None = None
    notes: str | None = None
    variant_rows: list[int] = field(default_factory=list)
    variant_costs: list[VariantCost] = field(default_factory=list)  # only when merged rows differ in cost or SKU
    variant_sku: str | None = None  # the catalog's SKU for this row's variant (子SKU), beside the product's 款号
    attributes: Sequence[ExtraAttribute] = ()  # unmapped columns, in sheet order
    facts: Sequence[Fact] = ()  # what was read from text cells, and where
    weight_basis: str | None = None  # how the unit weight was settled: '14.5 kg ÷ 24 (包装 (H): 24pcs/ctn)'
    weight_issue: WeightIssue | None = None

    def cost_for(self, options: dict[str, str]) -> Money:
        """The factory cost of one variant ({'colour': '黑色', 'size': 'M'}); the product's cost by default."""
        return next((v.cost for v in self.variant_costs if v.covers(options)), self.cost)

    def _variant_row(self, options: dict[str, str]) -> VariantCost | None:
        """The only catalog row that covers just these options, if there is one."""
        rows = [v for v in self.variant_costs if v.covers(options)] or \
            [VariantCost(tuple(self.colors), tuple(self.sizes), self.cost, self.row, self.variant_sku, self.stock)]
        if len(rows) == 1 and len(rows[0].colors or (None,)) * len(rows[0].sizes or (None,)) == 1:
            return rows[0]
        return None

    def variant_sku_for(self, options: dict[str, str]) -> str | None:
        """The catalog's own SKU for one variant: given on the only row that covers just these options."""
        row = self._variant_row(options)
        return row.sku if row is not None else None

    def variant_stock_for(self, options: dict[str, str]) -> Quantity | None:
        """One variant's stock: the product's when it has one variant, else that of the only row that covers just
        these options (a 库存 cell on a row of several colours is for all of them together, so none)."""
        if len(self.variants) == 1:
            return self.stock
        if self.stock is None and all(v.stock is None for v in self.variant_costs):
            return None
        row = self._variant_row(options)
        return row.stock if row is not None else None

    @property
    def options(self) -> dict[str, list[str]]:
        """Variant options by name ('colour', 'size'), only those with values."""
        return {name: values for name, values in (("colour", self.colors), ("size", self.sizes)) if values}

    @property
    def variants(self) -> list[dict[str, str]]:
        """Every combination of the options, e.g. [{'colour': '黄色', 'size': 'S'}, …]; [{}] if none."""
        names = list(self.options)
        return [dict(zip(names, combo)) for combo in itertools.product(*self.options.values())]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: money as amount + currency, quantities as value + unit."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == [] or value == () or (f.name == "variant_rows" and not value):
                continue
            if f.name == "images":
                value = [image.to_json() for image in value]
            if f.name == "variant_costs":
                value = [{"colors": list(v.colors), "sizes": list(v.sizes), "cost": v.cost.to_json(), "row": v.row}
                         | ({"sku": v.sku} if v.sku else {}) | ({"stock": v.stock.to_json()} if v.stock else {})
                         for v in value]
            if f.name in ("attributes", "facts"):
                value = [item.to_json() for item in value]
            out[f.name] = value.to_json() if hasattr(value, "to_json") else value
        if self.options:
            out["options"] = self.options
        return out


PRODUCT_FIELDS = {f.name for f in fields(Product)}


class EmptyCatalog(InputError):
    """A catalog that yields no product (only a header, every row bad, everything merged into one heading): an
    error, not an empty build. `problems`: the rows' problems, for the command line to list."""

    def __init__(self, message: str, problems: list[Problem], *, file: str, sheet: str | None = None):
        super().__init__(message, file=file, sheet=sheet)
        self.problems = list(problems)


@dataclass(frozen=True)
class Problem:
    """Something found while reading: an error drops the row, a warning or note keeps it."""

    severity: str  # "error" | "warning" | "info"
    code: str
    message: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        return locate(self.file, self.sheet, self.row, self.column) + self.message

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class ColumnMapping:
    """A header cell and the product field it was mapped to (None when unmapped)."""

    index: int
    letter: str
    header: str
    field: str | None
    unit: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return f"{self.header} ({self.letter})" if self.header else self.letter

    @property
    def role(self) -> str:
        """What reading does with the column: 'field', 'attribute', 'internal' (read for facts, kept out of
        listings) or 'ignored'."""
        if self.field:
            return "field"
        if not self.header or is_ignored_header(self.header) or self.note:
            return "ignored"
        return "internal" if is_internal_header(self.header) else "attribute"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None} | {"role": self.role}


@dataclass(frozen=True)
class SheetNote:
    """A line of the seller's terms written beside the products: a notes sheet, a line above the header,
    a 备注 row under the table ('以上价格含13%增值税', 'logo +0.5元/个')."""

    sheet: str
    row: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "text": self.text}


@dataclass
class Catalog:
    """The result of reading one catalog file."""

    file: str
    sheet: str
    header_row: int
    columns: list[ColumnMapping]
    products: list[Product]
    problems: list[Problem]
    sheets: list[str] = field(default_factory=list)
    notes: list[SheetNote] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def mapping(self) -> dict[str, str]:
        """Field → column label, for the mapped columns."""
        return {c.field: c.label for c in self.columns if c.field}

    @property
    def unmapped(self) -> list[str]:
        return [c.label for c in self.columns if not c.field and c.header]

    @property
    def ignored(self) -> list[str]:
        """Columns not read at all (序号, a second column for a field already mapped)."""
        return [c.label for c in self.columns if c.header and c.role == "ignored"]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "sheets": self.sheets,
            "header_row": self.header_row,
            "mapping": self.mapping,
            "columns": [c.to_json() for c in self.columns if c.header],
            "unmapped": self.unmapped,
            "ignored": self.ignored,
            "products": [p.to_json() for p in self.products],
            "problems": [p.to_json() for p in self.problems],
            "notes": [n.to_json() for n in self.notes],
        }
