"""`xborder check` on a review workbook a person edited: every market check again, for people and CI."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

from openpyxl import load_workbook

from conftest import EXAMPLE_CATALOG


def test_check_finds_what_a_person_broke_while_editing(tmp_path, run_cli, monkeypatch):
    for item in EXAMPLE_CATALOG.parent.iterdir():
        if item.is_file():
            shutil.copy(item, tmp_path / item.name)
    monkeypatch.delenv("XBORDER_MEMORY", raising=False)
    assert run_cli("build", "catalog.xlsx", "--fx-date", "2025-06-02").exit_code == 0
    assert run_cli("check").exit_code == 0
    path = tmp_path / "dist" / "listings.xlsx"
    workbook = load_workbook(path)
    sheet = workbook["amazon-us"]
    header = [c.value for c in sheet[1]]
    title, bullet = header.index("Title") + 1, header.index("Bullet 1") + 1
    sheet.cell(row=2, column=title).value = "Best Seller umbrella!!! " + "x" * 190
    sheet.cell(row=3, column=bullet).value = "还是中文"
    workbook.save(path)

    result = run_cli("check")
    assert result.exit_code == 1
    assert "too-long" not in result.output or "title" in result.output
    payload = json.loads(run_cli("check", "--format", "json").stdout)
    checks = {(r["field"], f["check"]) for r in payload["results"] for f in r["findings"]}
    assert {("title", "banned-phrase"), ("title", "too-long"), ("title", "banned-character"),
            ("bullet_1", "untranslated")} <= checks
    assert payload["fields_with_errors"] == 2
    assert run_cli("check", "--format", "junit", "--output", "report.xml").exit_code == 1
    suites = {s.get("name"): s for s in ET.parse(tmp_path / "report.xml").getroot()}
    assert suites["amazon-us"].get("failures") == "2" and suites["amazon-de"].get("failures") == "0"


def test_check_without_a_build_is_one_line(tmp_path, run_cli):
    result = run_cli("check", "nowhere")
    assert result.exit_code == 2 and result.stderr.startswith("xborder: nowhere: no listings.xlsx")
