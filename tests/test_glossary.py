"""Glossaries: matching, the three checks, CSV and TBX files, stacking and conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import write_xlsx
from xborder.catalog import read_catalog
from xborder.config import load_config
from xborder.markets import get_markets
from xborder.language.glossary import (Glossary, GlossaryEntry, GlossaryError, check_forbidden_terms,
                                        check_keep_terms, check_missing_terms, fold, load_glossary,
                                        read_tbx, stack, starter_glossary, write_csv, write_tbx)
from xborder.language.project import project_glossary
from xborder.language.terms import glossary_coverage

E = GlossaryEntry


def term(source: str, **targets: str) -> GlossaryEntry:
    """A term entry; targets as en="A | B", de_DE="…" (underscore for the hyphen of a locale)."""
    return E(source, "term", {lang.replace("_", "-"): tuple(f.strip() for f in text.split("|"))
                              for lang, text in targets.items()})


def found(glossary: Glossary, text: str) -> list[tuple[str, str]]:
    """(entry source, matched text) for each match, in order."""
    return [(m.entry.source, m.text) for m in glossary.find(text)]


def checks(findings) -> list[tuple[str, str]]:
    return [(f.check, f.term) for f in findings]


# --- matching ------------------------------------------------------------------------------

STEEL = Glossary([E("304", "keep"), term("不锈钢", en="stainless steel"),
                  term("304不锈钢", en="304 stainless steel"), term("钢丝绳", en="wire rope")])


def test_cjk_longest_match_wins():
    assert found(STEEL, "304不锈钢螺丝") == [("304不锈钢", "304不锈钢")]
    assert found(STEEL, "不锈钢304") == [("不锈钢", "不锈钢"), ("304", "304")]
    match = STEEL.find("优质304不锈钢")[0]
    assert (match.start, match.end) == (2, 8)


def test_matches_never_overlap():
    # 不锈钢 and 钢丝绳 share 钢: the earlier, longer-at-its-position one is taken, 钢丝绳 is not
    assert found(STEEL, "不锈钢丝绳") == [("不锈钢", "不锈钢")]
    assert found(STEEL, "镀锌钢丝绳") == [("钢丝绳", "钢丝绳")]


def test_several_terms_in_one_string_without_spaces():
    glossary = Glossary([term("数字万用表", en="digital multimeter"), term("万用表", en="multimeter"),
                         E("VDE", "keep", case_sensitive=True), term("绝缘", en="insulated"),
                         term("螺丝刀", en="screwdriver")])
    assert found(glossary, "数字万用表VDE绝缘螺丝刀套装") == [
        ("数字万用表", "数字万用表"), ("VDE", "VDE"), ("绝缘", "绝缘"), ("螺丝刀", "螺丝刀")]
    assert found(glossary, "万用表") == [("万用表", "万用表")]


@pytest.mark.parametrize("text, matched", [
    ("knot", ["knot"]),
    ("two knots", ["knots"]),
    ("Knot.", ["Knot"]),
    ("a knotted rope", []),
    ("slipknot", []),
    ("knot-tying", ["knot"]),
])
def test_english_word_boundaries(text, matched):
    glossary = Glossary([term("knot", en="knot")])
    assert [m.text for m in glossary.find(text)] == matched


def test_simple_plurals():
    glossary = Glossary([term("box", en="box"), term("knot", en="knot")])
    assert found(glossary, "Boxes of knots") == [("box", "Boxes"), ("knot", "knots")]
    assert found(glossary, "boxer") == []


def test_case_insensitive_by_default_and_case_sensitive_entries():
    glossary = Glossary([E("VDE", "keep", case_sensitive=True), E("ABS", "keep")])
    assert found(glossary, "VDE认证") == [("VDE", "VDE")]
    assert found(glossary, "vde认证") == []
    assert found(glossary, "Vde") == []
    assert found(glossary, "abs外壳 ABS Abs") == [("ABS", "abs"), ("ABS", "ABS"), ("ABS", "Abs")]


def test_full_width_text_matches_after_nfkc():
    glossary = Glossary([term("304不锈钢", en="304 stainless steel"), E("VDE", "keep", case_sensitive=True),
                         E("ABS", "keep")])
    assert found(glossary, "３０４不锈钢") == [("304不锈钢", "３０４不锈钢")]
    assert found(glossary, "ＶＤＥ认证，ＡＢＳ外壳") == [("VDE", "ＶＤＥ"), ("ABS", "ＡＢＳ")]
    assert found(glossary, "ｖｄｅ认证") == []  # still case-sensitive after NFKC


def test_match_positions_stay_right_when_lower_case_changes_the_length():
    # 'ẞ' lower-cases to 'ss': matching falls back to the text as written, positions still index it
    glossary = Glossary([term("汉服", en="Hanfu")])
    [match] = glossary.find("GROẞE 汉服")
    assert (match.start, match.end, match.text) == (6, 8, "汉服")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="304不锈钢丝绳汉服knotsVDEvde ", max_size=30))
def test_find_gives_ordered_non_overlapping_matches_of_the_terms(text):
    glossary = Glossary(list(STEEL) + [term("汉服", en="Hanfu"), term("knot", en="knot"),
                                       E("VDE", "keep", case_sensitive=True)])
    matches = glossary.find(text)
    for before, after in zip(matches, matches[1:]):
        assert before.end <= after.start
    for m in matches:
        assert m.text == text[m.start:m.end]
        source = fold(m.entry.source)
        assert fold(m.text) in (source, source + "s", source + "es")


def test_entries_for_adds_the_forbidden_entry_of_a_found_term():
    glossary = Glossary([term("汉服", en="Hanfu"), E("汉服", "forbidden", {"en": ("costume",)}),
                         term("旗袍", en="qipao")])
    assert [(e.type, e.source) for e in glossary.entries_for("宋制汉服")] == [("forbidden", "汉服"), ("term", "汉服")]


def test_a_term_is_matched_before_its_forbidden_entry_whatever_the_order():
    glossary = Glossary([E("马面裙", "forbidden", {"en": ("horse skirt",)}), term("马面裙", de="Mamianqun")])
    assert [m.entry.type for m in glossary.find("明制马面裙")] == ["term"]


# --- checks --------------------------------------------------------------------------------

PLIERS = Glossary([term("钳", de="Zange | Zangen", en="pliers"), term("汉服", en="Hanfu"),
                   E("汉服", "forbidden", {"en": ("Han Chinese costume", "kimono"), "de": ("Kostüm",)}),
                   term("铝合金", en="aluminum alloy", en_GB="aluminium alloy"),
                   E("VDE", "keep", case_sensitive=True), term("织金", en="zhijin brocade")])


@pytest.mark.parametrize("target", ["Eine Zange aus Stahl", "Zwei Zangen im Set", "ZANGE"])
def test_missing_terms_accepts_every_listed_form(target):
    entries = PLIERS.entries_for("钳")
    assert check_missing_terms(entries, target, "de-DE") == []


@pytest.mark.parametrize("target", ["Ein Zangenkopf", "Eine Klemme"])
def test_missing_terms_reports_a_term_not_in_the_target(target):
    [finding] = check_missing_terms(PLIERS.entries_for("钳"), target, "de-DE", "title")
    assert (finding.check, finding.severity, finding.field, finding.term) == ("glossary-missing", "warning",
                                                                              "title", "钳")
    assert "'Zange'" in finding.message and "de-DE" in finding.message


def test_en_gb_falls_back_to_en_and_prefers_its_own_target():
    hanfu = PLIERS.entries_for("汉服")
    assert check_missing_terms(hanfu, "Hanfu dress", "en-GB") == []
    assert checks(check_missing_terms(hanfu, "Chinese dress", "en-GB")) == [("glossary-missing", "汉服")]
    alloy = PLIERS.entries_for("铝合金")
    assert check_missing_terms(alloy, "aluminium alloy frame", "en-GB") == []
    [finding] = check_missing_terms(alloy, "aluminum alloy frame", "en-GB")
    assert "aluminium alloy" in finding.message
    assert check_missing_terms(alloy, "aluminum alloy frame", "en-US") == []


def test_a_term_without_a_target_for_a_language_gives_no_false_missing():
    assert check_missing_terms(PLIERS.entries_for("织金"), "Goldbrokat", "de") == []
    assert PLIERS.check("织金马面裙", "Rock mit Goldbrokat", "de-DE") == []


def test_coverage_reports_the_language_a_term_has_no_target_for(tmp_path):
    path = write_xlsx(tmp_path / "c.xlsx", [["款号", "品名", "出厂价"], ["HF-1", "织金马面裙", 99],
                                            ["HF-2", "汉服", 80], ["T-1", "钳子", 10]])
    products = read_catalog(path).products
    uses = {u.entry.source: u for u in glossary_coverage(products, PLIERS, ["en-US", "de-DE", "en-GB"])}
    assert set(uses) == {"织金", "汉服", "钳"}
    assert uses["织金"].missing == ["de-DE"]
    assert uses["汉服"].missing == ["de-DE"]
    assert uses["钳"].missing == []
    assert uses["织金"].skus == ["HF-1"]
    assert uses["织金"].to_json()["targets"] == {"en": ["zhijin brocade"]}


def test_coverage_reports_the_term_even_when_a_forbidden_entry_came_first(tmp_path):
    glossary = Glossary([E("马面裙", "forbidden", {"en": ("horse skirt",)}), term("马面裙", de="Mamianqun")])
    path = write_xlsx(tmp_path / "c.xlsx", [["款号", "品名", "出厂价"], ["HF-1", "明制马面裙", 99]])
    [use] = glossary_coverage(read_catalog(path).products, glossary, ["en-US", "de-DE"])
    assert (use.entry.type, use.missing) == ("term", ["en-US"])


def test_forbidden_terms():
    entries = PLIERS.entries_for("汉服")
    findings = check_forbidden_terms(entries, "A Han Chinese costume, not a Kimono", "en-US", "title")
    assert [(f.check, f.severity, f.term) for f in findings] == [("glossary-forbidden", "error", "汉服")] * 2
    assert "'Han Chinese costume'" in findings[0].message and "'kimono'" in findings[1].message
    assert check_forbidden_terms(entries, "Hanfu dress", "en") == []
    assert checks(check_forbidden_terms(entries, "Ein Kostüm", "de-DE")) == [("glossary-forbidden", "汉服")]
    # only when the source term is there
    assert PLIERS.check("旗袍", "a kimono", "en") == []


def test_keep_terms_must_stay_exactly_as_written():
    entries = PLIERS.entries_for("VDE认证")
    assert check_keep_terms(entries, "VDE certified", "en") == []
    assert check_keep_terms(entries, "VDE-certified", "de") == []
    for altered in ("vde certified", "V.D.E. certified", "VDEcertified"):
        [finding] = check_keep_terms(entries, altered, "en", "bullets")
        assert (finding.check, finding.severity, finding.term) == ("glossary-keep", "error", "VDE")
        assert "'VDE'" in finding.message


def test_check_runs_all_three():
    findings = PLIERS.check("VDE汉服钳", "vde kimono pliers", "en", "title")
    assert sorted(checks(findings)) == [("glossary-forbidden", "汉服"), ("glossary-keep", "VDE"),
                                        ("glossary-missing", "汉服")]
    assert {f.field for f in findings} == {"title"}
    assert PLIERS.check("VDE汉服钳", "VDE Hanfu pliers", "en") == []


# --- CSV -----------------------------------------------------------------------------------

def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("text, says", [
    ("type,cn,en\nterm,汉服,Hanfu\n", ["'zh' column", "found: type, cn, en"]),
    ("", ["'zh' column"]),
    ("type,zh,en\nterm,汉服,Hanfu\nglossary,旗袍,qipao\n", ["row 3", "type 'glossary'"]),
    ("type,zh,en\nterm,汉服,Hanfu\nterm,旗袍,qipao\nterm,汉服,Han robe\n", ["row 4", "汉服", "row 2"]),
    ("type,zh,en\nterm,ＶＤＥ,x\nterm,vde,y\n", ["row 3", "row 2"]),
    ("type,zh,en\nforbidden,汉服,\n", ["row 2", "forbidden", "汉服"]),
    ("type,zh,en\nterm,汉服,Hanfu,extra\n", ["row 2", "more cells"]),
    ("type,zh,en\nterm,汉服,\"Hanfu\nterm,旗袍,qipao\n", ["row 2", "quote"]),
    ("type,zh,en,en\nterm,汉服,Hanfu,Han\n", ["'en' twice"]),
    ("type,zh,en\nterm,,Hanfu\n", ["row 2", "no source term"]),
], ids=["no-zh", "empty", "unknown-type", "duplicate", "duplicate-after-nfkc", "forbidden-no-target",
        "extra-cells", "open-quote", "repeated-column", "no-source"])
def test_malformed_csv_names_file_and_row(tmp_path, text, says):
    path = write(tmp_path / "terms.csv", text)
    with pytest.raises(GlossaryError) as error:
        load_glossary(path)
    message = str(error.value)
    assert message.startswith(str(path))
    for fragment in says:
        assert fragment in message
    assert error.value.exit_code == 2


def test_csv_that_is_not_utf8_or_not_a_glossary_file(tmp_path):
    with pytest.raises(GlossaryError, match="UTF-8"):
        load_glossary(write(tmp_path / "gbk.csv", "type,zh,en\nterm,汉服,Hanfu\n", "gbk"))
    with pytest.raises(GlossaryError, match="not found"):
        load_glossary(tmp_path / "nowhere.csv")
    with pytest.raises(GlossaryError, match=r"\.csv or \.tbx"):
        load_glossary(write(tmp_path / "terms.xlsx", "x"))


def test_csv_reading_details(tmp_path):
    text = ("\ufefftype,zh,en,en-GB,de,case_sensitive,note\n"
            "term,钳,pliers,,Zange | Zangen,,\"for tools, not hair\"\n"
            "keep,VDE,,,,TRUE,German standard\n"
            ",马面裙,mamianqun,,,no,\n"
            "term,汉服,Hanfu,,,,\n"
            "forbidden,汉服,costume,,Kostüm,,\n"
            ",,,,,,\n")
    glossary = load_glossary(write(tmp_path / "g.csv", text))
    entries = {e.key: e for e in glossary}
    assert len(glossary) == 5
    assert entries["term", "钳"].targets == {"en": ("pliers",), "de": ("Zange", "Zangen")}
    assert entries["term", "钳"].note == "for tools, not hair"
    assert entries["term", "钳"].origin == f"{tmp_path / 'g.csv'}:2"
    assert entries["keep", "vde"].case_sensitive and entries["keep", "vde"].forms("de") == ("VDE",)
    assert entries["term", "马面裙"].type == "term" and not entries["term", "马面裙"].case_sensitive
    assert entries["forbidden", "汉服"].targets == {"en": ("costume",), "de": ("Kostüm",)}
    assert glossary.languages() == ["de", "en"]


ROUND_TRIP = Glossary([
    E("钳", "term", {"de": ("Zange", "Zangen"), "en": ("pliers",)}, note='for tools, "not" hair; ok'),
    E("VDE", "keep", {}, case_sensitive=True, note="German standard"),
    E("CAT III", "keep", {"ja": ("CAT Ⅲ",)}),
    E("汉服", "term", {"en": ("Hanfu",), "ja": ("漢服",)}),
    E("汉服", "forbidden", {"en": ("Han Chinese costume", "kimono"), "de": ("Kostüm",)}),
    E("铝合金", "term", {"en": ("aluminum alloy",), "en-GB": ("aluminium alloy",)}),
    E("=SUM(A1)", "term", {"en": ("-dash, first",)}),
])


def comparable(entries) -> set:
    return {(e.type, e.source, tuple(sorted(e.targets.items())), e.case_sensitive, e.note) for e in entries}


def test_csv_round_trip(tmp_path):
    text = write_csv(ROUND_TRIP)
    assert text.splitlines()[0] == "type,zh,de,en,en-GB,ja,case_sensitive,note"
    path = write(tmp_path / "out.csv", text)
    back = load_glossary(path)
    assert comparable(back) == comparable(ROUND_TRIP)
    assert len(back) == len(ROUND_TRIP) == 7
    # languages asked for come first even when no entry has them
    assert write_csv(ROUND_TRIP, ["fr", "en"]).splitlines()[0] == "type,zh,fr,en,de,en-GB,ja,case_sensitive,note"


# --- TBX -----------------------------------------------------------------------------------

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_tbx_round_trip(tmp_path):
    raw = write_tbx(ROUND_TRIP)
    path = tmp_path / "terms.tbx"
    path.write_bytes(raw)
    back = load_glossary(path)
    assert comparable(back) == comparable(ROUND_TRIP)
    assert {e.origin for e in back} == {str(path)}


def test_tbx_has_one_language_section_per_language_and_marks_forbidden_terms_deprecated():
    root = etree.fromstring(write_tbx(ROUND_TRIP))
    entries = root.iter("termEntry")
    statuses = {}
    for entry in entries:
        langs = [ls.get(XML_LANG) for ls in entry.iter("langSet")]
        assert len(langs) == len(set(langs)), langs
        source = entry.find("langSet/tig/term").text
        kind = next(d.text for d in entry.iter("descrip") if d.get("type") == "xborderType")
        for tig in entry.iter("tig"):
            note = tig.find("termNote")
            if note is not None:
                statuses[kind, source, tig.find("term").text] = note.text
    assert statuses["term", "钳", "Zange"] == "preferredTerm-admn-sts"
    assert statuses["term", "钳", "Zangen"] == "admittedTerm-admn-sts"
    assert statuses["forbidden", "汉服", "kimono"] == "deprecatedTerm-admn-sts"
    assert statuses["forbidden", "汉服", "Kostüm"] == "deprecatedTerm-admn-sts"


def test_tbx_from_another_tool_preferred_and_deprecated_in_one_entry(tmp_path):
    path = tmp_path / "client.tbx"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="en"><martifHeader><fileDesc><sourceDesc><p>client</p></sourceDesc></fileDesc>
</martifHeader><text><body>
<termEntry id="t1">
  <langSet xml:lang="zh-CN"><tig><term>汉服</term></tig></langSet>
  <langSet xml:lang="en">
    <tig><term>Hanfu</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
    <tig><term>Chinese costume</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig>
  </langSet>
</termEntry>
<termEntry id="t2">
  <langSet xml:lang="zh"><tig><term>旗袍</term></tig></langSet>
  <langSet xml:lang="zh-TW"><tig><term>旗袍</term></tig></langSet>
  <langSet xml:lang="en"><tig><term>qipao</term></tig><tig><term>cheongsam</term></tig></langSet>
</termEntry>
</body></text></martif>""", encoding="utf-8")
    entries = {e.key: e for e in load_glossary(path)}
    assert set(entries) == {("term", "汉服"), ("forbidden", "汉服"), ("term", "旗袍")}
    assert entries["term", "汉服"].targets == {"en": ("Hanfu",)}
    assert entries["forbidden", "汉服"].targets == {"en": ("Chinese costume",)}
    assert entries["term", "旗袍"].targets == {"en": ("qipao", "cheongsam"), "zh-TW": ("旗袍",)}


@pytest.mark.parametrize("raw", [
    b"\x00\x01garbage",
    b"",
    b'<?xml version="1.0"?><martif type="TBX"><text><body><termEntry><langSet',
    b"<notes><note>not a termbase</note></notes>",
], ids=["binary", "empty", "truncated", "other-xml"])
def test_malformed_tbx_is_a_glossary_error(tmp_path, raw):
    path = tmp_path / "bad.tbx"
    path.write_bytes(raw)
    with pytest.raises(GlossaryError) as error:
        load_glossary(path)
    assert str(error.value).startswith(f"{path}: not a readable TBX file (")
    with pytest.raises(GlossaryError):
        read_tbx(raw, "bad.tbx")


# --- stacking ------------------------------------------------------------------------------

def test_later_glossary_wins_and_the_conflict_names_both_files(tmp_path):
    first = write(tmp_path / "a.csv", "type,zh,en,de\nterm,汉服,Hanfu,Hanfu\nterm,旗袍,qipao,Qipao\n")
    second = write(tmp_path / "b.csv", "type,zh,en,fr\nterm,汉服,Han robe,Hanfu\nterm,旗袍,qipao,\n")
    stacked = stack([first, second], include_starter=False)
    hanfu = stacked.entries["term", "汉服"]
    assert hanfu.targets == {"en": ("Han robe",), "de": ("Hanfu",), "fr": ("Hanfu",)}
    assert hanfu.origin == f"{second}:2"
    [conflict] = stacked.conflicts  # 旗袍 says the same in both: no conflict
    assert (conflict.source, conflict.lang, conflict.earlier, conflict.later) == ("汉服", "en", "Hanfu", "Han robe")
    assert conflict.earlier_origin == f"{first}:2" and conflict.later_origin == f"{second}:2"
    assert str(first) in str(conflict) and str(second) in str(conflict)
    # the other order: the other one wins
    assert stack([second, first], include_starter=False).entries["term", "汉服"].target("en") == "Hanfu"


def test_starter_glossaries_come_first(tmp_path):
    starter = starter_glossary()
    hanfu = starter.entries["term", "汉服"]
    assert hanfu.target("en") == "Hanfu" and hanfu.origin.startswith("starter:cultural.csv:")
    assert ("forbidden", "汉服") in starter.entries
    project = write(tmp_path / "glossary.csv", "type,zh,en\nterm,汉服,Hanfu dress\n")
    stacked = stack([project])
    assert stacked.entries["term", "汉服"].target("en") == "Hanfu dress"
    assert any(c.source == "汉服" and c.earlier_origin.startswith("starter:cultural.csv")
               and c.later_origin.startswith(str(project)) for c in stacked.conflicts)
    assert len(stacked) == len(starter)


def test_project_glossary_csv_is_used_without_a_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "glossary.csv", "type,zh,en\nterm,星辰,Xingchen\n")
    glossary = project_glossary(load_config(None))
    assert glossary.entries["term", "星辰"].target("en") == "Xingchen"
    assert ("term", "汉服") in glossary.entries  # starter still there


def test_config_glossary_files_starter_switch_and_per_market_files(tmp_path):
    write(tmp_path / "base.csv", "type,zh,en,de\nterm,星辰,Xingchen,Xingchen\n")
    write(tmp_path / "brand.csv", "type,zh,en\nterm,星辰,Star Dust\n")
    write(tmp_path / "glossary.csv", "type,zh,en\nterm,不用,unused\n")  # [glossary] files replaces it
    (tmp_path / "de").mkdir()
    write(tmp_path / "de" / "terms.csv", "type,zh,de\nterm,星辰,Sternenstaub\nterm,雨伞,Schirm\n")
    config = load_config(write(tmp_path / "xborder.toml", """
[project]
markets = ["amazon-us", "amazon-de"]
[glossary]
files = ["base.csv", "brand.csv"]
starter = false
[markets.amazon-de]
glossary = ["de/terms.csv"]
"""))
    us, de = get_markets(config.markets, config.market_overrides)
    plain = project_glossary(config)
    assert {e.source for e in plain} == {"星辰"}
    assert plain.entries["term", "星辰"].targets == {"en": ("Star Dust",), "de": ("Xingchen",)}
    assert project_glossary(config, us).entries.keys() == plain.entries.keys()
    german = project_glossary(config, de)
    assert german.entries["term", "星辰"].targets == {"en": ("Star Dust",), "de": ("Sternenstaub",)}
    assert german.entries["term", "雨伞"].target("de") == "Schirm"
    assert [(c.later, c.later_origin) for c in german.conflicts] == [
        ("Star Dust", f"{tmp_path / 'brand.csv'}:2"), ("Sternenstaub", f"{tmp_path / 'de' / 'terms.csv'}:2")]


def test_a_type_that_is_not_known_cannot_be_added():
    with pytest.raises(GlossaryError, match="must be one of term, keep, forbidden"):
        Glossary([E("汉服", "maybe")])


def test_every_starter_glossary_reads_cleanly():
    from importlib.resources import files

    names = sorted(p.name for p in files("xborder.glossaries").iterdir() if p.name.endswith(".csv"))
    assert "cultural.csv" in names
    starter = starter_glossary()  # raises GlossaryError naming file and row for a bad starter file
    assert {e.origin.split(":")[1] for e in starter} == set(names)
    untranslated = [e.origin for e in starter if e.type == "term" and not e.targets]
    assert untranslated == []
