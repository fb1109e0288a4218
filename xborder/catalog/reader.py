"""Read a factory catalog (xlsx, xls, ods, csv) into Product records and row-level problems."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

from xborder.catalog import cells
from xborder.catalog.cells import CellError, normalize, to_text
from xborder.catalog.facts import Fact, facts_in, packing_count, plausible_range, sheet_facts, weight_header_basis
from xborder.catalog.header import HeaderMap, find_header
from xborder.catalog.model import (Catalog, ColumnMapping, ExtraAttribute, Problem, Product, SheetNote,
                                   VariantCost, WeightIssue)
from xborder.catalog.pictures import attach_images
from xborder.catalog.sources import SheetGrid, read_grids
from xborder.config import CatalogSettings
from xborder.errors import InputError
from xborder.files import CONTROL_CHARACTERS
from xborder.values import Quantity, plain

DEFAULT_MAX_CHARS = 2000
_PLACEHOLDERS = frozenset({"", "-", "--", "—", "/", "n/a", "na", "none", "无", "没有", "暂无", "/", "x"})
_DESCRIPTIVE = frozenset({"capacity", "power"})  # a cell that does not parse is kept as text, not a bad row
_WEIGHT_PAIR = re.compile(r"[\d.,\s]+[a-z]*\s*/\s*[\d.,\s]+[a-z]*")


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
    notes = _notes_above(grid, header_index) + reader.notes + _notes_sheets(grids, grid)
    # pictures after the rows: a merged variant row's pictures follow its product's
    problems = reader.problems + attach_images(path, grid, reader.products, reader.by_field.get("image"),
                                               header_index + 1)
    return Catalog(file=str(path), sheet=grid.name, header_row=header_index + 1, columns=columns,
                   products=reader.products, problems=problems,
                   sheets=[g.name for g in grids], notes=notes)


MAX_NOTES = 100
_NOTE_SHEET_WORDS = ("说明", "备注", "注意", "须知", "条款", "notes", "note", "remarks", "remark", "terms", "readme",
                     "instructions")


def _note_text(row: list[object]) -> str:
    return "  ".join(dict.fromkeys(t for t in (to_text(c) for c in row) if t))[:500]


def _notes_above(grid: SheetGrid, header_index: int) -> list[SheetNote]:
    """The lines above the header: the factory's name, the quotation's date, 'prices include VAT'; not the upper
    row of a two-row header (装箱信息 over 件/箱, 毛重/箱)."""
    rows = grid.rows[:header_index]
    if rows and sum(1 for c in rows[-1] if to_text(c)) >= 4:
        rows = rows[:-1]
    notes = [SheetNote(grid.name, i + 1, _note_text(row)) for i, row in enumerate(rows)]
    return [n for n in notes if n.text][:MAX_NOTES]


def _notes_sheets(grids: list[SheetGrid], chosen: SheetGrid) -> list[SheetNote]:
    """Every line of a sheet named like a notes sheet (说明, Notes, 条款)."""
    notes: list[SheetNote] = []
    for grid in grids:
        if grid is chosen or grid.text or not any(w in normalize(grid.name) for w in _NOTE_SHEET_WORDS):
            continue
        for i, row in enumerate(grid.rows):
            text = _note_text(row)
            if text and len(notes) < MAX_NOTES:
                notes.append(SheetNote(grid.name, i + 1, text))
    return notes


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
        # columns read for facts (remarks, packing, terms) and those that become a product's attributes
        self.fact_columns = [c for c in columns if c.role in ("internal", "attribute")] + \
            [self.by_field[f] for f in ("notes", "spec", "material", "name") if f in self.by_field]
        self.attribute_columns = [c for c in columns if c.role == "attribute"]
        self.weight_basis = {c.field: weight_header_basis(c.header)
                             for c in self.columns if c.field in ("net_weight", "gross_weight", "weight_pair")}
        self.notes: list[SheetNote] = []
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
            if len(self.notes) < MAX_NOTES and any(w in first for w in ("备注", "说明", "注", "remark", "note")):
                self.notes.append(SheetNote(self.grid.name, number, _note_text(row)))
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
                if column.field in _DESCRIPTIVE:
                    # '碗300ml', '约1200W': a buyer's fact, not one a price needs; kept as the factory wrote it
                    values.setdefault("attributes", []).append(
                        ExtraAttribute(column.header, " ".join(to_text(raw).split())[:500], column.label))
                    self.problem("warning", "kept-as-text", f"{error}; kept as text in the listing's attributes",
                                 number, column)
                    continue
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
        self._read_facts(row, values)
        for severity, code, message in unit_weights(values, self._weight_columns(values)):
            self.problem(severity, code, message, number)
        self._add(number, values)

    def _weight_columns(self, values: dict) -> dict[str, tuple[str, str]]:
        """For each weight the row gives, (basis, column label): basis 'carton', 'unit', 'either' or 'pair'."""
        out: dict[str, tuple[str, str]] = {}
        pair = values.pop("_pair", None)
        for field in ("net_weight", "gross_weight", "carton_net_weight", "carton_gross_weight", "net_content"):
            if values.get(field) is None:
                continue
            if pair and field in ("net_weight", "gross_weight"):
                column = self.by_field[pair]
                # a pair under a header that names a unit ('单品净/毛重') stays one unit's
                out[field] = ("unit" if self.weight_basis.get(pair) == "unit" else "pair", column.label)
                continue
            found = self.by_field.get(field) or self.by_field.get("carton_weight_pair")
            if found is None:
                continue
            column = found
            if field.startswith("carton_") or field == "net_content":
                out[field] = ("carton" if field.startswith("carton_") else "unit", column.label)
            else:
                out[field] = (self.weight_basis.get(field, "either"), column.label)
        if "carton_qty" in values:
            source = values.pop("_carton_qty_source", None)
            qty_column = self.by_field.get("carton_qty")
            out["carton_qty"] = ("", source or (qty_column.label if qty_column else ""))
        return out

    def _read_facts(self, row: list[object], values: dict) -> None:
        """Facts in remarks and other text cells fill the fields the row has no column for; the columns with no
        field become attributes."""
        facts: list[Fact] = []
        for column in self.fact_columns:
            text = to_text(row[column.index]) if column.index < len(row) else ""
            if text and not text.replace(".", "", 1).isdigit():
                facts += facts_in(text[:DEFAULT_MAX_CHARS], column.label)
        taken: list[Fact] = []
        for fact in facts:
            if self._apply(fact, values):
                taken.append(fact)
        if taken:
            values["facts"] = taken
        attributes = [ExtraAttribute(c.header, " ".join(to_text(row[c.index]).split())[:500], c.label)
                      for c in self.attribute_columns
                      if c.index < len(row) and normalize(to_text(row[c.index])) not in _PLACEHOLDERS]
        if attributes:
            values["attributes"] = values.get("attributes", []) + attributes

    @staticmethod
    def _apply(fact: Fact, values: dict) -> bool:
        """Put one fact into the row's values unless a column (or an earlier fact) already gave it."""
        field = fact.field
        if field == "certifications":
            marks = values.setdefault("certifications", [])
            if any(normalize(m) == normalize(fact.value) for m in marks):
                return False
            marks.append(fact.value)
            return True
        if field == "food_contact" and values.get(field):
            if normalize(fact.value) in normalize(values[field]):
                return False
            values[field] = f"{values[field]}; {fact.value}"
            return True
        if values.get(field) is not None:
            return False
        if field == "carton_qty":
            values[field] = Quantity(Decimal(fact.value), "pcs")
            values["_carton_qty_source"] = f"{fact.column}: {fact.text}"
        elif field == "min_age":
            values[field] = int(fact.value)
        else:
            values[field] = fact.value
        return True

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
                if spec.name in ("net_weight", "gross_weight") and _WEIGHT_PAIR.fullmatch(normalize(text)):
                    # '12/13' in a 毛重 column: a net/gross pair, as in an N.W./G.W. column
                    net, gross = cells.parse_weight_pair(raw, measure or self.settings.weight_unit)
                    return {"net_weight": net, "gross_weight": gross, "_pair": spec.name}
                return {spec.name: cells.parse_weight(raw, measure or self.settings.weight_unit)}
            case "weight_pair":
                net, gross = cells.parse_weight_pair(raw, measure or self.settings.weight_unit)
                if spec.name == "carton_weight_pair":
                    return {"carton_net_weight": net, "carton_gross_weight": gross}
                return {"net_weight": net, "gross_weight": gross, "_pair": spec.name}
            case "content":
                return {spec.name: cells.parse_content(raw, measure or self.settings.weight_unit)}
            case "dimensions":
                return {spec.name: cells.parse_dimensions(raw, measure or self.settings.length_unit)}
            case "count":
                if spec.name == "carton_qty":
                    return self._carton_qty(raw, column)
                return {spec.name: cells.parse_count(raw)}
            case "capacity":
                if re.search(r"\d\s*m?ah\b", normalize(text)):
                    return {"battery": text}  # a power bank's or a toy's 容量 is its battery's
                return {spec.name: cells.parse_capacity(raw, measure or "ml")}
            case "power":
                return {spec.name: cells.parse_power(raw, measure or "W")}
            case "stock":
                return {spec.name: cells.parse_stock(raw)}
        raise AssertionError(f"unknown kind {spec.kind!r} in header_aliases.toml")

    @staticmethod
    def _carton_qty(raw: object, column: ColumnMapping) -> dict:
        """A 装箱数 cell: '24', '24pcs', or as a packing cell says it ('30件/箱', '每箱10件（独立礼盒）')."""
        try:
            return {"carton_qty": cells.parse_count(raw)}
        except CellError:
            packed = packing_count(to_text(raw)) or _leading_count(to_text(raw))
            if packed is None:
                raise
            return {"carton_qty": Quantity(Decimal(packed[0]), "pcs"),
                    "_carton_qty_source": f"{column.label}: {packed[1]}"}

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


def unit_weights(values: dict, columns: dict[str, tuple[str, str]] | None = None) -> list[tuple[str, str, str]]:
    """Make a row's weights mean one unit, as an export clerk reads them, and say how in `weight_basis`.

    A weight is a carton's when its header says so (毛重/箱, G.W./CTN), when it is a net/gross pair beside a carton
    size (N.W./G.W. 12/13), or when its header says neither and the row gives a carton size and a packing count;
    a carton's weight is divided by the units per carton. A carton weight with no count is a `weight_issue`, never
    a unit's weight. `columns` gives each weight's (basis, column label) and where the count came from.
    Returns (severity, code, message) notes."""
    columns = columns or {}
    notes: list[tuple[str, str, str]] = []
    qty = values.get("carton_qty")
    per_carton = qty.value if qty is not None and qty.unit == "pcs" and qty.value > 0 else None
    qty_from = columns.get("carton_qty", ("", ""))[1]
    carton = values.get("carton_size")
    sides = carton.in_cm() if carton is not None else None
    litres = sides[0] * sides[1] * sides[2] / 1000 if sides else None
    empty_carton_kg = (2 * (sides[0] * sides[1] + sides[0] * sides[2] + sides[1] * sides[2]) / 10000
                       * sheet_facts().empty_carton_kg_per_m2) if sides else None
    basis: dict[str, str] = {}
    moved: list[Quantity] = []
    boxed: list[tuple[Quantity, str]] = []
    for field in ("net_weight", "gross_weight"):
        weight = values.get(field)
        if weight is None:
            continue
        kind, label = columns.get(field, ("unit", ""))
        kg = weight.in_kg()
        per_box = False
        if kind in ("either", "pair") and sides is not None and (per_carton is not None or kind == "pair"):
            # a packing list's weight; unless it is lighter than the empty carton itself
            per_box = not (field == "gross_weight" and kg is not None and empty_carton_kg is not None
                           and kg < empty_carton_kg)
        elif kind == "unit" and per_carton is not None and litres and kg is not None:
            # as many units as the carton holds would be denser than water: the column is per carton
            per_box = kg * per_carton / litres > 1 and kg / litres <= 1
            if per_box:
                moved.append(weight)
        if per_box and weight not in moved:
            boxed.append((weight, label))
        if per_box:
            values.setdefault(f"carton_{field}", weight)
            columns.setdefault(f"carton_{field}", ("carton", label))
            del values[field]
        else:
            basis[field] = f"{weight} from {label or 'the catalog'}"
    if boxed:
        shown = "/".join(str(w) for w, _ in boxed)
        why = "beside a carton size and a packing count" if per_carton is not None else "a net/gross pair beside a " \
                                                                                       "carton size"
        notes.append(("info", "weight-per-carton",
                      f"{shown} in {boxed[0][1]} read as the weight of a carton ({why}, as in a packing list)"
                      + (f": {'/'.join(_per_unit(w, per_carton) for w, _ in boxed)} per unit" if per_carton else "")))
    if moved:
        shown = "/".join(str(w) for w in moved)
        assert per_carton is not None  # only a count moves a unit's weight to the carton
        notes.append(("warning", "weight-per-carton",
                      f"{shown} read as the weight of a carton: {plain(per_carton)} units that heavy would not fit "
                      f"in a {carton} carton; {'/'.join(_per_unit(w, per_carton) for w in moved)} per unit"))
    for field in ("gross_weight", "net_weight"):
        carton_weight = values.get(f"carton_{field}")
        if carton_weight is None or values.get(field) is not None:
            continue
        label = columns.get(f"carton_{field}", ("", ""))[1] or "the catalog"
        if per_carton is None:
            if "weight_issue" not in values:
                message = (f"{carton_weight} in {label} is the weight of a carton, but the sheet gives no units per "
                           "carton, so one unit's weight is unknown and the price is unconfirmed: add 装箱数 (PCS/CTN) "
                           "or write the count in the packing cell (24pcs/ctn)")
                values["weight_issue"] = WeightIssue("carton-weight-without-quantity", message)
                notes.append(("warning", "carton-weight-without-quantity", message))
            continue
        values[field] = Quantity((carton_weight.value / per_carton).quantize(Decimal("0.0001")), carton_weight.unit)
        basis[field] = (f"{carton_weight} per carton in {label} ÷ {plain(per_carton)} units per carton"
                        + (f" ({qty_from})" if qty_from else ""))
    content = values.get("net_content")
    content_from = columns.get("net_content", ("", "net content"))[1]
    if content is not None and values.get("net_weight") is None:
        if content.unit == "ml":
            values["net_weight"] = Quantity(content.value / 1000, "kg")
            notes.append(("info", "weight-from-volume",
                          f"net weight estimated from {content} at 1 kg per litre; give 净重 if it differs"))
            basis["net_weight"] = f"{content} at 1 kg per litre from {content_from}"
        else:
            values["net_weight"] = content
            basis["net_weight"] = f"{content} from {content_from}"
    settled = "gross_weight" if values.get("gross_weight") is not None else "net_weight"
    if values.get(settled) is not None:
        values["weight_basis"] = basis.get(settled)
        notes += _plausibility(values, values[settled])
    return notes


def _plausibility(values: dict, weight: Quantity) -> list[tuple[str, str, str]]:
    """A unit weight outside what one unit of the product's kind can weigh (a 13 kg umbrella)."""
    kg = weight.in_kg()
    known = plausible_range(values.get("name"), values.get("name_en"), values.get("category"))
    if kg is None or known is None or known.min_kg <= kg <= known.max_kg or "weight_issue" in values:
        return []
    if kg > known.max_kg:
        message = (f"one unit weighs {plain(kg.quantize(Decimal('0.001')))} kg, more than a {known.kind} weighs "
                   f"({plain(known.max_kg)} kg at most): is it a carton's weight? Add 装箱数 (PCS/CTN) or give one "
                   "unit's weight; the price stays unconfirmed until then")
    else:
        message = (f"one unit weighs {plain(kg.quantize(Decimal('0.0001')))} kg, less than a {known.kind} weighs "
                   f"({plain(known.min_kg)} kg at least): is the weight in grams? The price stays unconfirmed "
                   "until the weight is fixed")
    values["weight_issue"] = WeightIssue("weight-implausible", message)
    return [("warning", "weight-implausible", message)]


def _leading_count(text: str) -> tuple[int, str] | None:
    """'20件（独立礼盒）' in a units-per-carton column: its leading whole number."""
    match = re.match(r"\s*(\d{1,5})(?![\d.])", normalize(text))
    return (int(match.group(1)), match.group(0).strip()) if match and int(match.group(1)) > 0 else None


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
            "gross_weight", "stock", "image", "images", "barcode", "variant_sku", "weight_basis", "weight_issue",
            "facts", "attributes"}
    return all(getattr(a, f) == getattr(b, f) for f in a.__dataclass_fields__ if f not in skip)
