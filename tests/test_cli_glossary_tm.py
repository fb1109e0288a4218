"""`xborder glossary …` and `xborder tm …` as a seller and a CI job run them."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from lxml import etree

import xborder.language.memory as memory_module
from conftest import EXAMPLE_CATALOG, ROOT, one_line_error, write_xlsx
from xborder.language.glossary import fold, load_glossary, read_tbx
from xborder.language.memory import TranslationMemory
from xborder.language.tmx import read_tmx


@pytest.fixture(autouse=True)
def no_memory_from_the_environment(monkeypatch):
    monkeypatch.delenv("XBORDER_MEMORY", raising=False)


def csv_rows(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """A glossary CSV read with the csv module: {(type, zh): row}."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {(row["type"], row["zh"]): row for row in csv.DictReader(handle)}


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.output, result.stderr)
    return result


@pytest.fixture
def example(tmp_path) -> Path:
    for name in ("catalog.xlsx", "xborder.toml"):
        shutil.copy(ROOT / "examples" / name, tmp_path / name)
    return tmp_path


def no_starter(tmp_path: Path, markets: str = '"amazon-us", "amazon-de"') -> Path:
    path = tmp_path / "xborder.toml"
    path.write_text(f"[project]\nmarkets = [{markets}]\n[glossary]\nstarter = false\n", encoding="utf-8")
    return path


# --- glossary add / list -------------------------------------------------------------------

def test_add_writes_the_project_glossary(run_cli, tmp_path):
    result = ok(run_cli("glossary", "add", "汉服", "-t", "en=Hanfu dress", "-t", "de=Hanfu", "--note", "not costume"))
    path = tmp_path / "glossary.csv"
    assert f"added 汉服 (term) in {path}" in result.output
    ok(run_cli("glossary", "add", "钳", "-t", "de=Zange | Zangen"))
    ok(run_cli("glossary", "add", "VDE", "--type", "keep", "--case-sensitive"))
    ok(run_cli("glossary", "add", "汉服", "--type", "forbidden", "-t", "en=Han Chinese costume"))
    rows = csv_rows(path)
    assert set(rows) == {("term", "汉服"), ("term", "钳"), ("keep", "VDE"), ("forbidden", "汉服")}
    assert (rows["term", "汉服"]["en"], rows["term", "汉服"]["de"], rows["term", "汉服"]["note"]) == (
        "Hanfu dress", "Hanfu", "not costume")
    assert rows["term", "钳"]["de"] == "Zange | Zangen"
    assert rows["keep", "VDE"]["case_sensitive"] == "true" and rows["keep", "VDE"]["en"] == ""
    assert rows["forbidden", "汉服"]["en"] == "Han Chinese costume"


def test_add_twice_with_another_target_is_refused_until_replace(run_cli, tmp_path):
    ok(run_cli("glossary", "add", "汉服", "-t", "en=Hanfu", "-t", "de=Hanfu"))
    path = tmp_path / "glossary.csv"
    before = path.read_bytes()
    one_line_error(run_cli("glossary", "add", "汉服", "-t", "en=Han robe"),
                   str(path), "汉服 (term) already says en='Hanfu'", "--replace")
    assert path.read_bytes() == before
    ok(run_cli("glossary", "add", "汉服", "-t", "en=Hanfu"))  # says the same: fine
    assert path.read_bytes() == before
    result = ok(run_cli("glossary", "add", "汉服", "-t", "en=Han robe", "--replace"))
    assert "updated 汉服" in result.output
    row = csv_rows(path)["term", "汉服"]
    assert (row["en"], row["de"]) == ("Han robe", "Hanfu")


@pytest.mark.parametrize("args, says", [
    (["汉服"], "needs at least one --target"),
    (["汉服", "--type", "forbidden"], "needs at least one --target"),
    (["汉服", "-t", "en"], "must look like LANG=TEXT"),
    (["汉服", "-t", "=Hanfu"], "must look like LANG=TEXT"),
])
def test_add_with_bad_targets(run_cli, tmp_path, args, says):
    one_line_error(run_cli("glossary", "add", *args), says)
    assert not (tmp_path / "glossary.csv").exists()


def test_add_goes_to_the_last_configured_glossary_file(run_cli, tmp_path):
    (tmp_path / "xborder.toml").write_text('[glossary]\nfiles = ["base.csv", "terms/mine.csv"]\n', encoding="utf-8")
    ok(run_cli("glossary", "add", "星辰", "-t", "en=Xingchen"))
    assert csv_rows(tmp_path / "terms" / "mine.csv")["term", "星辰"]["en"] == "Xingchen"
    assert not (tmp_path / "glossary.csv").exists() and not (tmp_path / "base.csv").exists()


def test_add_into_a_malformed_project_glossary_leaves_it_alone(run_cli, tmp_path):
    path = tmp_path / "glossary.csv"
    path.write_text("type,zh,en\nterm,汉服,Hanfu,extra\n", encoding="utf-8")
    one_line_error(run_cli("glossary", "add", "旗袍", "-t", "en=qipao"), "row 2", "more cells")
    assert path.read_text(encoding="utf-8") == "type,zh,en\nterm,汉服,Hanfu,extra\n"


def test_list_shows_project_and_starter_entries_and_conflicts(run_cli, tmp_path):
    (tmp_path / "glossary.csv").write_text("type,zh,en\nterm,汉服,Hanfu dress\nkeep,星辰,\n", encoding="utf-8")
    entries = json.loads(ok(run_cli("glossary", "list", "--json")).output)
    by_key = {(e["type"], e["source"]): e for e in entries}
    assert by_key["term", "汉服"]["targets"]["en"] == ["Hanfu dress"]
    assert by_key["term", "汉服"]["origin"] == f"{tmp_path / 'glossary.csv'}:2"
    assert by_key["term", "马面裙"]["origin"].startswith("starter:cultural.csv")
    keeps = json.loads(ok(run_cli("glossary", "list", "--json", "--type", "keep")).output)
    assert {e["type"] for e in keeps} == {"keep"} and "星辰" in {e["source"] for e in keeps}
    found = json.loads(ok(run_cli("glossary", "list", "--json", "--search", "Hanfu dress")).output)
    assert [(e["type"], e["source"]) for e in found] == [("term", "汉服")]
    table = ok(run_cli("glossary", "list", "--lang", "en", "--search", "汉服")).output
    assert "Hanfu dress" in table
    assert "glossary conflict for 汉服 (en): 'Hanfu' in starter:cultural.csv" in table


# --- glossary check ------------------------------------------------------------------------

def starter_targets() -> dict[tuple[str, str], dict[str, str]]:
    """What glossaries/*.csv say, read with the csv module: {(type, folded zh): {lang: canonical}},
    files stacked in name order, a later file's cell winning per language."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for path in sorted((ROOT / "glossaries").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                kind = (row.get("type") or "term").strip() or "term"
                targets = out.setdefault((kind, fold(row["zh"].strip())), {})
                for lang, cell in row.items():
                    if lang not in ("type", "zh", "case_sensitive", "note") and cell and cell.strip():
                        targets[lang] = cell.split("|")[0].strip()
    return out


def example_text() -> str:
    from openpyxl import load_workbook

    book = load_workbook(EXAMPLE_CATALOG, read_only=True)
    return fold(" ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c))


def test_check_on_the_example_lists_its_terms_from_the_starter_glossaries(run_cli, example):
    payload = json.loads(ok(run_cli("glossary", "check", "catalog.xlsx", "--json")).output)
    assert payload["languages"] == ["en-US", "de-DE", "ja-JP", "en-GB"]
    starter = starter_targets()
    text = example_text()
    terms = {(t["type"], t["source"]): t for t in payload["terms"]}
    for (kind, source), use in terms.items():
        assert fold(source) in text, source
        assert use["origin"].startswith("starter:")
        if kind == "term":
            assert use["targets"].get("en", [None])[0] == starter[kind, fold(source)].get("en"), source
    # the example's cultural goods are in the starter glossary: always covered
    assert terms["term", "汉服"]["targets"]["en"][0] == "Hanfu" and terms["term", "汉服"]["products"] == ["HF-S02"]
    assert terms["term", "马面裙"]["products"] == ["HF-M01"]
    assert terms["term", "马面裙"]["targets"]["en"][0] == starter["term", "马面裙"]["en"]
    # other example terms, when a starter glossary has them (maybe as part of a longer term)
    for wanted in ("万用表", "有机肥", "螺丝刀", "明制", "宋制", "中国结", "普洱茶"):
        if ("term", wanted) in starter or ("keep", wanted) in starter:
            assert any(wanted in source for _, source in terms), wanted
    if ("keep", "vde") in starter:
        assert terms["keep", "VDE"]["products"] == ["ET-205"]
    table = ok(run_cli("glossary", "check", "catalog.xlsx")).output
    assert "Glossary terms in catalog.xlsx" in table
    for fragment in ("汉服", "Hanfu", "马面裙", "HF-M01"):
        assert fragment in table


def test_check_strict_exits_2_when_a_term_lacks_a_translation(run_cli, tmp_path):
    no_starter(tmp_path)
    write_xlsx(tmp_path / "catalog.xlsx", [["款号", "品名", "出厂价"], ["HF-1", "明制马面裙", 99], ["U-1", "雨伞", 20]])
    glossary = tmp_path / "glossary.csv"
    glossary.write_text("type,zh,en,de\nterm,马面裙,mamianqun,\nterm,雨伞,umbrella,Regenschirm\n", encoding="utf-8")
    payload = json.loads(ok(run_cli("glossary", "check", "catalog.xlsx", "--json")).output)
    assert [(t["source"], t["missing"]) for t in payload["terms"]] == [("雨伞", []), ("马面裙", ["de-DE"])]
    result = run_cli("glossary", "check", "catalog.xlsx", "--strict")
    assert result.exit_code == 2, result.output
    words = " ".join(result.output.split())
    assert "(2 terms, 1 missing a translation)" in words and "mamianqun │ missing" in words
    glossary.write_text("type,zh,en,de\nterm,马面裙,mamianqun,Mamianqun\nterm,雨伞,umbrella,Regenschirm\n",
                        encoding="utf-8")
    strict = ok(run_cli("glossary", "check", "catalog.xlsx", "--strict"))
    assert "0 missing a translation" in " ".join(strict.output.split())


def test_check_with_a_malformed_glossary_is_one_line(run_cli, tmp_path):
    no_starter(tmp_path)
    write_xlsx(tmp_path / "catalog.xlsx", [["款号", "品名", "出厂价"], ["HF-1", "汉服", 99]])
    (tmp_path / "glossary.csv").write_text("type,zh,en\nmaybe,汉服,Hanfu\n", encoding="utf-8")
    one_line_error(run_cli("glossary", "check", "catalog.xlsx"), "glossary.csv, row 2", "type 'maybe'")


# --- glossary import / export --------------------------------------------------------------

def test_import_with_contradictions_writes_nothing_unless_replace(run_cli, tmp_path):
    project = tmp_path / "glossary.csv"
    project.write_text("type,zh,en,de\nterm,汉服,Hanfu,Hanfu\nterm,雨伞,umbrella,\n", encoding="utf-8")
    before = project.read_bytes()
    incoming = tmp_path / "agency.csv"
    incoming.write_text("type,zh,en,de\nterm,汉服,Han robe,Hanfu\nterm,雨伞,,Regenschirm\nterm,旗袍,qipao,Qipao\n",
                        encoding="utf-8")
    one_line_error(run_cli("glossary", "import", "agency.csv"),
                   "1 entries contradict glossary.csv", "汉服 (en): 'Hanfu' here, 'Han robe' in agency.csv",
                   "nothing was written")
    assert project.read_bytes() == before
    result = ok(run_cli("glossary", "import", "agency.csv", "--replace"))
    assert "imported 3 entries" in result.output
    rows = csv_rows(project)
    assert set(rows) == {("term", "汉服"), ("term", "雨伞"), ("term", "旗袍")}
    assert rows["term", "汉服"]["en"] == "Han robe"
    assert (rows["term", "雨伞"]["en"], rows["term", "雨伞"]["de"]) == ("umbrella", "Regenschirm")
    assert rows["term", "旗袍"]["de"] == "Qipao"


@pytest.mark.parametrize("name, content, says", [
    ("bad.csv", "type,zh,en\nterm,汉服,Hanfu\nterm,汉服,Hanfu\n", "row 3"),
    ("bad.csv", "type,name,en\nterm,汉服,Hanfu\n", "'zh' column"),
    ("bad.tbx", "<martif><text><body><termEntry>", "not a readable TBX file"),
    ("bad.txt", "汉服,Hanfu\n", ".csv or .tbx"),
    ("missing.csv", None, "not found"),
])
def test_import_of_a_malformed_file(run_cli, tmp_path, name, content, says):
    project = tmp_path / "glossary.csv"
    project.write_text("type,zh,en\nterm,汉服,Hanfu\n", encoding="utf-8")
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    one_line_error(run_cli("glossary", "import", name), name, says)
    assert project.read_text(encoding="utf-8") == "type,zh,en\nterm,汉服,Hanfu\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"glossary.csv", name} - {"missing.csv"})


def test_import_of_a_tbx_that_contradicts_itself(run_cli, tmp_path):
    entry = ('<termEntry><langSet xml:lang="zh"><tig><term>汉服</term></tig></langSet>'
             '<langSet xml:lang="en"><tig><term>{}</term></tig></langSet></termEntry>')
    (tmp_path / "client.tbx").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><martif type="TBX" xml:lang="zh"><text><body>'
        + entry.format("Hanfu") + entry.format("Han costume") + "</body></text></martif>", encoding="utf-8")
    one_line_error(run_cli("glossary", "import", "client.tbx"), "client.tbx", "contradict each other",
                   "汉服 (en): 'Hanfu' and 'Han costume'", "nothing was written")
    assert not (tmp_path / "glossary.csv").exists()


def test_export_csv_and_tbx_then_import_the_tbx_elsewhere(run_cli, tmp_path):
    (tmp_path / "glossary.csv").write_text(
        "type,zh,en,de,case_sensitive,note\nterm,钳,pliers,Zange | Zangen,,tools\nkeep,VDE,,,true,mark\n"
        "forbidden,汉服,costume | kimono,,,\n", encoding="utf-8")
    ok(run_cli("glossary", "export", "--output", "out/project.csv", "--project-only"))
    exported = csv_rows(tmp_path / "out" / "project.csv")
    written = csv_rows(tmp_path / "glossary.csv")
    assert set(exported) == set(written)
    for key, row in written.items():
        assert {k: v for k, v in exported[key].items() if k != "case_sensitive"} == \
            {k: v for k, v in row.items() if k != "case_sensitive"}
    assert exported["term", "钳"]["de"] == "Zange | Zangen" and exported["keep", "VDE"]["case_sensitive"] == "true"

    result = ok(run_cli("glossary", "export", "--output", "all.tbx"))
    entries = read_tbx((tmp_path / "all.tbx").read_bytes(), "all.tbx")
    assert f"wrote {len(entries)} entries to all.tbx" in result.output
    keys = {(e.type, e.source) for e in entries}
    assert {("term", "钳"), ("keep", "VDE"), ("forbidden", "汉服"), ("term", "马面裙")} <= keys
    ok(run_cli("glossary", "export", "--format", "tbx", "--output", "project.xml", "--project-only"))
    assert etree.parse(str(tmp_path / "project.xml")).getroot().tag == "martif"

    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(tmp_path / "project.xml", other / "terms.tbx")
    (other / "xborder.toml").write_text("", encoding="utf-8")
    ok(run_cli("glossary", "import", "other/terms.tbx", "--config", "other/xborder.toml"))
    imported = {(e.type, e.source): e for e in load_glossary(other / "glossary.csv")}
    assert set(imported) == {("term", "钳"), ("keep", "VDE"), ("forbidden", "汉服")}
    assert imported["term", "钳"].targets == {"en": ("pliers",), "de": ("Zange", "Zangen")}
    assert imported["keep", "VDE"].case_sensitive and imported["keep", "VDE"].note == "mark"
    assert imported["forbidden", "汉服"].targets == {"en": ("costume", "kimono")}


def test_export_needs_a_known_format(run_cli, tmp_path):
    one_line_error(run_cli("glossary", "export", "--output", "terms.txt"), "terms.txt", "--format csv or tbx")
    assert not (tmp_path / "terms.txt").exists()


# --- glossary suggest ----------------------------------------------------------------------

def test_suggest_prints_candidates_and_adds_nothing(run_cli, example):
    with (example / "xborder.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[glossary]\nstarter = false\n")
    table = ok(run_cli("glossary", "suggest", "catalog.xlsx")).output
    assert "none added" in table and "VDE" in table
    candidates = {(c["type"], c["source"]): c for c in json.loads(ok(run_cli("glossary", "suggest", "catalog.xlsx",
                                                                               "--json")).output)}
    assert candidates["keep", "VDE"]["count"] == 2 and candidates["keep", "VDE"]["example"] == "ET-205"
    assert ("keep", "CAT III") in candidates and ("term", "腐熟羊粪") in candidates
    assert ("term", "腐熟羊粪有机肥") in candidates  # shared by two product names
    assert not (example / "glossary.csv").exists()

    result = ok(run_cli("glossary", "suggest", "catalog.xlsx", "--output", "candidates.csv"))
    assert "glossary import candidates.csv" in result.output
    rows = csv_rows(example / "candidates.csv")
    with (example / "candidates.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ["type", "zh", "en", "de", "ja", "case_sensitive", "note"]
    assert rows["keep", "VDE"]["case_sensitive"] == "true" and "ET-205" in rows["keep", "VDE"]["note"]
    assert set(rows) == set(candidates)
    assert not (example / "glossary.csv").exists()

    ok(run_cli("glossary", "import", "candidates.csv"))  # importable as written
    assert set(csv_rows(example / "glossary.csv")) == set(candidates)


def test_suggest_leaves_out_what_the_glossary_has(run_cli, example):
    (example / "glossary.csv").write_text("type,zh,en,case_sensitive\nkeep,VDE,,true\n", encoding="utf-8")
    with (example / "xborder.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[glossary]\nstarter = false\n")
    candidates = json.loads(ok(run_cli("glossary", "suggest", "catalog.xlsx", "--json")).output)
    assert "VDE" not in {c["source"] for c in candidates} and "CAT III" in {c["source"] for c in candidates}


# --- tm ------------------------------------------------------------------------------------

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="zh" creationtool="t" segtype="sentence" o-tmf="t" adminlang="en"
 datatype="plaintext"/><body>
<tu><tuv xml:lang="zh"><seg>汉服</seg></tuv><tuv xml:lang="en"><seg>Hanfu</seg></tuv></tu>
<tu><prop type="x-xborder-market">amazon-de</prop><tuv xml:lang="zh"><seg>马面裙</seg></tuv>
<tuv xml:lang="de"><seg>Mamianqun</seg></tuv></tu>
<tu><tuv xml:lang="zh"><seg>雨伞</seg></tuv><tuv xml:lang="de"><seg>Regenschirm</seg></tuv>
<tuv xml:lang="ja"><seg>傘</seg></tuv></tu>
</body></tmx>"""

XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
<file original="xborder-de" source-language="zh" target-language="de" datatype="plaintext"><body>
<trans-unit id="1"><source>遇水变色</source><target>Farbwechsel bei Nässe</target></trans-unit>
<trans-unit id="2"><source>晴雨伞</source><target state="needs-translation">?</target></trans-unit>
<trans-unit id="3"><source>防风</source></trans-unit>
</body></file></xliff>"""


def memory_rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return sorted(db.execute("SELECT source, target, source_lang, target_lang, market, origin FROM approved"))
    finally:
        db.close()


def test_tm_import_export_and_stats(run_cli, tmp_path):
    (tmp_path / "approved.tmx").write_text(TMX, encoding="utf-8")
    (tmp_path / "translated.xlf").write_text(XLIFF, encoding="utf-8")
    result = ok(run_cli("tm", "import", "approved.tmx", "translated.xlf", "--memory", "tm.sqlite"))
    assert "approved.tmx: 4 approved translations stored in tm.sqlite (new or changed)" in result.output
    assert "translated.xlf: 1 approved translations stored" in result.output
    assert memory_rows(tmp_path / "tm.sqlite") == [
        ("汉服", "Hanfu", "zh", "en", "", "import"),
        ("遇水变色", "Farbwechsel bei Nässe", "zh", "de", "", "human"),
        ("雨伞", "Regenschirm", "zh", "de", "", "import"),
        ("雨伞", "傘", "zh", "ja", "", "import"),
        ("马面裙", "Mamianqun", "zh", "de", "amazon-de", "import"),
    ]
    stats = json.loads(ok(run_cli("tm", "stats", "--json", "--memory", "tm.sqlite")).output)
    assert stats["total_approved"] == 5 and stats["total_cached"] == 0
    assert stats["approved"] == [{"lang": "de", "origin": "human", "count": 1},
                                 {"lang": "de", "origin": "import", "count": 2},
                                 {"lang": "en", "origin": "import", "count": 1},
                                 {"lang": "ja", "origin": "import", "count": 1}]
    assert "5 approved, 0 cached" in ok(run_cli("tm", "stats", "--memory", "tm.sqlite")).output

    assert "wrote 5 approved translations to out.tmx" in ok(run_cli("tm", "export", "--output", "out.tmx",
                                                                    "--memory", "tm.sqlite")).output
    assert sorted(read_tmx(tmp_path / "out.tmx")) == sorted((s, t, sl, tl, m) for s, t, sl, tl, m, _ in
                                                            memory_rows(tmp_path / "tm.sqlite"))
    ok(run_cli("tm", "export", "--output", "de.tmx", "--lang", "de", "--memory", "tm.sqlite"))
    assert sorted(row[1] for row in read_tmx(tmp_path / "de.tmx")) == ["Farbwechsel bei Nässe", "Mamianqun",
                                                                      "Regenschirm"]
    # the exported file imports into a new memory as the same translations
    ok(run_cli("tm", "import", "out.tmx", "--memory", "copy.sqlite"))
    copied, original = memory_rows(tmp_path / "copy.sqlite"), memory_rows(tmp_path / "tm.sqlite")
    assert [r[:5] for r in copied] == [r[:5] for r in original]


def test_tm_import_reads_every_file_before_writing_any(run_cli, tmp_path):
    (tmp_path / "good.tmx").write_text(TMX, encoding="utf-8")
    (tmp_path / "broken.xlf").write_text("<xliff><file", encoding="utf-8")
    one_line_error(run_cli("tm", "import", "good.tmx", "broken.xlf", "--memory", "tm.sqlite"),
                   "broken.xlf", "not a readable XLIFF file")
    assert not (tmp_path / "tm.sqlite").exists()
    one_line_error(run_cli("tm", "import", "good.tmx", "notes.txt", "--memory", "tm.sqlite"), "notes.txt")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    one_line_error(run_cli("tm", "import", "notes.txt", "--memory", "tm.sqlite"), ".tmx, .xlf/.xliff and the review workbook")
    assert not (tmp_path / "tm.sqlite").exists()


def test_tm_stats_of_a_garbage_file(run_cli, tmp_path):
    (tmp_path / "garbage.sqlite").write_bytes(b"\x00garbage\xff" * 500)
    one_line_error(run_cli("tm", "stats", "--memory", "garbage.sqlite"), "garbage.sqlite", "not a translation memory")
    one_line_error(run_cli("tm", "import", "x.tmx", "--memory", "garbage.sqlite"), "x.tmx", "no such file")
    (tmp_path / "x.tmx").write_text(TMX, encoding="utf-8")
    one_line_error(run_cli("tm", "import", "x.tmx", "--memory", "garbage.sqlite"), "not a translation memory")
    assert (tmp_path / "garbage.sqlite").read_bytes() == b"\x00garbage\xff" * 500


def test_tm_stats_and_export_before_there_is_a_memory(run_cli, tmp_path):
    one_line_error(run_cli("tm", "stats"), str(Path(".xborder") / "memory.sqlite"), "no translation memory here yet")
    one_line_error(run_cli("tm", "export", "--output", "out.tmx"), "no translation memory here yet")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_tm_import_into_a_locked_memory_writes_nothing(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr(memory_module, "_BUSY_MS", 100)
    (tmp_path / "x.tmx").write_text(TMX, encoding="utf-8")
    path = tmp_path / "tm.sqlite"
    with TranslationMemory(path) as memory:
        memory.approve("汉服", "Hanfu (old)", "zh", "en")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        one_line_error(run_cli("tm", "import", "x.tmx", "--memory", "tm.sqlite"), "tm.sqlite", "locked")
    finally:
        other.rollback()
        other.close()
    assert memory_rows(path) == [("汉服", "Hanfu (old)", "zh", "en", "", "human")]


def test_which_memory_file_is_used(run_cli, tmp_path, monkeypatch):
    (tmp_path / "x.tmx").write_text(TMX, encoding="utf-8")

    def imported_into() -> set[str]:
        return {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.sqlite")}

    ok(run_cli("tm", "import", "x.tmx"))
    assert imported_into() == {str(Path(".xborder") / "memory.sqlite")}
    (tmp_path / "xborder.toml").write_text('[project]\nmemory = "shared/project.sqlite"\n', encoding="utf-8")
    ok(run_cli("tm", "import", "x.tmx"))
    assert imported_into() == {str(Path(".xborder") / "memory.sqlite"), str(Path("shared") / "project.sqlite")}
    monkeypatch.setenv("XBORDER_MEMORY", str(tmp_path / "ci" / "env.sqlite"))
    ok(run_cli("tm", "import", "x.tmx"))
    assert str(Path("ci") / "env.sqlite") in imported_into()
    stats = json.loads(ok(run_cli("tm", "stats", "--json")).output)
    assert stats["path"] == str(tmp_path / "ci" / "env.sqlite")
    ok(run_cli("tm", "import", "x.tmx", "--memory", "cli.sqlite"))
    assert imported_into() == {str(Path(".xborder") / "memory.sqlite"), str(Path("shared") / "project.sqlite"),
                               str(Path("ci") / "env.sqlite"), "cli.sqlite"}
    assert json.loads(ok(run_cli("tm", "stats", "--json", "--memory", "cli.sqlite")).output)["path"] == "cli.sqlite"
    for name in (".xborder/memory.sqlite", "shared/project.sqlite", "ci/env.sqlite", "cli.sqlite"):
        assert len(memory_rows(tmp_path / name)) == 4, name
