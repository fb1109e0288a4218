"""Read a factory catalog (xlsx, xls, ods, csv) into Product records and row-level problems."""

from __future__ import annotations

import hashlib
import re
import sys
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from xborder.catalog import cells
from xborder.catalog.cells import IDENTIFIER_FIELDS, INVISIBLE, CellError, invisible_names, normalize, to_text
from xborder.catalog.facts import Fact, expand_sizes, facts_in, packing_count, weight_header_basis
from xborder.catalog.header import HeaderMap, find_header
from xborder.catalog.model import (Catalog, ColumnMapping, EmptyCatalog, ExtraAttribute, Problem, Product, SheetNote,
                                   VariantCost)
from xborder.catalog.pictures import attach_images
from xborder.catalog.sources import SheetGrid, read_grids
from xborder.catalog.weights import RowWeights, WeightReading, cell_basis, column_bases, settle
from xborder.catalog.options import CatalogSettings
from xborder.errors import InputError
from xborder.files import CONTROL_CHARACTERS
from xborder.values import Quantity

DEFAULT_MAX_CHARS = 2000
# Typed values read from a cell's raw value are immutable: the same cell text gives the same object, so a
# catalog's repeated prices, weights and sizes are held once (a 100,000-product catalog repeats most of them)
_CACHE = 1 << 16
_INTERN_CHARS = 200
_money = lru_cache(maxsize=_CACHE)(cells.parse_money)
_weight = lru_cache(maxsize=_CACHE)(cells.parse_weight)
_weight_pair = lru_cache(maxsize=_CACHE)(cells.parse_weight_pair)
_dimensions = lru_cache(maxsize=_CACHE)(cells.parse_dimensions)
_capacity = lru_cache(maxsize=_CACHE)(cells.parse_capacity)
_list = lru_cache(maxsize=_CACHE)(cells.parse_list)

_SETTLED = ("net_weight", "gross_weight", "carton_net_weight", "carton_gross_weight", "weight_basis", "weight_issue")
_PLACEHOLDERS = frozenset({"", "-", "--", "—", "/", "n/a", "na", "none", "无", "没有", "暂无", "x"})
_DESCRIPTIVE = frozenset({"capacity", "power", "min_age"})  # a cell that does not parse is kept as text, not a bad row
# trade terms a listing and a price do without: a cell that does not parse ('300/色') is left out with a warning,
# not the product (it is no buyer's fact either, so it does not become an attribute)
_TRADE_TERMS = frozenset({"moq", "stock"})
_GROSS_FIRST = re.compile(r"(?:毛重|g\.?\s*w\.?|gross)")  # '毛重/净重', 'G.W./N.W.': the pair is gross first
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
    if not reader.products:
        # a catalog that yields nothing is not a catalog: building it would report 0 listings and succeed
        raise EmptyCatalog(_empty_reason(reader.problems, header_index + 1), reader.problems, file=str(path),
                           sheet=None if grid.text else grid.name)
    notes = _notes_above(grid, header_index) + reader.notes + _notes_sheets(grids, grid)
    # pictures after the rows: a merged variant row's pictures follow its product's
    problems = reader.problems + attach_images(path, grid, reader.products, reader.by_field.get("image"),
                                               header_index + 1)
    return Catalog(file=str(path), sheet=grid.name, header_row=header_index + 1, columns=columns,
                   products=reader.products, problems=problems,
                   sheets=[g.name for g in grids], notes=notes)


_SKIPPED = {"section-row": "section headings (one text across the row, as a merged cell gives)",
            "summary-row": "totals or notes", "repeated-header": "repeated headers"}


def _empty_reason(problems: list[Problem], header_row: int) -> str:
    """Why no product came out of the rows under the header, in one line."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        rows = len({p.row for p in errors})
        first = errors[0]
        return (f"no product could be read: {'the row' if rows == 1 else f'all {rows:,} rows'} under the header "
                f"(row {header_row}) {'has' if rows == 1 else 'have'} errors (first: row {first.row}"
                + (f", column {first.column}" if first.column else "") + f": {first.message}); fix "
                "them and run again (`xborder inspect` lists them all)")
    skipped = [p for p in problems if p.code in _SKIPPED and p.row is not None]
    if skipped:
        kinds = ", ".join(dict.fromkeys(_SKIPPED[p.code] for p in skipped))
        numbers = sorted({p.row for p in skipped if p.row is not None})
        span = f"row {numbers[0]}" if len(numbers) == 1 else f"rows {numbers[0]}–{numbers[-1]}"
        return (f"no product rows under the header on row {header_row}: {span} read as {kinds}; unmerge the "
                "cells and give each product its own row, or pick the sheet that has them with --sheet")
    return (f"the sheet has a header on row {header_row} but no product rows under it; fill in the products, "
            "or pick the sheet that has them with --sheet")


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



_AS_WRITTEN = {"brand", "manufacturer", "manufacturer_address"}  # cells the upload files carry unchanged
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>?")

class _SheetReader:
    """Walks the rows under the header, building products and problems."""

    def __init__(self, path: Path, grid: SheetGrid, header_index: int, columns: list[ColumnMapping],
                 header_map: HeaderMap, settings: CatalogSettings):
        self.file, self.grid, self.header_index = str(path), grid, header_index
        self.columns = [c for c in columns if c.field]
        self.all_columns = columns
        self.by_field = {c.field: c for c in self.columns}
        # columns read for facts (remarks, packing, terms) and those that become a product's attributes
        self.fact_columns = [c for c in columns if c.role in ("internal", "attribute")] + \
            [self.by_field[f] for f in ("notes", "spec", "material", "name") if f in self.by_field]
        self.attribute_columns = [c for c in columns if c.role == "attribute"]
        self.weight_basis = {c.index: weight_header_basis(c.header) for c in self.columns
                             if c.field in ("net_weight", "gross_weight", "weight_pair")}
        # rows whose weights wait for the sheet's verdict
        self.pending: list[tuple[int, Product | None, RowWeights]] = []
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
        last = max((i for i, row in enumerate(rows) if _filled(row) or i + 1 in self.grid.faults),
                   default=self.header_index)
        blank_start = None
        for index in range(self.header_index + 1, last + 1):
            row = rows[index]
            fault = self.grid.faults.get(index + 1)
            if fault is None and not _filled(row):
                blank_start = index if blank_start is None else blank_start
                continue
            if blank_start is not None:
                self._report_blank(blank_start, index - 1)
                blank_start = None
            if fault is not None:  # the file could not give this row (its encoding, a giant cell): the rest is read
                column = next((c for c in self.all_columns if c.index == fault.column), None)
                self.problem("error", fault.code, f"{fault.message}; the row is skipped", index + 1, column)
                continue
            self._read_row(index + 1, row)
        # whether a weight column is per carton is the sheet's to say, not one row's
        bases = column_bases([weights for _, _, weights in self.pending])
        for number, product, weights in self.pending:
            if product is None:  # a variant row merged into its product, or a row left out: its notes only
                for severity, code, message in settle({}, weights, bases):
                    self.problem(severity, code, message, number)
                continue
            values = {"name": product.name, "name_en": product.name_en, "category": product.category,
                      "net_content": product.net_content}
            for severity, code, message in settle(values, weights, bases):
                self.problem(severity, code, message, number)
            for field in _SETTLED:
                if field in values:
                    setattr(product, field, values[field])
        self.pending = []
        self.problems.sort(key=lambda p: p.row or 0)

    def _report_blank(self, first: int, last: int) -> None:
        span = f"rows {first + 1}–{last + 1} are" if last > first else "the row is"
        self.problem("info", "blank-row", f"{span} blank; skipped", row=first + 1)

    def _read_row(self, number: int, row: list[object]) -> None:
        if not self._check_invisible(number, row):
            return
        self._strip_markup(number, row)
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
        values: dict[str, Any] = {}
        failed: set[str | None] = set()
        readings: list[WeightReading] = []
        for column in self.columns:
            raw = row[column.index] if column.index < len(row) else None
            if to_text(raw) == "":
                continue
            try:
                parsed = self._parse(column, raw)
                readings += parsed.pop("_weights", [])
                values.update(parsed)
            except CellError as error:
                if column.field in _DESCRIPTIVE:
                    # '碗300ml', '约1200W': a buyer's fact, not one a price needs; kept as the factory wrote it
                    values.setdefault("attributes", []).append(
                        ExtraAttribute(column.header, " ".join(to_text(raw).split())[:500], column.label))
                    self.problem("warning", "kept-as-text", f"{error}; kept as text in the listing's attributes",
                                 number, column)
                    continue
                if column.field in _TRADE_TERMS:
                    self.problem("warning", "bad-value", f"{error}; the cell is left out, the rest of the row is read",
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
        stated = values.pop("unit_weight", None)
        if stated is not None:  # a remark's '单只净重约85g': one unit's, after the row's weight columns
            fact = next(f for f in values["facts"] if f.field == "unit_weight")
            try:
                weight = cells.parse_weight(stated)
            except CellError:
                pass
            else:
                kind = "gross" if any(w in fact.text.casefold() for w in ("毛重", "gross")) else "net"
                readings.append(WeightReading(kind, weight, "unit", fact.column))
        qty = values.get("carton_qty")
        per_carton = qty.value if qty is not None and qty.unit == "pcs" and qty.value > 0 else None
        count_column = self.by_field.get("carton_qty")
        count_from = values.pop("_carton_qty_source", None) or (count_column.label if count_column and qty else "")
        weights = RowWeights(readings, per_carton, values.get("carton_size"), count_from)
        # the product is made now and its weights settled once the sheet has said which columns are per carton:
        # holding every row's values until then would hold the catalog twice
        self.pending.append((number, self._add(number, values), weights))

    def _strip_markup(self, number: int, row: list[object]) -> None:
        """HTML in the cells that go into upload files as they are (brand, manufacturer and its address; listing
        text has its own check) is taken out, with a warning: a brand is a name, never markup."""
        for column in self.columns:
            if column.field in _AS_WRITTEN and column.index < len(row):
                cell = row[column.index]
                if isinstance(cell, str) and _TAG.search(cell):
                    row[column.index] = re.sub(r"\s+", " ", _TAG.sub(" ", cell)).strip()
                    self.problem("warning", "markup-removed", f"HTML tags were removed from the {column.header}; "
                                 "check what is left", number, column)

    def _check_invisible(self, number: int, row: list[object]) -> bool:
        """Invisible characters (bidi controls such as U+202E, zero-width spaces, NUL): in a SKU they are a row
        error, since a SKU must be exactly what the seller typed; elsewhere they are removed, with a warning.
        False when the row is left out."""
        marked = [(index, cell) for index, cell in enumerate(row) if isinstance(cell, str)
                  and (CONTROL_CHARACTERS.search(cell) or INVISIBLE.search(cell))]
        if not marked:
            return True
        identifiers = {c.index: c for c in self.columns if c.field in IDENTIFIER_FIELDS}
        bad = [(identifiers[index], cell) for index, cell in marked if index in identifiers]
        for column, cell in bad:
            self.problem("error", "invisible-in-sku", f"the {column.header or 'SKU'} holds invisible characters "
                         f"({', '.join(invisible_names(cell))}), so it is not what it shows; retype it; the row is "
                         "skipped", number, column)
        if bad:
            return False
        labels = {c.index: c for c in self.all_columns}
        first = labels.get(marked[0][0])
        names = sorted({name for _, cell in marked for name in invisible_names(cell)})
        self.problem("warning", "control-characters", f"invisible characters ({', '.join(names[:4])}) were removed "
                     "from this row; check its text", number, first)
        return True

    def _read_facts(self, row: list[object], values: dict[str, Any]) -> None:
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
    def _apply(fact: Fact, values: dict[str, Any]) -> bool:
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

    def _parse(self, column: ColumnMapping, raw: object) -> dict[str, Any]:
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
        if spec.name != "name" and normalize(text) in _PLACEHOLDERS:
            return {}  # '无', '-', 'N/A': the factory says there is none
        match spec.kind:
            case "text":
                value = " ".join(text.split())
                # a column's repeated words (材质, 类目, 品牌 …) held once however many rows say them
                return {spec.name: sys.intern(value) if len(value) <= _INTERN_CHARS else value}
            case "age":
                return {spec.name: cells.parse_age(raw)}
            case "lines":
                return {spec.name: cells.parse_lines(raw)}
            case "list":
                items = [sys.intern(item) if len(item) <= _INTERN_CHARS else item for item in _list(raw)]
                if spec.name == "sizes":
                    items = expand_sizes(items)
                if spec.name == "certifications":
                    # 'EN71 ASTM F963 CPC': marks written with spaces between them
                    marks = [f.value for f in facts_in(text, column.label) if f.field == "certifications"]
                    items = marks if len(marks) > len(items) else items
                return {spec.name: items}
            case "money":
                return {spec.name: _money(raw, currency or self.settings.currency)}
            case "weight" | "weight_pair":
                return {"_weights": self._weight_readings(spec.name, spec.kind, column, raw,
                                                          measure or self.settings.weight_unit)}
            case "content":
                return {spec.name: cells.parse_content(raw, measure or self.settings.weight_unit)}
            case "dimensions":
                return {spec.name: _dimensions(raw, measure or self.settings.length_unit)}
            case "count":
                if spec.name == "carton_qty":
                    return self._carton_qty(raw, column)
                return {spec.name: cells.parse_count(raw)}
            case "capacity":
                if re.search(r"\d\s*m?ah\b", normalize(text)):
                    return {"battery": text}  # a power bank's or a toy's 容量 is its battery's
                return {spec.name: _capacity(raw, measure or "ml")}
            case "power":
                return {spec.name: cells.parse_power(raw, measure or "W")}
            case "stock":
                return {spec.name: cells.parse_stock(raw)}
        raise AssertionError(f"unknown kind {spec.kind!r} in header_aliases.toml")

    def _weight_readings(self, field: str, kind: str, column: ColumnMapping, raw: object,
                         unit: str) -> list[WeightReading]:
        """A weight cell as readings: '14.5', '12/13' (net/gross; 毛重/净重 says gross first), '1.2kg/箱'."""
        text = to_text(raw)
        header_basis = "carton" if field.startswith("carton_") else self.weight_basis.get(column.index, "either")
        basis = cell_basis(header_basis, text)
        if kind == "weight_pair" or _WEIGHT_PAIR.fullmatch(normalize(text)):
            gross_first = bool(_GROSS_FIRST.match(normalize(column.header)))
            first, second = _weight_pair(raw, unit, gross_first)
            net, gross = (second, first) if gross_first else (first, second)
            return [WeightReading("net", net, basis, column.label, pair=True),
                    WeightReading("gross", gross, basis, column.label, pair=True)]
        weight = _weight(raw, unit)
        return [WeightReading("gross" if "gross" in field else "net", weight, basis, column.label)]

    @staticmethod
    def _carton_qty(raw: object, column: ColumnMapping) -> dict[str, Any]:
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

    def _add(self, number: int, values: dict[str, Any]) -> Product | None:
        """The row as a new product; None when it was merged into an earlier one as a variant, or left out."""
        given = values.pop("sku", None) or values.get("model")
        sku = given or _generated_sku(values)
        product = Product(sku=sku, file=self.file, sheet=self.grid.name, row=number,
                          sku_generated=not given, **values)
        earlier = self.by_sku.get(sku)
        if earlier is not None:
            if _same_but_options(earlier, product):
                self._merge_variant(earlier, product)
                return None
            if given:
                self.problem("error", "duplicate-sku",
                             f"SKU '{sku}' is already used on row {earlier.row}; give this product its own "
                             "SKU; the row is skipped", number, self.by_field.get("sku") or self.by_field.get("model"))
                return None
            suffix = 2
            while f"{sku}-{suffix}" in self.by_sku:
                suffix += 1
            product.sku = sku = f"{sku}-{suffix}"
        if not given:
            self.problem("warning", "generated-sku",
                         f"no SKU; using {sku} (stable while the name and spec stay the same)", number)
        self.by_sku[sku] = product
        self.products.append(product)
        return product


def _leading_count(text: str) -> tuple[int, str] | None:
    """'20件（独立礼盒）' in a units-per-carton column: its leading whole number."""
    match = re.match(r"\s*(\d{1,5})(?![\d.])", normalize(text))
    return (int(match.group(1)), match.group(0).strip()) if match and int(match.group(1)) > 0 else None


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


def _generated_sku(values: dict[str, Any]) -> str:
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
