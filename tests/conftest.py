"""Shared helpers: build catalog workbooks and CSV files in tmp_path, run the CLI."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CATALOG = ROOT / "examples" / "catalog.xlsx"

Rows = Sequence[Sequence[object]]

# [pricing] a seller who ships direct by air would write: every price can be confirmed
DIRECT_PRICING = """
[pricing]
freight_per_kg = "38"
freight_per_unit = "1.5"
freight_currency = "CNY"
fulfilment = "direct"
fx_max_age_days = "0"
"""


def write_xlsx(path: Path, sheets: dict[str, Rows] | Rows, *,
               merges: dict[str, Iterable[str]] | None = None,
               hidden: Iterable[str] = ()) -> Path:
    """Save a workbook at `path`: {sheet title: rows} (or rows for one sheet '产品').

    `merges` maps a sheet title to ranges like 'A1:F1'; the top-left cell keeps its value,
    as in Excel. Sheets named in `hidden` are hidden.
    """
    if not isinstance(sheets, dict):
        sheets = {"产品": sheets}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        for ref in (merges or {}).get(title, ()):
            sheet.merge_cells(ref)
        if title in hidden:
            sheet.sheet_state = "hidden"
    workbook.save(path)
    return path


def csv_text(rows: Rows, delimiter: str = ",") -> str:
    """Rows as CSV text, quoted the way Excel quotes (cells with the delimiter, quotes, newlines)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["" if cell is None else cell for cell in row] for row in rows])
    return buffer.getvalue()


def write_csv(path: Path, rows: Rows, *, encoding: str = "utf-8", delimiter: str = ",",
              prefix: bytes = b"") -> Path:
    """Save rows as a delimited text file in `encoding`, with optional leading bytes (a BOM)."""
    path.write_bytes(prefix + csv_text(rows, delimiter).encode(encoding))
    return path


@pytest.fixture
def xlsx(tmp_path: Path):
    """make(rows_or_sheets, name='catalog.xlsx', merges=..., hidden=...) → path in tmp_path."""

    def make(sheets: dict[str, Rows] | Rows, name: str = "catalog.xlsx", **options) -> Path:
        return write_xlsx(tmp_path / name, sheets, **options)

    return make


@pytest.fixture
def csv_file(tmp_path: Path):
    """make(rows, name='catalog.csv', encoding=..., delimiter=..., prefix=...) → path in tmp_path."""

    def make(rows: Rows, name: str = "catalog.csv", **options) -> Path:
        return write_csv(tmp_path / name, rows, **options)

    return make


FAKE_KEY = "sk-test-4fJq9ZrT2wXbY7LmN3pQ"  # the API key the tests give; no output may contain it


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    """The scripted OpenAI-compatible server (tests/fake_openai.py) on 127.0.0.1, as OPENAI_BASE_URL with FAKE_KEY;
    the memory is the project's own (no XBORDER_MEMORY)."""
    from fake_openai import FakeOpenAI

    fake = FakeOpenAI().start()
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.delenv("XBORDER_MEMORY", raising=False)
    yield fake
    fake.stop()


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """run(*args) → click Result of `xborder args…`, run in tmp_path (no stray xborder.toml)."""
    from xborder.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XBORDER_DEBUG", raising=False)

    def run(*args: object) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args], prog_name="xborder")

    return run


def codes(catalog, severity: str | None = None) -> list[str]:
    """The problem codes of a catalog, optionally of one severity, in order."""
    return [p.code for p in catalog.problems if severity is None or p.severity == severity]


def only_problem(catalog, code: str):
    """The one problem with this code (fails the test when there are none or several)."""
    found = [p for p in catalog.problems if p.code == code]
    assert len(found) == 1, f"expected one {code!r} problem, got {catalog.problems}"
    return found[0]


CHINESE_ROWS = [
    ["款号", "品名", "出厂价", "颜色", "卖点"],
    ["GF-500", "腐熟羊粪有机肥", "￥6.5", "黄色/黑色", "完全腐熟，无臭味；疏松透气"],
    ["ET-101", "数字万用表", "38元", "红色、蓝色", "自动量程"],
]


# --- files xborder cannot read: (make(tmp_path) → path, what the message says) -------------

def _garbage(tmp: Path) -> Path:
    path = tmp / "garbage.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    return path


def _csv_named_xlsx(tmp: Path) -> Path:
    return write_csv(tmp / "renamed.xlsx", CHINESE_ROWS)


def _gbk_csv_named_xlsx(tmp: Path) -> Path:
    return write_csv(tmp / "renamed-gbk.xlsx", CHINESE_ROWS, encoding="gbk")


def _tsv_named_xls(tmp: Path) -> Path:
    return write_csv(tmp / "erp-export.xls", CHINESE_ROWS, encoding="gbk", delimiter="\t")


def _html_named_xls(tmp: Path) -> Path:
    path = tmp / "web-export.xls"
    path.write_text("<html><body><table><tr><td>款号</td><td>品名, 规格</td></tr></table></body></html>",
                    encoding="utf-8")
    return path


def _truncated(tmp: Path) -> Path:
    whole = write_xlsx(tmp / "whole.xlsx", CHINESE_ROWS).read_bytes()
    path = tmp / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _zip_not_workbook(tmp: Path) -> Path:
    path = tmp / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "not a workbook")
    return path


def _empty_workbook(tmp: Path) -> Path:
    path = tmp / "empty.xlsx"
    Workbook().save(path)
    return path


def _zero_bytes_xlsx(tmp: Path) -> Path:
    path = tmp / "zero.xlsx"
    path.write_bytes(b"")
    return path


def _zero_bytes_csv(tmp: Path) -> Path:
    path = tmp / "zero.csv"
    path.write_bytes(b"")
    return path


def _binary_named_csv(tmp: Path) -> Path:
    path = tmp / "binary.csv"
    path.write_bytes(write_xlsx(tmp / "real.xlsx", CHINESE_ROWS).read_bytes())
    return path


def _undecodable_csv(tmp: Path) -> Path:
    path = tmp / "latin.csv"
    path.write_bytes(b"a,b,c\n\x80\xff\x80,x,y\n")
    return path


def _no_header(tmp: Path) -> Path:
    return write_xlsx(tmp / "noheader.xlsx", [["hello", "world"], [1, 2], [3, 4]])


def _no_name_column(tmp: Path) -> Path:
    return write_xlsx(tmp / "noname.xlsx", [["款号", "出厂价", "颜色"], ["A-1", 9, "红"]])


def _no_cost_column(tmp: Path) -> Path:
    return write_xlsx(tmp / "nocost.xlsx", [["款号", "品名", "颜色"], ["A-1", "杯", "红"]])


def _pdf(tmp: Path) -> Path:
    path = tmp / "catalog.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    return path


def _missing(tmp: Path) -> Path:
    return tmp / "nowhere" / "catalog.xlsx"


def _directory(tmp: Path) -> Path:
    path = tmp / "catalogs.xlsx"
    path.mkdir()
    return path


BAD_FILES = [
    (_garbage, "not an Excel workbook"),
    (_csv_named_xlsx, "rename it to .csv"),
    (_gbk_csv_named_xlsx, "rename it to .csv"),
    (_tsv_named_xls, "rename it to .csv"),
    (_html_named_xls, "not an Excel workbook"),
    (_truncated, "damaged or truncated"),
    (_zip_not_workbook, "cannot be read"),
    (_empty_workbook, "no data in any sheet"),
    (_zero_bytes_xlsx, "empty (0 bytes)"),
    (_zero_bytes_csv, "empty"),
    (_binary_named_csv, "binary file"),
    (_undecodable_csv, "neither UTF-8 nor GBK"),
    (_no_header, "no header row found"),
    (_no_name_column, "no name column"),
    (_no_cost_column, "no cost column"),
    (_pdf, "not a spreadsheet type"),
    (_missing, "no such file"),
    (_directory, "is a folder"),
]
BAD_IDS = [make.__name__.strip("_") for make, _ in BAD_FILES]


def one_line_error(result, *fragments: str) -> str:
    """Assert exit code 2 with exactly one 'xborder: …' line on stderr holding every fragment; return it."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("xborder: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]
