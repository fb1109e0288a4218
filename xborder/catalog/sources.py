"""Read a spreadsheet file into plain grids of cell values, one per sheet."""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from xborder.errors import InputError
from xborder.files import special_file
from xborder.catalog.options import ReadLimits

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
_ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".ods"}
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # an old binary .xls

_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")  # a worksheet's rows and cells
_REF = re.compile(rb'\br="([^"]*)"')
_ROW_NUMBER = re.compile(rb"[0-9]+")
_CELL_NAME = re.compile(rb"([A-Za-z]+)([0-9]+)")
# the largest row and column a worksheet can hold (Excel's 1,048,576 rows and XFD = 16,384 columns): a reference
# past them is no workbook Excel wrote, and the reader below would fail on it outright
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


@dataclass
class SheetGrid:
    """One sheet's cells; rows[i] is spreadsheet row i + 1, cells as calamine gives them."""

    name: str
    rows: list[list[Any]]
    hidden: bool = False
    text: bool = False  # a CSV/TSV: its one "sheet" is the file, so messages name no sheet
    faults: dict[int, RowFault] = field(default_factory=dict)  # row number → why the row cannot be read


def read_grids(path: Path, limits: ReadLimits | None = None) -> list[SheetGrid]:
    """Every sheet of a workbook, or the one table of a CSV file."""
    if not path.exists():
        raise InputError("no such file; check the path", file=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a spreadsheet; give the .xlsx or .csv file inside it",
                         file=str(path))
    special = special_file(path)  # by stat: opening a named pipe would block, a device never ends
    if special:
        raise InputError(f"{special}, not a regular file; xborder reads a catalog only from an ordinary file: save "
                         "the catalog as a file and give that", file=str(path))
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [read_text_grid(path, limits)]
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path, limits or ReadLimits())
    raise InputError(f"'{path.suffix or 'no extension'}' is not a spreadsheet type xborder reads; "
                     "save it as .xlsx or .csv", file=str(path))


def _read_workbook(path: Path, limits: ReadLimits) -> list[SheetGrid]:
    with path.open("rb") as handle:
        start = handle.read(1 << 20)  # enough to tell what the file really is
    head = start[:8]
    if not head:
        raise InputError("the file is empty (0 bytes); export the catalog again", file=str(path))
    suffix = path.suffix.lower()
    # many ERP "Excel exports" are text (CSV, tab-separated) or HTML named .xls
    if suffix in _ZIP_SUFFIXES and head.startswith(_OLE_SIGNATURE) and "Encrypt".encode("utf-16-le") in start:
        raise InputError("the workbook is password-protected (encrypted); save a copy without a password",
                         file=str(path))
    if (suffix in _ZIP_SUFFIXES and not head.startswith(b"PK")) or \
            (suffix == ".xls" and not head.startswith((_OLE_SIGNATURE, b"PK"))):
        if _looks_like_text(path):
            raise InputError(f"this is a text (CSV) file named {suffix}; rename it to .csv",
                             file=str(path))
        raise InputError(f"this is not an Excel workbook although it is named {suffix}; "
                         "open it in Excel or WPS and save it as .xlsx", file=str(path))
    if suffix in _ZIP_SUFFIXES and not zipfile.is_zipfile(path):
        raise InputError("the workbook is damaged or truncated (incomplete download?); "
                         "get the file again or re-save it in Excel", file=str(path))
    check_extent(path, limits)
    try:
        try:
            grids = _calamine_grids(python_calamine.CalamineWorkbook.from_path(str(path)))
        except python_calamine.CalamineError as error:
            if "shared strings" not in str(error) or suffix not in (".xlsx", ".xlsm"):
                raise
            # a cell that points at text the workbook does not hold: read the rest, that row is left out
            mended, lost = _without_missing_texts(path)
            grids = _calamine_grids(python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(mended)))
            for grid in grids:
                for row, column in lost.get(grid.name, ()):
                    grid.faults[row] = RowFault("damaged-cell", "the cell points at text the workbook does not hold "
                                                "(the file is damaged); retype the cell", column)
    except python_calamine.PasswordError:
        raise InputError("the workbook is password-protected; save a copy without a password",
                         file=str(path)) from None
    except (python_calamine.CalamineError, python_calamine.ZipError, python_calamine.XmlError,
            OSError, ValueError) as error:
        raise InputError(f"the workbook cannot be read ({_first_line(error)}); open it in Excel "
                         "or WPS and save it again as .xlsx", file=str(path)) from None
    if not grids or all(not any(_filled(row) for row in grid.rows) for grid in grids):
        raise InputError("the workbook has no data in any sheet", file=str(path))
    return grids


def _calamine_grids(workbook: Any) -> list[SheetGrid]:
    grids = []
    for meta in workbook.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        rows = sheet.to_python(skip_empty_area=False)
        _fill_merged(rows, sheet.merged_cell_ranges or [])
        grids.append(SheetGrid(meta.name, rows, hidden=meta.visible != python_calamine.SheetVisibleEnum.Visible))
    return grids


_SHARED_CELL = re.compile(rb'<((?:\w+:)?c)\b([^>]*?)\bt="s"([^>]*)>\s*<((?:\w+:)?v)>\s*([0-9]+)\s*</\4>\s*</\1>')
_SHEET_ENTRY = re.compile(rb'<(?:\w+:)?sheet\b([^>]*)>')
_RELATIONSHIP = re.compile(rb'<(?:\w+:)?Relationship\b([^>]*)>')


def _attribute(tag: bytes, name: bytes) -> bytes:
    """An attribute's value in a tag's attribute text, in whatever order the writer put them."""
    found = re.search(rb'(?:^|\s)' + re.escape(name) + rb'="([^"]*)"', tag)
    return found.group(1) if found else b""


def _without_missing_texts(path: Path) -> tuple[bytes, dict[str, list[tuple[int, int]]]]:
    """The workbook with every cell that points past its shared-text table emptied, and those cells as (row,
    0-based column) per sheet name. The sheets were scanned and measured by check_extent already."""
    out = io.BytesIO()
    lost: dict[str, list[tuple[int, int]]] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        shared = archive.read("xl/sharedStrings.xml").count(b"<si") if "xl/sharedStrings.xml" in names else 0
        sheet_of: dict[str, str] = {}
        if {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= names:
            targets = {_attribute(tag, b"Id"): _attribute(tag, b"Target")
                       for tag in _RELATIONSHIP.findall(archive.read("xl/_rels/workbook.xml.rels"))}
            for tag in _SHEET_ENTRY.findall(archive.read("xl/workbook.xml")):
                name, rid = _attribute(tag, b"name"), _attribute(tag, b"r:id")
                target = targets.get(rid, b"").decode("utf-8", "replace").lstrip("/")
                member = target if target.startswith("xl/") else f"xl/{target}"
                sheet_of[member] = html.unescape(name.decode("utf-8", "replace"))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as mended:
            for item in archive.infolist():
                data = archive.read(item)
                if item.filename.startswith("xl/worksheets/") and item.filename.endswith(".xml"):
                    cells: list[tuple[int, int]] = []

                    def empty(match: re.Match[bytes]) -> bytes:
                        if int(match.group(5)) < shared:
                            return match.group(0)
                        reference = _REF.search(match.group(2) + match.group(3))
                        cell = _CELL_NAME.fullmatch(reference.group(1)) if reference else None
                        if cell:
                            cells.append((int(cell.group(2)), _column_number(cell.group(1)) - 1))
                        return b"<" + match.group(1) + match.group(2) + match.group(3) + b"/>"

                    data = _SHARED_CELL.sub(empty, data)
                    if cells:
                        lost.setdefault(sheet_of.get(item.filename, item.filename), []).extend(cells)
                mended.writestr(item, data)
    return out.getvalue(), lost


def check_extent(path: Path, limits: ReadLimits | None = None) -> None:
    """Refuse, before loading, a workbook too large to read: file size, unpacked size, and for .xlsx/.xlsm the
    farthest cell of each sheet. A reader builds a dense grid of rows × columns, so one cell at XFD1048576 in a
    6 KB file would ask for 512 GB; the sheet's declared <dimension> is not trusted, its XML is scanned."""
    limits = limits or ReadLimits()
    size = path.stat().st_size
    if size > limits.file_mb * 2**20:
        raise InputError(f"the file is {size / 2**20:,.0f} MB, over the limit of {limits.file_mb} MB "
                         "(file_mb in [limits]); split the catalog", file=str(path))
    suffix = path.suffix.lower()
    if suffix not in _ZIP_SUFFIXES:
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > limits.unpacked_mb * 2**20:
                raise InputError(f"the workbook unpacks to more than {limits.unpacked_mb} MB (unpacked_mb in "
                                 "[limits]); it is damaged or not a catalog", file=str(path))
            for member in members:
                if suffix in (".xlsx", ".xlsm") and member.filename.startswith("xl/worksheets/") \
                        and member.filename.endswith(".xml"):
                    rows, columns = _farthest_cell(archive, member)
                    if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
                        raise InputError(
                            f"a sheet names a cell past the last row or column a worksheet has (row {rows:,} of "
                            f"{EXCEL_ROWS:,}, column {columns:,} of {EXCEL_COLUMNS:,}); the file is damaged or was "
                            "not written by a spreadsheet program: open it in Excel or WPS and save it again",
                            file=str(path))
                    if columns > limits.columns or rows * columns > limits.cells:
                        raise InputError(
                            f"a sheet reaches row {rows:,}, column {columns:,} ({rows * columns:,} cells), over the "
                            f"limit of {limits.cells:,} cells and {limits.columns:,} columns (cells per sheet: cells "
                            "and columns in [limits]); delete the stray far cells or copy the table into a new "
                            "workbook", file=str(path))
                else:
                    _check_member(archive, member)
    except zlib.error as error:  # a compressed part whose bytes were damaged
        raise InputError(f"the workbook is damaged: a part of it cannot be unpacked ({_first_line(error)}); get "
                         "the file again or re-save it in Excel", file=str(path)) from None
    except zipfile.BadZipFile as error:
        if "CRC" in str(error):  # the reader does not check: a damaged part would be read as it is
            raise InputError(f"the workbook is damaged: a part of it fails its checksum ({_first_line(error)}); get "
                             "the file again or re-save it in Excel", file=str(path)) from None
        raise InputError(f"the workbook cannot be read ({_first_line(error)}); open it in Excel or WPS and save it "
                         "again as .xlsx", file=str(path)) from None
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as error:
        raise InputError(f"the workbook cannot be read ({_first_line(error)}); open it in Excel or WPS and save it "
                         "again as .xlsx", file=str(path)) from None


def _check_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Read one part through to its end, which checks its CRC-32 (zipfile raises BadZipFile when it is wrong)."""
    if member.is_dir():
        return
    with archive.open(member) as handle:
        while handle.read(1 << 20):
            pass


def _column_number(letters: bytes) -> int:
    """A cell reference's column letters as its 1-based number (b'A' → 1, b'xfd' → 16384); at most four letters
    are counted, past the last column any worksheet has."""
    column = 0
    for letter in letters[:4].upper():
        column = column * 26 + letter - 64
    return column


def _farthest_cell(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    """The largest row number and column number of any cell in a worksheet's XML, read in chunks, as a reader
    places cells: by their reference (any case: 'xfd1048576'), and a <row> or <c> without one after the last."""
    rows = columns = row = column = 0
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(1 << 20):
            data = tail + chunk
            end = data.rfind(b">") + 1  # whole tags only; the rest waits for the next chunk
            for match in _TAG.finditer(data, 0, end):
                reference = _REF.search(match.group(2))
                if match.group(1) == b"row":
                    number = _ROW_NUMBER.fullmatch(reference.group(1)) if reference else None
                    row, column = (int(number.group()[:12]) if number else row + 1), 0
                else:
                    cell = _CELL_NAME.fullmatch(reference.group(1)) if reference else None
                    if cell:
                        column = _column_number(cell.group(1))
                        row = max(row, int(cell.group(2)[:12]))
                    else:
                        column += 1
                rows, columns = max(rows, row), max(columns, column)
                if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
                    return rows, columns
            tail = data[end:]
    return rows, columns


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:120]


def _filled(row: list[object]) -> bool:
    return any(cell not in (None, "") for cell in row)


def _fill_merged(rows: list[list[Any]], ranges) -> None:
    """Give every cell of a merged range the value of its top-left cell, as Excel shows it."""
    for (top, left), (bottom, right) in ranges:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value


def _looks_like_text(path: Path) -> bool:
    sample = path.read_bytes()[:4096]
    try:
        _decode(sample, partial=True)
    except UnicodeDecodeError:
        return False
    if sample.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<"):  # HTML or XML, not a CSV
        return False
    return b"\x00" not in sample and any(sep in sample for sep in (b",", b";", b"\t"))


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(raw: bytes, partial: bool = False) -> tuple[str, str]:
    """Decode CSV bytes: a BOM wins, then UTF-8, then GB18030 (a superset of GBK and GB2312)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="strict" if not partial else "ignore"), encoding
    for encoding in ("utf-8", "gb18030"):
        try:
            if partial:
                codecs.getincrementaldecoder(encoding)().decode(raw, final=False)
                return "", encoding
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("unknown", raw, 0, 1, "neither UTF-8 nor GBK/GB18030")


_UNREADABLE = "\ufffd"  # what a byte the file's encoding cannot read becomes, so its row can be named


def _decode_lines(raw: bytes) -> tuple[str, str, bool]:
    """The text of a CSV whose lines are not all in one encoding (a GBK, Latin-1 or 0xFF row pasted into a UTF-8
    file): the encoding most of its non-ASCII lines are in, the other lines' unreadable bytes as U+FFFD so that
    their rows, not the file, are refused. The third value says whether any byte was unreadable."""
    lines = [line for line in raw.split(b"\n") if not line.isascii()]
    for encoding in ("utf-8", "gb18030"):
        readable = sum(1 for line in lines if _decodes(line, encoding))
        if readable and readable * 2 >= len(lines):
            return raw.decode(encoding, errors="replace"), encoding, True
    raise UnicodeDecodeError("unknown", raw, 0, 1, "neither UTF-8 nor GBK/GB18030")


def _decodes(line: bytes, encoding: str) -> bool:
    try:
        line.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class RowFault:
    """Why one row of a CSV cannot be read although the file can: its bytes are not in the file's encoding, or a
    cell is over [limits] cell_chars. `column` is the 0-based column, when known."""

    code: str
    message: str
    column: int | None = None


def read_text_table(path: Path, limits: ReadLimits | None = None) -> list[list[Any]]:
    """A CSV/TSV file as rows of text, encoding and delimiter detected (see read_text_grid)."""
    return read_text_grid(path, limits).rows


def read_text_grid(path: Path, limits: ReadLimits | None = None) -> SheetGrid:
    """A CSV/TSV file as its one grid, encoding and delimiter detected. A row the file's encoding cannot read, or
    with a cell over [limits] cell_chars, is emptied and named in the grid's faults: the other rows are read."""
    limits = limits or ReadLimits()
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("the file is empty; export the catalog again", file=str(path))
    first_lines = raw[:65536].split(b"\n")
    # a binary file (a workbook or picture named .csv) has NUL bytes on most of its lines, or starts with its
    # format's mark; NULs pasted into a row or two are a problem of those rows (below), not of the file
    with_nul = sum(1 for line in first_lines if b"\x00" in line)
    if raw.startswith(_BINARY_MARKS) or (with_nul > max(1, len(first_lines) // 3)
                                          and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))):
        raise InputError("this is a binary file, not a CSV; give the catalog as .xlsx or .csv",
                         file=str(path))
    mixed = False
    try:
        text, encoding = _decode(raw)
    except UnicodeDecodeError:
        if raw.startswith(tuple(bom for bom, _ in _BOMS)):
            raise InputError("the text is damaged: it does not match the encoding its byte-order mark says; save "
                             "it from Excel as 'CSV UTF-8 (comma delimited)'", file=str(path)) from None
        try:
            text, encoding, mixed = _decode_lines(raw)
        except UnicodeDecodeError:
            raise InputError("the text is neither UTF-8 nor GBK; save it from Excel as "
                             "'CSV UTF-8 (comma delimited)'", file=str(path)) from None
    del raw
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    # the csv module's cap, [limits] cell_chars, keeps what one cell may hold bounded; a cell over it is a problem
    # of its row, whose lines are then skipped, not of the file
    csv.field_size_limit(limits.cell_chars)
    grid = SheetGrid(path.stem, [], text=True)
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        number = len(grid.rows) + 1
        lines.record_pos = lines.pos
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            if "field larger than field limit" not in str(error):
                raise InputError(f"row {number}: the CSV is malformed ({error}); check for an unclosed quote",
                                 file=str(path)) from None
            if not lines.skip_record():
                raise InputError(f"row {number}: a quote (\") is left open, so the rest of the file was read as one "
                                 "cell; close the quote or remove it", file=str(path)) from None
            grid.faults[number] = RowFault("cell-too-long", f"a cell is longer than the {limits.cell_chars:,} "
                                           "characters a cell may have (cell_chars in [limits]); shorten it or move "
                                           "the text elsewhere")
            grid.rows.append([])
            continue
        fault = _row_fault(row, mixed, encoding)
        if fault is not None:
            grid.faults[number] = fault
            row = [""] * len(row)  # nothing of it is read
        grid.rows.append(row)
    del text
    rows = grid.rows
    width = Counter(len(row) for row in rows[:200]).most_common(1)[0][0] if rows else 0
    for number, row in enumerate(rows, start=1):
        # a quote left open swallows the rows after it into one cell: line breaks and delimiters inside it
        if width > 2 and any("\n" in cell and any(line.count(delimiter) >= width - 1
                                                   for line in cell.splitlines()[1:]) for cell in row):
            raise InputError(f"row {number}: a quote (\") is left open, so the rows after it were read as one cell; "
                             "close the quote or remove it", file=str(path))
    return grid


class _Lines:
    """A text's lines with their endings, one at a time, for the csv reader (a StringIO would hold a second, wider
    copy of the text); after a cell over the cap, skip_record() moves past the rest of its record."""

    def __init__(self, text: str):
        self.text = text
        self.end = "\n" if "\n" in text else "\r"
        self.pos = 0  # where the next line starts
        self.record_pos = 0  # where the record being read starts

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.text):
            raise StopIteration
        stop = self._stop(self.pos)
        line = self.text[self.pos:stop]
        self.pos = stop
        return line

    def _stop(self, start: int) -> int:
        stop = self.text.find(self.end, start)
        return len(self.text) if stop < 0 else stop + 1

    def skip_record(self) -> bool:
        """After an error inside a record: continue after the first line, from the one the reader stopped in, at
        which the record's quotes are balanced; False when they never are (a quote left open)."""
        quotes, pos = 0, self.record_pos
        while pos < len(self.text):
            stop = self._stop(pos)
            quotes += self.text.count('"', pos, stop)
            pos = stop
            if pos >= self.pos and quotes % 2 == 0:
                self.pos = pos
                return True
        return False


_BINARY_MARKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF")


def _row_fault(row: list[str], mixed: bool, encoding: str) -> RowFault | None:
    for index, cell in enumerate(row):
        if "\x00" in cell:
            return RowFault("control-character", "a cell holds a NUL character (binary data pasted in); retype the "
                            "cell", index)
    if mixed:
        for index, cell in enumerate(row):
            if _UNREADABLE in cell:
                name = "UTF-8" if encoding == "utf-8" else "GBK"
                return RowFault("bad-encoding", f"the text is not {name} like the rest of the file (another encoding "
                                "was pasted in); retype the row, or save the whole file from Excel as 'CSV UTF-8'",
                                index)
    return None
