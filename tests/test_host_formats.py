"""Issue 23, item 4: the formats a host uses, asserted on the files `xborder script` writes: the host sheet (each
line with the catalog text it came from, text never a formula), the teleprompter (plain escaped HTML, one line per
screen, no script), the comment-reply bank (answers from the facts, shipping and returns as cues), and the host
profile's formality (Japanese register, Spanish address)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import write_xlsx
from test_script_beats import HEAD, PROJECT, ROWS

FX = ("--fx-date", "2025-06-02")
EVIL = ["XS-1", "<script>alert(1)</script>雨伞", "雨具", None, "=HYPERLINK(\"http://x\")", "黑色", None, None, None,
        None, None, 20, 0.5, "30*8*8", "<script>alert(1)</script>防风，自动开合"]


@pytest.fixture
def factory(tmp_path) -> Path:
    write_xlsx(tmp_path / "catalog.xlsx", [HEAD, *ROWS, EVIL])
    (tmp_path / "xborder.toml").write_text(PROJECT, encoding="utf-8")
    return tmp_path


def folder(project: Path, tag: str) -> Path:
    return project / "dist" / "scripts" / tag


def test_host_sheet_teleprompter_and_reply_bank_are_written_and_listed(factory, run_cli):
    result = run_cli("script", "catalog.xlsx", "--lang", "en-US", *FX)
    assert result.exit_code in (0, 1), result.output
    here = folder(factory, "en-US")
    report = json.loads((factory / "dist" / "scripts" / "report.json").read_text(encoding="utf-8"))
    for name in ("host-sheet.xlsx", "teleprompter.html", "replies.csv"):
        assert f"en-US/{name}" in report["files"]

    sheet = load_workbook(here / "host-sheet.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][4:] == ("the line (as said)", "source (the catalog text it says)")
    assert all(isinstance(cell, str) and not cell.startswith("=") for row in rows[1:] for cell in row if cell)
    assert all(row[4] and row[5] for row in rows[1:])  # a source beside every line
    kettle = [row for row in rows[1:] if row[0] == "KT-18"]
    assert any(row[5] == "白色" and "White" in row[4] for row in kettle)  # the Chinese text beside the line

    page = (here / "teleprompter.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    assert "http" not in page and "src=" not in page  # nothing fetched
    assert page.count("<section") >= 20 and "@media print" in page and "page-break-after:always" in page

    with open(here / "replies.csv", encoding="utf-8-sig", newline="") as handle:
        bank = list(csv.DictReader(handle))
    assert not [r for r in bank if r["reply"].startswith(("=", "+", "-", "@"))]

    def replies(sku: str, question: str) -> list[tuple[str, str]]:
        return [(r["kind"], r["reply"]) for r in bank if r["sku"] == sku and r["question"] == question]

    assert any("1.8" in text for kind, text in replies("KT-18", "capacity") if kind == "say")
    assert any("220" in text for kind, text in replies("KT-18", "voltage/plug"))  # 220 V on a US stream
    assert any("$" in text for _, text in replies("KT-18", "price"))
    for sku in ("KT-18", "HF-101"):  # the project states no shipping or returns: a cue, never an answer
        for question in ("shipping", "returns"):
            [(kind, text)] = replies(sku, question)
            assert kind == "cue" and text.startswith("[") and text.endswith("]")
    assert any("XL" in text for kind, text in replies("HF-101", "size") if kind == "say")
    assert any("Chiffon" in text for _, text in replies("HF-101", "material"))
    assert replies("HF-101", "capacity") == [("none", "")]


def spoken(project: Path, tag: str, sku: str) -> list[str]:
    text = (folder(project, tag) / f"{sku}.md").read_text(encoding="utf-8")
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def test_formality_sets_japanese_register_and_spanish_address(factory, run_cli):
    args = ("script", "catalog.xlsx", "--lang", "ja-JP", "--lang", "es-MX", "--sku", "HF-101", "--duration", "90s",
            "--session", "30m", *FX)
    assert run_cli(*args).exit_code in (0, 1)
    ja_default, es_default = spoken(factory, "ja-JP", "HF-101"), spoken(factory, "es-MX", "HF-101")
    (factory / "xborder.toml").write_text(PROJECT + '\n[scripts]\nformality = "formal"\n', encoding="utf-8")
    assert run_cli(*args).exit_code in (0, 1)
    assert spoken(factory, "ja-JP", "HF-101") == ja_default  # Japanese is polite already
    es_formal = " ".join(spoken(factory, "es-MX", "HF-101"))
    assert es_formal != " ".join(es_default)
    assert not re.search(r"\b(tu|tus|te|ti|tienes|puedes|Elige|Mira)\b", es_formal), es_formal  # usted
    (factory / "xborder.toml").write_text(PROJECT + '\n[scripts]\nformality = "casual"\n', encoding="utf-8")
    assert run_cli(*args).exit_code in (0, 1)
    assert spoken(factory, "es-MX", "HF-101") == es_default  # Spanish is tú already
    ja_casual = spoken(factory, "ja-JP", "HF-101")
    assert ja_casual != ja_default and any("です" in line or "ます" in line for line in ja_default)
    assert not any(re.search(r"(です|ます|ください)。", line) for line in ja_casual), ja_casual
    show = (folder(factory, "ja-JP") / "run-of-show.md").read_text(encoding="utf-8")
    assert "ください" not in show.split("| 1 |")[1].split("\n")[0]  # the warm-up too
