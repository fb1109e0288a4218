"""Upload files written listing by listing: Amazon's tab-separated flat file and the xlsx bulk-upload sheets of
TikTok Shop, Shopee, Lazada and Mercado Libre. The template (data/upload_templates.toml) names the format;
UPLOAD_WRITERS gives the class that writes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from xborder.files import OutputError, neutralize
from xborder.exports.store_csv import CsvSink
from xborder.exports.review_workbook import MAX_ROWS
from xborder.listing.model import Listing
from xborder.listing.uploads import Template, upload_rows
from xborder.markets import Market
from xborder.values import plain


class UploadFile:
    """One market's upload file: a header row, then each listing's rows as it comes."""

    def __init__(self, out: Path, market: Market, template: Template):
        self.path = Path(out) / template.file_name(market)
        self.market = market
        self.template = template
        self.products = 0

    def add(self, listing: Listing) -> None:
        self.products += 1
        self.write(upload_rows(self.template, listing, self.products))

    def write(self, rows: list[list[str | Decimal]]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class TextUpload(UploadFile):
    """Tab-separated UTF-8 text (Amazon's flat file), every cell neutralized by CsvSink."""

    def __init__(self, out: Path, market: Market, template: Template):
        super().__init__(out, market, template)
        self.sink = CsvSink(self.path, template.headers(market), "\t")

    def write(self, rows: list[list[str | Decimal]]) -> None:
        self.sink.write([[plain(v) if isinstance(v, Decimal) else v for v in row] for row in rows])

    def close(self) -> None:
        self.sink.close()


class WorkbookUpload(UploadFile):
    """An .xlsx of one sheet, written in constant memory: text neutralized and written as text, figures as
    numbers (prices, quantities, weights and sizes)."""

    def __init__(self, out: Path, market: Market, template: Template):
        import xlsxwriter

        super().__init__(out, market, template)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.book = xlsxwriter.Workbook(str(self.path), {
                "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                "strings_to_urls": False})
        except OSError as error:
            raise OutputError(f"{self.path}: cannot write ({error.strerror})") from None
        self.book.set_properties({"created": dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)})
        self.sheet = self.book.add_worksheet("Template")
        headers = template.headers(market)
        for column, header in enumerate(headers):
            self.sheet.set_column(column, column, 40 if header in _WIDE else 16)
        self.sheet.freeze_panes(1, 0)
        self.row = 0
        bold = self.book.add_format({"bold": True})
        for column, header in enumerate(headers):
            self.sheet.write_string(0, column, neutralize(header), bold)

    def write(self, rows: list[list[str | Decimal]]) -> None:
        for values in rows:
            self.row += 1
            if self.row >= MAX_ROWS:
                raise OutputError(f"{self.path}: more rows than one sheet holds ({MAX_ROWS - 1}); build the "
                                  "catalog in parts (--shard K/N)")
            for column, value in enumerate(values):
                if isinstance(value, Decimal):
                    self.sheet.write_number(self.row, column, float(value))
                elif value:
                    self.sheet.write_string(self.row, column, neutralize(value))

    def close(self) -> None:
        try:
            self.book.close()
        except OSError as error:
            raise OutputError(f"{self.path}: cannot write ({error.strerror})") from None


_WIDE = {"Product Name", "Product Description", "Título", "Descripción", "name", "description", "short_description"}
UPLOAD_WRITERS: dict[str, type[UploadFile]] = {"tsv": TextUpload, "xlsx": WorkbookUpload}


def upload_file(out: Path, market: Market, template: Template) -> UploadFile:
    """The writer for a template's format (UPLOAD_WRITERS)."""
    return UPLOAD_WRITERS[template.format](out, market, template)
