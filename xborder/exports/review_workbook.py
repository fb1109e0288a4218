"""listings.xlsx: the review workbook. One sheet per market, Prices, Issues, Compliance, and a hidden sheet
recording what xborder wrote, so `xborder tm import listings.xlsx` can tell a correction apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from xborder.catalog.model import Problem
from xborder.catalog.sources import check_extent
from xborder.errors import InputError
from xborder.files import OutputError, neutralize
from xborder.listing.compliance import DISCLAIMER, compliance_data
from xborder.listing.model import HELD, Listing
from xborder.markets import Market

RECORD_SHEET = "_xborder"
# the index of the hidden record sheets: which market sheet each one mirrors, and its languages
RECORD_INDEX = ["record sheet", "sheet", "source_lang", "target_lang", "market"]
# workbooks written before 0.3 kept one row per field in _xborder itself; they are still read
OLD_RECORD_HEADER = ["sheet", "sku", "column", "source", "source_lang", "target_lang", "market", "generated"]
MAX_ROWS = 1_048_576  # Excel's rows per sheet: a longer sheet continues on "Prices (2)" …
_FILLS = {"error": "#F8CBAD", "warning": "#FFE699", "pending": "#D9D9D9"}
_TEXT_ORDER = {"title": 0, "description": 2, "keywords": 3, "tags": 4}


def sheet_name(market: Market) -> str:
    """Excel allows 31 characters and no []:*?/\\ in sheet names."""
    return "".join(ch for ch in market.key if ch not in "[]:*?/\\")[:31]


def text_columns(names: list[str]) -> list[str]:
    """Listing fields in the order the review sheet shows them: title, bullets, description, keywords, tags."""
    return sorted(dict.fromkeys(names), key=lambda n: (_TEXT_ORDER.get(n, 1), n))


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class _Sheet:
    """One logical sheet written row by row; past Excel's last row it continues on a sheet of its own.
    A `note` is the first row of each part, above the header."""

    def __init__(self, book: ReviewWorkbook, title: str, header: list[str], widths: Sequence[float],
                 freeze: tuple[int, int], hidden: bool = False, note: str = ""):
        self.book, self.title, self.header, self.widths, self.freeze, self.hidden, self.note = \
            book, title, header, widths, freeze, hidden, note
        self.parts = 0
        self._open()

    def _open(self) -> None:
        self.parts += 1
        name = self.title if self.parts == 1 else f"{self.title[:25]} ({self.parts})"
        ws = self.ws = self.book.wb.add_worksheet(name)
        for index, width in enumerate(self.widths):
            ws.set_column(index, index, width)
        if self.hidden:
            ws.hide()
        else:
            ws.freeze_panes(*self.freeze)
        self.row = 0
        if self.note:
            self.write([self.note], self.book.bold)
        self.write(self.header, self.book.bold)

    @property
    def name(self) -> str:
        return str(self.ws.name)  # xlsxwriter ships no type hints; a sheet's name is text

    def write(self, values: Sequence[object], style=None, styles: dict[int, object] | None = None) -> None:
        """Every cell of the workbook goes through here: text is neutralized (no live formula, no character
        XML rejects) and written as text, numbers as numbers."""
        if self.row >= MAX_ROWS:
            self._open()
        write_cells(self.ws, self.row, values, style, styles)
        self.row += 1


def write_cells(ws, row: int, values: Sequence[object], style=None, styles: dict[int, object] | None = None) -> None:
    """One row of an xlsxwriter sheet as every workbook of xborder writes it: text neutralized (no live formula, no
    character XML rejects) and written as text, numbers as numbers."""
    for column, value in enumerate(values):
        cell_style = styles.get(column, style) if styles else style
        if value is None or value == "":
            if cell_style is not None:
                ws.write_blank(row, column, None, cell_style)
        elif isinstance(value, str):
            ws.write_string(row, column, neutralize(value), cell_style)
        elif isinstance(value, bool):
            ws.write_boolean(row, column, value, cell_style)
        else:
            ws.write_number(row, column, value, cell_style)


class ReviewWorkbook:
    """listings.xlsx written as listings arrive, in constant memory (xlsxwriter): one sheet per market, Prices,
    Issues, Compliance, and hidden sheets recording what xborder wrote, so `xborder tm import` can tell a
    correction apart.

    Styles are made once per workbook and passed by reference, never per cell."""

    def __init__(self, path: Path, markets: list[Market], fields: dict[str, list[str]], source_lang: str,
                 problems: list[Problem]):
        import xlsxwriter

        self.path = Path(path)
        self.markets = markets
        self.source_lang = source_lang
        self.wb = xlsxwriter.Workbook(str(self.path), {"constant_memory": True, "strings_to_numbers": False,
                                                       "strings_to_formulas": False, "strings_to_urls": False})
        # fixed document dates: the same content gives the same bytes
        self.wb.set_properties({"created": dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)})
        self.bold = self.wb.add_format({"bold": True})
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})
        self.source = self.wb.add_format({"text_wrap": True, "valign": "top", "font_color": "#7F7F7F"})
        self.fills = {key: self.wb.add_format({"text_wrap": True, "valign": "top", "bg_color": colour,
                                               "pattern": 1}) for key, colour in _FILLS.items()}
        self.fields = {m.key: text_columns(fields.get(m.key, [])) for m in markets}
        self.sheets: dict[str, _Sheet] = {}
        for market in markets:
            header = ["SKU", "Source row"]
            for name in self.fields[market.key]:
                header += [_label(name), f"{_label(name)} (source)"]
            header += ["Price", "Price shown", "Variants", "Status", "Findings"]
            widths = [14 if h in ("SKU", "Source row", "Price", "Price shown", "Status") else
                      30 if h.endswith("(source)") else 60 if h in ("Description", "Findings") else 45 for h in header]
            self.sheets[market.key] = _Sheet(self, sheet_name(market), header, widths, (1, 2))
        self.prices = _Sheet(self, "Prices", _PRICE_COLUMNS,
                             [24 if n == "Name" else 60 if n == "Price findings" else 13 for n in _PRICE_COLUMNS],
                             (1, 2))
        self.issues = _Sheet(self, "Issues", _ISSUE_COLUMNS, [14, 14, 18, 20, 10, 90], (1, 0))
        self.compliance = _Sheet(self, "Compliance", COMPLIANCE_COLUMNS, [14, 14, 22, 45, 90, 8, 60, 40], (2, 2),
                                 note=DISCLAIMER)
        index = _Sheet(self, RECORD_SHEET, RECORD_INDEX, [], (0, 0), hidden=True)
        self.records: dict[str, _Sheet] = {}
        for number, market in enumerate(markets, start=1):
            header = ["SKU"] + [label for name in self.fields[market.key]
                                for label in (_label(name), f"{_label(name)} (source)")]
            record = self.records[market.key] = _Sheet(self, f"{RECORD_SHEET}{number}", header, [], (0, 0),
                                                       hidden=True)
            index.write([record.name, self.sheets[market.key].name, source_lang, market.language, market.key])
        for problem in problems:
            self.issues.write(["catalog", "", f"{problem.sheet or ''} row {problem.row or ''} "
                                              f"{problem.column or ''}".strip(), problem.code, problem.severity,
                               problem.message])

    def add(self, listing: Listing) -> None:
        """One listing's row on its market's sheet, its record, its price and its findings."""
        market = listing.market
        names = self.fields[market.key]
        row: list[object] = [listing.product.sku, f"{listing.product.sheet}!{listing.product.row}"]
        record: list[object] = [listing.product.sku]
        styles = {}
        for index, name in enumerate(names):
            field = listing.get(name)
            text, source = (field.text, field.source) if field else ("", "")
            row += [text, source]
            record += [text, source]
            styles[3 + 2 * index] = self.source
            fill = _fill(field) if field else None
            if fill:
                styles[2 + 2 * index] = self.fills[fill]
        findings = listing.all_findings
        row += [float(listing.quote.price), listing.quote.formatted,
                "; ".join(f"{v.sku}: " + " / ".join(value for _, value in v.options)
                          + (f" ({listing.quote.money(v.price)})" if v.price != listing.quote.price else "")
                          for v in listing.variants if v.options),
                listing.status + (f": {', '.join(listing.hold_reasons)}" if listing.hold_reasons else ""),
                "\n".join(f"{f.field}: {f.message}" for f in findings)]
        self.sheets[market.key].write(row, self.wrap, styles)
        self.records[market.key].write(record)
        self.prices.write(_price_row(listing))
        pending = {f.name for f in listing.fields if f.pending}
        # one row for the fields still in Chinese, not one per field: a new factory's catalog is mostly pending
        untranslated = [f for f in findings if f.check == "untranslated" and f.field in pending]
        for f in findings:
            if f not in untranslated:
                self.issues.write([market.key, listing.product.sku, f.field, f.check, f.severity, f.message])
        kinds = compliance_data().kinds
        for item in listing.compliance.items:
            self.compliance.write([listing.product.sku, market.key, kinds[item.kind].label, item.requirement,
                                   item.action, item.status, item.source, item.why], self.wrap,
                                  {5: self.fills["error"]} if item.status == "error" else None)
        if listing.status == HELD:  # a pending listing has its own row below
            self.issues.write([market.key, listing.product.sku, "status", "held", "warning",
                               f"kept out of the upload files: {', '.join(listing.hold_reasons)}"])
        if listing.pending:
            self.issues.write([market.key, listing.product.sku, ", ".join(f.name for f in listing.fields if f.pending),
                               "pending", "error" if untranslated else "warning",
                               "text left in the source language: translate it in pending.xlf or correct it in "
                               "this workbook"])

    def close(self) -> None:
        try:
            self.wb.close()
        except OSError as error:
            raise OutputError(f"{self.path}: cannot write ({error.strerror})") from None


def _fill(field) -> str | None:
    severities = {f.severity for f in field.findings}
    return "pending" if field.pending else "error" if "error" in severities else \
        "warning" if "warning" in severities else None


_PRICE_COLUMNS = ["Market", "SKU", "Name", "Currency", "Factory cost", "FX rate", "FX date", "Cost",
                  "Chargeable kg", "Freight", "Duty rate", "Duty", "Landed cost", "Fulfilment", "Referral fee", "Fees",
                  "Tax rate", "Tax", "Profit", "Margin", "Break-even", "Price", "Price shown", "Confirmed",
                  "Price findings"]
_ISSUE_COLUMNS = ["Market", "SKU", "Field", "Check", "Severity", "Message"]
COMPLIANCE_COLUMNS = ["SKU", "Market", "Product kind", "Requirement", "What to do", "Status", "Source",
                      "Why it applies"]


def _price_row(listing: Listing) -> list[object]:
    q = listing.quote
    amount = lambda v: round(float(v), 4)  # noqa: E731
    weight = amount(q.weight_kg) if q.weight_kg is not None else ""
    findings = "\n".join(f"{f.severity}: {f.message}" for f in q.findings)
    return [listing.market.key, q.sku, q.name, q.currency, str(q.cost_source), float(q.fx.rate), q.fx.date.isoformat(),
            amount(q.cost), weight, amount(q.freight), float(q.duty_rate), amount(q.duty), amount(q.landed),
            f"{q.fulfilment}: {amount(q.fulfilment_fee)}", amount(q.referral_fee), amount(q.fees),
            f"{float(q.tax_rate)} ({q.tax_class})", amount(q.tax), amount(q.profit), amount(q.margin),
            amount(q.break_even), float(q.price), q.formatted, "yes" if q.confirmed else "NO", findings]


@dataclass(frozen=True)
class ReviewedField:
    """One listing field of a review workbook: what xborder wrote, and what the cell holds now."""

    sheet: str
    sku: str
    column: str
    source: str
    source_lang: str
    target_lang: str
    market: str
    generated: str
    current: str

    @property
    def name(self) -> str:
        """The field's name ('bullet_1') from its column label ('Bullet 1')."""
        return self.column.lower().replace(" ", "_")

    @property
    def changed(self) -> bool:
        return bool(self.current) and self.current != self.generated


def read_review_fields(path: Path) -> list[ReviewedField]:
    """Every listing field of a review workbook written by `xborder build`, with the cell's current text."""
    check_extent(path)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"not a readable workbook ({str(error).splitlines()[0][:100]})", file=str(path)) from None
    if RECORD_SHEET not in wb.sheetnames:
        raise InputError("this workbook was not written by `xborder build` (no _xborder sheet); import TMX or "
                         "XLIFF instead", file=str(path))
    index = list(wb[RECORD_SHEET].iter_rows(values_only=True))
    header = [str(h) if h is not None else "" for h in index[0]] if index else []
    cells: dict[str, dict[tuple[str, str], object]] = {}

    def current(sheet: str, sku: object, column: str) -> object:
        if sheet not in cells:
            cells[sheet] = _cells_by_sku_and_header(wb[sheet])
        return cells[sheet].get((str(sku), column))

    out = []
    if header[:len(OLD_RECORD_HEADER)] == OLD_RECORD_HEADER:
        for sheet, sku, column, source, source_lang, target_lang, market, generated in index[1:]:
            if sheet not in wb.sheetnames:
                continue
            now = current(sheet, sku, column)
            if now is not None:
                out.append(ReviewedField(str(sheet), str(sku), str(column), str(source or ""), str(source_lang),
                                         str(target_lang), str(market or ""), _plain(generated), _plain(now)))
        return out
    if header[:len(RECORD_INDEX)] != RECORD_INDEX:
        raise InputError("the _xborder sheet was changed; build again and correct the new workbook",
                         file=str(path), sheet=RECORD_SHEET)
    for record_sheet, sheet, source_lang, target_lang, market in (row[:5] for row in index[1:]):
        if record_sheet not in wb.sheetnames or sheet not in wb.sheetnames:
            continue
        rows = wb[record_sheet].iter_rows(values_only=True)
        labels = [str(h) if h is not None else "" for h in next(rows, ())]
        for row in rows:
            sku = row[0] if row else None
            if sku is None:
                continue
            for number, column in enumerate(labels[1::2]):
                generated = row[1 + 2 * number] if 1 + 2 * number < len(row) else None
                source = row[2 + 2 * number] if 2 + 2 * number < len(row) else None
                if generated is None and source is None:
                    continue  # this listing has no such field
                now = current(sheet, sku, column)
                if now is not None:
                    out.append(ReviewedField(str(sheet), str(sku), column, str(source or ""), str(source_lang),
                                             str(target_lang), str(market or ""), _plain(generated), _plain(now)))
    return out


def read_corrections(path: Path) -> list[tuple[str, str, str, str, str]]:
    """Cells a person changed in a review workbook: (source, corrected text, source_lang, target_lang, market '')."""
    out, seen = [], set()
    for field in read_review_fields(path):
        if field.changed and field.source and (field.source, field.target_lang) not in seen:
            seen.add((field.source, field.target_lang))
            out.append((field.source, field.current, field.source_lang, field.target_lang, ""))
    return out


def _plain(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def _cells_by_sku_and_header(ws) -> dict[tuple[str, str], object]:
    rows = ws.iter_rows(values_only=True)
    header = [str(h) if h is not None else "" for h in next(rows, [])]
    if "SKU" not in header:
        return {}
    sku_index = header.index("SKU")
    cells = {}
    for row in rows:
        sku = row[sku_index] if sku_index < len(row) else None
        if sku is None:
            continue
        for index, name in enumerate(header):
            if index < len(row):
                cells[(str(sku), name)] = row[index]
    return cells
