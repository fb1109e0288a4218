"""Issue 23: a run of show (整场脚本) a producer would sign, asserted on the files written: a 60-minute session with a
warm-up, an opening offer, a flash-deal window priced by the pricing engine above break-even, interaction beats,
Q&A from the facts and a closing, in five languages, no spoken line in Chinese, every line linted; the xlsx holds
the lines themselves; the host profile sets the Thai particle and is checked when the project loads."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import write_xlsx
from test_script_beats import HEAD, HAN, PROJECT, ROWS, sources

FX = ("--fx-date", "2025-06-02")
ROS_LANGS = ("en-US", "de-DE", "ja-JP", "es-MX", "th-TH")


@pytest.fixture
def factory(tmp_path) -> Path:
    write_xlsx(tmp_path / "catalog.xlsx", [HEAD, *ROWS])
    (tmp_path / "xborder.toml").write_text(PROJECT + '\n[scripts]\nhost = "female"\n', encoding="utf-8")
    return tmp_path


def check_show(project: Path, tags: tuple[str, ...]) -> dict:
    report = json.loads((project / "dist" / "scripts" / "report.json").read_text(encoding="utf-8"))
    chinese = sources()
    for tag in tags:
        show = report["runs_of_show"][tag]
        kinds = Counter(s["kind"] for s in show["slots"])
        assert sum(s["seconds"] for s in show["slots"]) == 3600, tag
        assert show["slots"][0]["kind"] == "warmup" and show["slots"][-1]["kind"] == "closing", tag
        assert kinds["opening_offer"] == 1 and kinds["flash"] >= 1 and kinds["interaction"] >= 3, (tag, kinds)
        assert kinds["qa"] == 1 and kinds["rehook"] >= 3, (tag, kinds)
        qa = next(s for s in show["slots"] if s["kind"] == "qa")
        assert sum(1 for x in qa["lines"] if "say" in x) >= 4 and sum(1 for x in qa["lines"] if "cue" in x) >= 2
        for deal in show["flash"]:  # the pricing engine's price, above break-even and below the listing's
            assert Decimal(deal["break_even"]) < Decimal(deal["price"]), (tag, deal)
        flash_said = " ".join(s["say"] for s in show["slots"] if s["kind"] == "flash")
        assert all(d["formatted"] in flash_said for d in show["flash"]), tag
        assert not [f for f in show["findings"] if f["severity"] == "error"], (tag, show["findings"])
        products = [s for s in show["slots"] if s["kind"] == "product"]
        first = {p["sku"]: p["say"] for p in products if p["round"] == 1}
        later = [p for p in products if p["round"] == 3]
        assert later and all(p["say"] != first[p["sku"]] for p in later), tag  # a later round is said anew
        for slot in show["slots"]:
            for item in slot["lines"]:
                if "say" not in item:
                    continue
                text = item["say"]
                if tag == "ja-JP":
                    assert not any(part in text for part in chinese), (tag, text)
                else:
                    assert not HAN.search(text), (tag, slot["kind"], text)
                if tag == "th-TH":
                    assert "ครับ" not in text  # [scripts] host = "female"
    return report


def test_a_sixty_minute_run_of_show_in_five_languages(factory, run_cli):
    args = ["script", "catalog.xlsx", "--duration", "60s", "--session", "60m", *FX]
    for tag in ROS_LANGS:
        args += ["--lang", tag]
    result = run_cli(*args)
    assert result.exit_code in (0, 1), result.output
    report = check_show(factory, ROS_LANGS)
    refused = [f for f in report["runs_of_show"]["en-US"]["findings"] if f["check"] == "flash-refused"]
    assert refused and "SP-03" in refused[0]["message"]  # $2.99 leaves no flash price once rounded
    for item in report["scripts"]:
        assert abs(item["estimated_seconds"] - 60) <= 6, (item["lang"], item["sku"])
    sheet = load_workbook(factory / "dist" / "scripts" / "th-TH" / "run-of-show.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    says = [row[8] for row in rows[1:-1]]
    assert all(isinstance(s, str) and s for s in says if s is not None)
    assert not any(re.fullmatch(r"[\w.-]+\.md", s or "") for s in says)  # the lines, not "HF-101.md"
    product_rows = [row for row in rows[1:-1] if row[4] == "product"]
    assert product_rows and all("\n" in row[8] for row in product_rows)
    assert "ค่ะ" in "".join(s or "" for s in says)
    markdown = (factory / "dist" / "scripts" / "de-DE" / "run-of-show.md").read_text(encoding="utf-8")
    assert "Flash deals (priced by the pricing engine, above break-even)" in markdown


def test_a_run_of_show_with_the_model_engine_keeps_the_glue_linted(factory, run_cli, server):
    result = run_cli("script", "catalog.xlsx", "--duration", "60s", "--session", "60m", "--lang", "en-US", "--lang",
                     "th-TH", "--engine", "openai", "--model", "test-model", *FX)
    assert result.exit_code in (0, 1), result.output
    assert server.requests  # the model wrote the first round's scripts
    check_show(factory, ("en-US", "th-TH"))


@pytest.mark.parametrize("table, message", [
    ('host = "robot"', "host = 'robot' is not one of female, male, neutral"),
    ('formality = "loud"', "formality = 'loud' is not one of formal, casual"),
    ('voice = "x"', "has no setting 'voice'"),
])
def test_a_wrong_host_profile_is_one_line_and_exit_2(factory, run_cli, table, message):
    (factory / "xborder.toml").write_text(PROJECT + f"\n[scripts]\n{table}\n", encoding="utf-8")
    result = run_cli("script", "catalog.xlsx", "--lang", "th-TH", *FX)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert message in result.output


def test_the_host_sets_the_thai_particle(factory, run_cli):
    (factory / "xborder.toml").write_text(PROJECT + '\n[scripts]\nhost = "male"\n', encoding="utf-8")
    result = run_cli("script", "catalog.xlsx", "--lang", "th-TH", "--sku", "UM-88", *FX)
    assert result.exit_code in (0, 1), result.output
    text = (factory / "dist" / "scripts" / "th-TH" / "UM-88.md").read_text(encoding="utf-8")
    spoken = [line for line in text.splitlines() if line.startswith("## ")]
    assert any("ครับ" in line for line in spoken) and not any("ค่ะ" in line for line in spoken)
