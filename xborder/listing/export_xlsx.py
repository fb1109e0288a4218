"""listings.xlsx: the review workbook. One sheet per market, Prices, Issues, and a hidden sheet
recording what xborder wrote, so `xborder tm import listings.xlsx` can tell a correction apart."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from xborder.catalog.model import Problem
from xborder.catalog.sources import check_extent
from xborder.errors import InputError
from xborder.files import neutralize, reproducible_zip, write_bytes
from xborder.listing.model import Listing
from xborder.markets import Market

RECORD_SHEET = "_xborder"
RECORD_HEADER = ["sheet", "sku", "column", "source", "source_lang", "target_lang", "market", "generated"]
_FILL = {"error": PatternFill("solid", fgColor="F8CBAD"), "warning": PatternFill("solid", fgColor="FFE699"),
         "pending": PatternFill("solid", fgColor="D9D9D9")}
_HEADER_FONT = Font(bold=True)
_SOURCE_FONT = Font(color="7F7F7F")
_WRAP = Alignment(wrap_text=True, vertical="top")


def sheet_name(market: Market) -> str:
    """Excel allows 31 characters and no []:*?/\\ in sheet names."""
    return "".join(ch for ch in market.key if ch not in "[]:*?/\\")[:31]


def _text_columns(listings: list[Listing]) -> list[str]:
    names: list[str] = []
    for listing in listings:
        for field in listing.fields:
            if field.name not in names:
                names.append(field.name)
    order = {"title": 0, "description": 2, "keywords": 3, "tags": 4}
    return sorted(names, key=lambda n: (order.get(n, 1), n))


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def write_workbook(path: Path, markets: list[Market], listings: dict[str, list[Listing]],
                   problems: list[Problem], source_lang: str) -> None:
    """Write the review workbook atomically, with the same bytes for the same content."""
    wb = Workbook()
    wb.remove(wb.active)
    records = []
    for market in markets:
        items = listings.get(market.key, [])
        ws = wb.create_sheet(sheet_name(market))
        fields = _text_columns(items)
        header = ["SKU", "Source row"]
        for name in fields:
            header += [_label(name), f"{_label(name)} (source)"]
        header += ["Price", "Price shown", "Variants", "Status", "Findings"]
        _append(ws, header)
        for number, listing in enumerate(items, start=2):
            row: list[object] = [listing.product.sku, f"{listing.product.sheet}!{listing.product.row}"]
            for name in fields:
                field = listing.get(name)
                row += [field.text if field else "", field.source if field else ""]
                if field:
                    records.append([ws.title, listing.product.sku, _label(name), field.source, source_lang,
                                    market.language, market.key, field.text])
            findings = listing.all_findings
            row += [float(listing.quote.price), listing.quote.formatted,
                    "; ".join(f"{v.sku}: " + " / ".join(value for _, value in v.options)
                              + (f" ({_price(v.price, listing)})" if v.price != listing.quote.price else "")
                              for v in listing.variants if v.options),
                    "pending" if listing.pending else ("check" if findings else "ok"),
                    "\n".join(f"{f.field}: {f.message}" for f in findings)]
            _append(ws, row)
            _highlight(ws, number, listing, fields)  # not ws.max_row: it scans every cell, once per row
        _style(ws, header)
    _prices_sheet(wb, markets, listings)
    _issues_sheet(wb, markets, listings, problems)
    record = wb.create_sheet(RECORD_SHEET)
    record.sheet_state = "hidden"
    _append(record, RECORD_HEADER)
    for r in records:
        _append(record, r)
    buffer = io.BytesIO()
    wb.save(buffer)
    write_bytes(path, reproducible_zip(buffer.getvalue()))


def _append(ws, values: list) -> None:
    """Every row of every sheet goes through here: no cell can hold a live formula or a character XML rejects."""
    ws.append([neutralize(v) for v in values])


def _price(amount, listing: Listing) -> str:
    return listing.quote.money(amount)


def _highlight(ws, row: int, listing: Listing, fields: list[str]) -> None:
    for index, name in enumerate(fields):
        field = listing.get(name)
        if not field:
            continue
        severities = {f.severity for f in field.findings}
        key = "pending" if field.pending else "error" if "error" in severities else \
            "warning" if "warning" in severities else None
        if key:
            ws.cell(row=row, column=3 + 2 * index).fill = _FILL[key]


def _style(ws, header: list[str]) -> None:
    ws.freeze_panes = "C2"
    for index, name in enumerate(header, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        letter = get_column_letter(index)
        source = name.endswith("(source)")
        width = 14 if name in ("SKU", "Source row", "Price", "Price shown", "Status") else \
            30 if source else 60 if name in ("Description", "Findings") else 45
        ws.column_dimensions[letter].width = width
        for cell in ws[letter][1:]:
            cell.alignment = _WRAP
            if source:
                cell.font = _SOURCE_FONT


_PRICE_COLUMNS = ["Market", "SKU", "Name", "Currency", "Factory cost", "FX rate", "FX date", "Cost",
                  "Chargeable kg", "Freight", "Duty rate", "Duty", "Landed cost", "Fulfilment", "Referral fee", "Fees",
                  "Tax rate", "Tax", "Profit", "Margin", "Break-even", "Price", "Price shown", "Confirmed",
                  "Price findings"]


def _prices_sheet(wb: Workbook, markets: list[Market], listings: dict[str, list[Listing]]) -> None:
    ws = wb.create_sheet("Prices")
    _append(ws, _PRICE_COLUMNS)
    for market in markets:
        for listing in listings.get(market.key, []):
            q = listing.quote
            amount = lambda v: round(float(v), 4)  # noqa: E731
            weight = amount(q.weight_kg) if q.weight_kg is not None else ""
            findings = "\n".join(f"{f.severity}: {f.message}" for f in q.findings)
            _append(ws, [
                market.key, q.sku, q.name, q.currency, str(q.cost_source), float(q.fx.rate), q.fx.date.isoformat(),
                amount(q.cost), weight, amount(q.freight), float(q.duty_rate), amount(q.duty), amount(q.landed),
                f"{q.fulfilment}: {amount(q.fulfilment_fee)}", amount(q.referral_fee), amount(q.fees),
                f"{float(q.tax_rate)} ({q.tax_class})", amount(q.tax), amount(q.profit), amount(q.margin),
                amount(q.break_even), float(q.price), q.formatted, "yes" if q.confirmed else "NO", findings])
    for index, name in enumerate(_PRICE_COLUMNS, start=1):
        ws.cell(row=1, column=index).font = _HEADER_FONT
        ws.column_dimensions[get_column_letter(index)].width = 24 if name == "Name" else 60 if name == \
            "Price findings" else 13
    ws.freeze_panes = "C2"


def _issues_sheet(wb: Workbook, markets: list[Market], listings: dict[str, list[Listing]],
                  problems: list[Problem]) -> None:
    ws = wb.create_sheet("Issues")
    columns = ["Market", "SKU", "Field", "Check", "Severity", "Message"]
    _append(ws, columns)
    for problem in problems:
        _append(ws, ["catalog", "", f"{problem.sheet or ''} row {problem.row or ''} "
                                           f"{problem.column or ''}".strip(), problem.code, problem.severity,
                                           problem.message])
    for market in markets:
        for listing in listings.get(market.key, []):
            for f in listing.all_findings:
                _append(ws, [market.key, listing.product.sku, f.field, f.check, f.severity,
                                                   f.message])
            if listing.pending:
                _append(ws, [market.key, listing.product.sku, ", ".join(f.name for f in listing.fields if f.pending),
                           "pending", "warning", "text left in the source language: translate it in pending.xlf "
                                                 "or correct it in this workbook"])
    for index, width in enumerate((14, 14, 18, 20, 10, 90), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
        ws.cell(row=1, column=index).font = _HEADER_FONT
    ws.freeze_panes = "A2"


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
    record = wb[RECORD_SHEET]
    rows = list(record.iter_rows(values_only=True))
    if not rows or list(rows[0][:len(RECORD_HEADER)]) != RECORD_HEADER:
        raise InputError("the _xborder sheet was changed; build again and correct the new workbook",
                         file=str(path), sheet=RECORD_SHEET)
    sheets: dict[str, dict[tuple[str, str], object]] = {}
    out = []
    for sheet, sku, column, source, source_lang, target_lang, market, generated in rows[1:]:
        if sheet not in wb.sheetnames:
            continue
        if sheet not in sheets:
            sheets[sheet] = _cells_by_sku_and_header(wb[sheet])
        current = sheets[sheet].get((str(sku), column))
        if current is None:
            continue
        out.append(ReviewedField(str(sheet), str(sku), str(column), str(source or ""), str(source_lang),
                                 str(target_lang), str(market or ""), _plain(generated), _plain(current)))
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
