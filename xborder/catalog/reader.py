"""Read a factory catalog (xlsx, xls, ods, csv) into Product records and row-level problems."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from xborder.catalog import cells
from xborder.catalog.cells import CellError, normalize, to_text
from xborder.catalog.header import HeaderMap, find_header
from xborder.catalog.model import Catalog, ColumnMapping, Problem, Product, VariantCost
from xborder.catalog.pictures import attach_images
from xborder.catalog.sources import SheetGrid, read_grids
from xborder.config import CatalogSettings
from xborder.errors import InputError
from xborder.files import CONTROL_CHARACTERS
from xborder.values import Quantity, plain

DEFAULT_MAX_CHARS = 2000


def read_catalog(path: str | Path, settings: CatalogSettings | None = None,
                 sheet: str | None = None) -> Catalog:
    """Read one catalog file; raises InputError when the file as a whole is unusable."""
    path = Path(path)
    settings = settings or CatalogSettings()
    header_map = HeaderMap(settings.aliases)
    grids = read_grids(path, settings.limits)
    grid, header_index, columns = _choose_sheet(path, grids, header_map, sheet or settings.sheet)
    _require_columns(path, grid, header_index, columns, header_map)
    reader = _SheetReader(path, grid, header_index, columns, header_map, settings)
    reader.read()
    # pictures after the rows: a merged variant row's pictures follow its product's
    problems = reader.problems + attach_images(path, grid, reader.products, reader.by_field.get("image"),
                                               header_index + 1)
    return Catalog(file=str(path), sheet=grid.name, header_row=header_index + 1, columns=columns,
                   products=reader.products, problems=problems,
                   sheets=[g.name for g in grids])


def _choose_sheet(path: Path, grids: list[SheetGrid], header_map: HeaderMap,
                  wanted: str | None) -> tuple[SheetGrid, int, list[ColumnMapping]]:
    if wanted:
        matches = [g for g in grids if g.name == wanted] or \
                  [g for g in grids if normalize(g.name) == normalize(wanted)]
        if not matches:
            raise InputError(f"there is no sheet '{wanted}'; sheets: {', '.join(g.name for g in grids)}",
                             file=str(path))
        found = find_header(matches[0].rows, header_map)
        if not found:
            raise InputError(_no_header_message(), file=str(path), sheet=matches[0].name)
        return matches[0], *found
    best = None
    for grid in grids:
        if grid.hidden:
            continue
        found = find_header(grid.rows, header_map)
        if found:
            mapped = {c.field for c in found[1] if c.field}
            required = sum(1 for s in header_map.required if s.name in mapped)
            score = (required, len(mapped))
            if best is None or score > best[0]:
                best = (score, grid, *found)
    if best is None:
        sheet = grids[0].name if len(grids) == 1 and path.suffix.lower() not in (".csv", ".tsv", ".txt") else None
        where = "" if sheet or len(grids) == 1 else f" (sheets looked at: {', '.join(g.name for g in grids)})"
        raise InputError(_no_header_message() + where, file=str(path), sheet=sheet)
    return best[1], best[2], best[3]


def _no_header_message() -> str:
    return ("no header row found: expected columns such as 品名 / Item name and 出厂价 / FOB Price; "
            "rename the headers, pick the sheet with --sheet, or add your headers to "
            "[catalog.aliases] in xborder.toml")


def _require_columns(path: Path, grid: SheetGrid, header_index: int, columns: list[ColumnMapping],
                     header_map: HeaderMap) -> None:
    mapped = {c.field for c in columns if c.field}
    for spec in header_map.required:
        if spec.name not in mapped:
            examples = " / ".join(spec.aliases[:3] + tuple(a for a in spec.aliases if a.isascii())[:2])
            headers = ", ".join(c.header for c in columns if c.header) or "none"
            raise InputError(
                f"no {spec.label.lower()} column (such as {examples}); headers found: {headers}. "
                f"Rename the column or add it in xborder.toml: [catalog.aliases] {spec.name} = [\"…\"]",
                file=str(path), sheet=None if grid.text else grid.name, row=header_index + 1)


class _SheetReader:
    """Walks the rows under the header, building products and problems."""

    def __init__(self, path: Path, grid: SheetGrid, header_index: int, columns: list[ColumnMapping],
                 header_map: HeaderMap, settings: CatalogSettings):
        self.file, self.grid, self.header_index = str(path), grid, header_index
        self.columns = [c for c in columns if c.field]
        self.by_field = {c.field: c for c in self.columns}
        self.header_texts = [normalize(c.header) for c in self.columns]
        self.header_map, self.settings = header_map, settings
        self.products: list[Product] = []
        self.problems: list[Problem] = []
        self.by_sku: dict[str, Product] = {}
        self.variant_costs: dict[str, list[VariantCost]] = {}
        self.section: str | None = None

    def problem(self, severity: str, code: str, message: str, row: int | None = None,
                column: ColumnMapping | None = None) -> None:
        self.problems.append(Problem(severity, code, message, self.file, None if self.grid.text else self.grid.name,
                                     row, column.label if column else None))

    def read(self) -> None:
        rows = self.grid.rows
        last = max((i for i, row in enumerate(rows) if _filled(row)), default=self.header_index)
        blank_start = None
        for index in range(self.header_index + 1, last + 1):
            row = rows[index]
            if not _filled(row):
                blank_start = index if blank_start is None else blank_start
                continue
            if blank_start is not None:
                self._report_blank(blank_start, index - 1)
                blank_start = None
            self._read_row(index + 1, row)

    def _report_blank(self, first: int, last: int) -> None:
        span = f"rows {first + 1}–{last + 1} are" if last > first else "the row is"
        self.problem("info", "blank-row", f"{span} blank; skipped", row=first + 1)

    def _read_row(self, number: int, row: list[object]) -> None:
        if any(isinstance(cell, str) and CONTROL_CHARACTERS.search(cell) for cell in row):
            self.problem("warning", "control-characters", "invisible control characters (such as NUL or \\x0b) "
                         "were removed from this row; check its text", row=number)
        texts = [to_text(cell) for cell in row]
        filled = [t for t in texts if t]
        first = normalize(filled[0])
        if _is_summary(first, self.header_map.summary_markers):
            self.problem("info", "summary-row", f"'{filled[0][:40]}' is a total or note row; skipped", row=number)
            return
        row_heads = [normalize(texts[c.index]) if c.index < len(texts) else "" for c in self.columns]
        if sum(a == b for a, b in zip(row_heads, self.header_texts) if a) >= max(2, len(self.columns) // 2):
            self.problem("info", "repeated-header", "the header repeats here; skipped", row=number)
            return
        if len(set(filled)) == 1 and (len(filled) > 1 or not self._value(row, "name")):
            # one text across a merged row, or alone outside the name column: a heading like 电工工具
            self.section = filled[0]
            self.problem("info", "section-row",
                         f"'{filled[0][:40]}' is a section heading; used as category for the rows below",
                         row=number)
            return
        values, failed = {}, set()
        for column in self.columns:
            raw = row[column.index] if column.index < len(row) else None
            if to_text(raw) == "":
                continue
            try:
                values.update(self._parse(column, raw))
            except CellError as error:
                failed.add(column.field)
                self.problem("error", "bad-value", f"{error}; the row is skipped", number, column)
        ok = not failed
        if not values.get("name") and "name" not in failed:
            ok = False
            self.problem("error", "no-name", "the row has no product name; fill in the name or delete the row",
                         number, self.by_field["name"])
        if "cost" not in values and "cost" not in failed:
            ok = False
            self.problem("error", "no-cost",
                         "no cost; fill in the price (if the cell has a formula, open and save the file "
                         "in Excel or WPS so its value is stored)", number, self.by_field["cost"])
        if not ok:
            return
        if self.section and not values.get("category"):
            values["category"] = self.section
        for severity, code, message in unit_weights(values):
            self.problem(severity, code, message, number)
        self._add(number, values)

    def _value(self, row: list[object], field: str) -> str:
        column = self.by_field.get(field)
        return to_text(row[column.index]) if column and column.index < len(row) else ""

    def _parse(self, column: ColumnMapping, raw: object) -> dict:
        assert column.field is not None  # only mapped columns are parsed
        spec = self.header_map.fields[column.field]
        text = to_text(raw)
        limit = spec.max_chars or DEFAULT_MAX_CHARS
        if len(text) > limit:
            raise CellError(f"the cell has {len(text):,} characters, more than the {limit:,} a "
                            f"{spec.label.lower()} may have; shorten it")
        unit = column.unit
        currency = unit if unit and unit.isupper() else None
        measure = unit if unit and not unit.isupper() else None
        match spec.kind:
            case "text":
                return {spec.name: " ".join(text.split())}
            case "lines":
                return {spec.name: cells.parse_lines(raw)}
            case "list":
                return {spec.name: cells.parse_list(raw)}
            case "money":
                return {spec.name: cells.parse_money(raw, currency or self.settings.currency)}
            case "weight":
                return {spec.name: cells.parse_weight(raw, measure or self.settings.weight_unit)}
            case "weight_pair":
                net, gross = cells.parse_weight_pair(raw, measure or self.settings.weight_unit)
                if spec.name == "carton_weight_pair":
                    return {"carton_net_weight": net, "carton_gross_weight": gross}
                return {"net_weight": net, "gross_weight": gross}
            case "content":
                return {spec.name: cells.parse_content(raw, measure or self.settings.weight_unit)}
            case "dimensions":
                return {spec.name: cells.parse_dimensions(raw, measure or self.settings.length_unit)}
            case "count":
                return {spec.name: cells.parse_count(raw)}
            case "stock":
                return {spec.name: cells.parse_stock(raw)}
        raise AssertionError(f"unknown kind {spec.kind!r} in header_aliases.toml")

    def _merge_variant(self, earlier: Product, product: Product) -> None:
        """Add a variant row's options to the product; a row with its own cost keeps that cost for its options."""
        rows = self.variant_costs.setdefault(earlier.sku, [
            VariantCost(tuple(earlier.colors), tuple(earlier.sizes), earlier.cost, earlier.row, earlier.variant_sku,
                        earlier.stock)])
        rows.append(VariantCost(tuple(product.colors), tuple(product.sizes), product.cost, product.row,
                                product.variant_sku, product.stock))
        earlier.colors = list(dict.fromkeys(earlier.colors + product.colors))
        earlier.sizes = list(dict.fromkeys(earlier.sizes + product.sizes))
        earlier.variant_rows.append(product.row)
        if len({v.cost for v in rows}) > 1 or any(v.sku or v.stock is not None for v in rows):
            earlier.variant_costs = list(rows)
        own = f"; its cost {product.cost} applies to {rows[-1].label}" if product.cost != earlier.cost else ""
        self.problem("info", "variant-row",
                     f"a variant of {earlier.sku} (row {earlier.row}); its options were added to it{own}", product.row)

    def _add(self, number: int, values: dict) -> None:
        given = values.pop("sku", None) or values.get("model")
        sku = given or _generated_sku(values)
        product = Product(sku=sku, file=self.file, sheet=self.grid.name, row=number,
                          sku_generated=not given, **values)
        earlier = self.by_sku.get(sku)
        if earlier is not None:
            if _same_but_options(earlier, product):
                self._merge_variant(earlier, product)
                return
            if given:
                self.problem("error", "duplicate-sku",
                             f"SKU '{sku}' is already used on row {earlier.row}; give this product its own "
                             "SKU; the row is skipped", number, self.by_field.get("sku") or self.by_field.get("model"))
                return
            suffix = 2
            while f"{sku}-{suffix}" in self.by_sku:
                suffix += 1
            product.sku = sku = f"{sku}-{suffix}"
        if not given:
            self.problem("warning", "generated-sku",
                         f"no SKU; using {sku} (stable while the name and spec stay the same)", number)
        self.by_sku[sku] = product
        self.products.append(product)


def unit_weights(values: dict) -> list[tuple[str, str, str]]:
    """Make a row's weights mean one unit: carton weights divided by the units per carton, a plain weight
    that is really per carton recognised, net content as net weight. Returns (severity, code, message) notes."""
    notes: list[tuple[str, str, str]] = []
    qty = values.get("carton_qty")
    per_carton = qty.value if qty is not None and qty.unit == "pcs" and qty.value > 0 else None
    carton = values.get("carton_size")
    volume = carton.in_cm() if carton is not None else None
    if per_carton is not None and volume is not None:
        litres = volume[0] * volume[1] * volume[2] / 1000
        moved: list[Quantity] = []
        for field in ("net_weight", "gross_weight"):
            weight = values.get(field)
            kg = weight.in_kg() if weight is not None else None
            # as many units as the carton holds would be denser than water: the column is per carton
            if weight is not None and kg is not None and litres > 0 and kg * per_carton / litres > 1 \
                    and kg / litres <= 1:
                values.setdefault(f"carton_{field}", weight)
                del values[field]
                moved.append(weight)
        if moved:
            shown = "/".join(str(w) for w in moved)
            notes.append(("warning", "weight-per-carton",
                          f"{shown} read as the weight of a carton: {plain(per_carton)} units that heavy would not fit "
                          f"in a {carton} carton; {'/'.join(_per_unit(w, per_carton) for w in moved)} per unit"))
    for field in ("gross_weight", "net_weight"):
        carton_weight = values.get(f"carton_{field}")
        if carton_weight is None or values.get(field) is not None:
            continue
        if per_carton is None:
            notes.append(("warning", "carton-weight-without-quantity",
                          f"a carton weight ({carton_weight}) but no units per carton: add 装箱数 (PCS/CTN) so the "
                          "weight of one unit is known"))
            continue
        values[field] = Quantity((carton_weight.value / per_carton).quantize(Decimal("0.0001")), carton_weight.unit)
    content = values.get("net_content")
    if content is not None and values.get("net_weight") is None:
        if content.unit == "ml":
            values["net_weight"] = Quantity(content.value / 1000, "kg")
            notes.append(("info", "weight-from-volume",
                          f"net weight estimated from {content} at 1 kg per litre; give 净重 if it differs"))
        else:
            values["net_weight"] = content
    return notes


def _per_unit(weight: Quantity, count: Decimal) -> str:
    return f"{plain((weight.value / count).quantize(Decimal('0.001')))} {weight.unit}"


def _filled(row: list[object]) -> bool:
    return any(to_text(cell) for cell in row)


def _is_summary(first: str, markers: tuple[str, ...]) -> bool:
    """'合计…', 'Total', 'Total: 1,234', 'Remarks: …' are summary rows; 'Totally …', 'Remarkable …' and
    'Total Care Toothpaste' are products: an English marker must stand alone or before a colon or a figure."""
    for marker in markers:
        if not first.startswith(marker):
            continue
        if not (marker[-1].isascii() and marker[-1].isalpha()):
            return True  # 合计, 备注, 注： …
        rest = first[len(marker):].lstrip()
        if not rest or rest[0] in ":：" or not any(ch.isalpha() for ch in rest):
            return True
    return False


def _generated_sku(values: dict) -> str:
    """XB- and 8 hex digits of the name and spec, so the SKU survives reordering rows."""
    key = "|".join(normalize(str(values.get(f) or "")) for f in ("name", "spec", "material"))
    return "XB-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8].upper()


def _same_but_options(a: Product, b: Product) -> bool:
    """True when b differs from a only in colours/sizes: a variant row of the same product."""
    if (a.colors, a.sizes) == (b.colors, b.sizes):
        return False
    skip = {"row", "colors", "sizes", "variant_rows", "variant_costs", "cost", "retail_price", "net_weight",
            "gross_weight", "stock", "image", "images", "barcode", "variant_sku"}
    return all(getattr(a, f) == getattr(b, f) for f in a.__dataclass_fields__ if f not in skip)
