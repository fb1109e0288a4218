"""The translation memory: approved translations, the cache and its keys, TMX and XLIFF, files that
are damaged, locked or written by several processes at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from lxml import etree

import xborder.language.memory as memory_module
from xborder.language.glossary import Glossary, GlossaryEntry, GlossaryError
from xborder.language.memory import (DEFAULT_PATH, MemoryFileError, TranslationMemory, cache_key, memory_path)
from xborder.language.tmx import ExchangeFileError, read_tmx, write_tmx
from xborder.language.xliff import PendingSegment, read_xliff, write_xliff

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def tm(tmp_path):
    with TranslationMemory(tmp_path / "tm" / "memory.sqlite") as memory:
        yield memory


def rows(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


# --- approved translations -----------------------------------------------------------------

def test_approved_for_the_market_beats_the_general_one(tm):
    tm.approve("汉服", "Hanfu", "zh", "en")
    tm.approve("汉服", "Hanfu dress", "zh", "en", market="amazon-us", note="US buyers search 'dress'")
    assert tm.approved("汉服", "zh", "en", "amazon-us").target == "Hanfu dress"
    general = tm.approved("汉服", "zh", "en", "tiktok-uk")
    assert (general.target, general.market, general.origin, general.approved) == ("Hanfu", "", "human", True)
    assert tm.approved("汉服", "zh", "en").target == "Hanfu"
    assert tm.approved("汉服", "zh", "de", "amazon-de") is None
    assert tm.approved("汉服", "en", "en") is None


def test_a_market_specific_translation_is_not_used_for_another_market(tm):
    tm.approve("马面裙", "Mamianqun-Rock", "zh", "de", market="amazon-de")
    assert tm.approved("马面裙", "zh", "de", "amazon-de").target == "Mamianqun-Rock"
    assert tm.approved("马面裙", "zh", "de", "shopify") is None
    assert tm.approved("马面裙", "zh", "de") is None


def test_approving_again_replaces_the_target(tm):
    tm.approve("雨伞", "Schirm", "zh", "de")
    tm.approve("雨伞", "Regenschirm", "zh", "de", origin="import")
    assert tm.approved("雨伞", "zh", "de").target == "Regenschirm"
    assert rows(tm.path, "SELECT target, origin FROM approved") == [("Regenschirm", "import")]
    assert tm.approve_many([("雨伞", "Knirps", "zh", "de", ""), ("伞", "Schirm", "zh", "de", "")], "import") == 2
    assert sorted(rows(tm.path, "SELECT source, target FROM approved")) == [("伞", "Schirm"), ("雨伞", "Knirps")]


def test_approved_beats_cached_in_lookup(tm):
    key = cache_key("遇水变色晴雨伞", "zh", "en", "amazon-us", [], "offline")
    tm.store(key, "遇水变色晴雨伞", "Colour changing umbrella", "zh", "en", "amazon-us", "openai",
             model="qwen", glossary=["b", "a"])
    cached = tm.lookup("遇水变色晴雨伞", "zh", "en", "amazon-us", key)
    assert (cached.target, cached.approved, cached.engine, cached.model) == (
        "Colour changing umbrella", False, "openai", "qwen")
    assert tm.lookup("遇水变色晴雨伞", "zh", "en", "amazon-us", "another key") is None
    tm.approve("遇水变色晴雨伞", "Color-changing umbrella", "zh", "en")
    found = tm.lookup("遇水变色晴雨伞", "zh", "en", "amazon-us", key)
    assert (found.target, found.approved) == ("Color-changing umbrella", True)
    assert rows(tm.path, "SELECT glossary FROM cache") == [("a\nb",)]


# --- the cache key -------------------------------------------------------------------------

def test_cache_key_covers_everything_that_changes_a_translation():
    base = dict(source="汉服", source_lang="zh", target_lang="en", market="amazon-us", glossary=["a", "b"],
                engine="openai", model="gpt", prompt_version="1")
    key = cache_key(**base)
    assert len(key) == 64 and key == cache_key(**{**base, "glossary": ["b", "a"]})
    for name, other in [("source", "汉服 "), ("source_lang", "zh-TW"), ("target_lang", "de"),
                        ("market", "tiktok-us"), ("glossary", ["a"]), ("engine", "offline"),
                        ("model", "qwen"), ("prompt_version", "2")]:
        assert cache_key(**{**base, name: other}) != key, name


def keys_for(glossary: Glossary, segments: list[str], lang: str) -> dict[str, str]:
    return {s: cache_key(s, "zh", lang, "amazon-us", [e.fingerprint(lang) for e in glossary.entries_for(s)], "openai",
                         "gpt", "1")
            for s in segments}


def test_editing_a_glossary_term_invalidates_only_the_segments_that_contain_it(tm):
    before = Glossary([GlossaryEntry("马面裙", "term", {"en": ("mamianqun",), "de": ("Mamianqun",)}),
                       GlossaryEntry("汉服", "term", {"en": ("Hanfu",)}),
                       GlossaryEntry("明制", "term", {"en": ("Ming-style",)})])
    segments = ["明制马面裙，织金工艺", "宋制汉服褙子三件套", "遇水变色晴雨伞"]
    old = keys_for(before, segments, "en")
    for source, key in old.items():
        tm.store(key, source, f"EN {source}", "zh", "en", "amazon-us", "openai", model="gpt", prompt_version="1")

    edited = before.stacked(Glossary([GlossaryEntry("马面裙", "term", {"en": ("horse-face skirt",)})]))
    new = keys_for(edited, segments, "en")
    assert new["明制马面裙，织金工艺"] != old["明制马面裙，织金工艺"]
    assert new["宋制汉服褙子三件套"] == old["宋制汉服褙子三件套"]
    assert new["遇水变色晴雨伞"] == old["遇水变色晴雨伞"]
    assert tm.lookup("明制马面裙，织金工艺", "zh", "en", "amazon-us", new["明制马面裙，织金工艺"]) is None
    assert tm.lookup("宋制汉服褙子三件套", "zh", "en", "amazon-us", new["宋制汉服褙子三件套"]).target == "EN 宋制汉服褙子三件套"
    assert tm.cached(new["遇水变色晴雨伞"]).target == "EN 遇水变色晴雨伞"

    # an edit in another language leaves the English keys alone ...
    german = before.stacked(Glossary([GlossaryEntry("马面裙", "term", {"de": ("Pferdegesichtsrock",)})]))
    assert keys_for(german, segments, "en") == old
    assert keys_for(german, segments, "de")["明制马面裙，织金工艺"] != keys_for(before, segments, "de")["明制马面裙，织金工艺"]
    # ... and a new forbidden rendering of 汉服 re-translates the 汉服 segment only
    banned = before.stacked(Glossary([GlossaryEntry("汉服", "forbidden", {"en": ("costume",)})]))
    changed = {s for s, k in keys_for(banned, segments, "en").items() if k != old[s]}
    assert changed == {"宋制汉服褙子三件套"}


# --- stats and exchange ----------------------------------------------------------------------

def test_stats_counts_per_language_origin_and_engine(tm):
    tm.approve("汉服", "Hanfu", "zh", "en")
    tm.approve("旗袍", "qipao", "zh", "en", market="amazon-us")
    tm.approve_many([("汉服", "Hanfu", "zh", "de", "")], "import")
    tm.store("k1", "雨伞", "umbrella", "zh", "en", "", "openai")
    tm.store("k2", "雨伞", "Schirm", "zh", "de", "", "openai")
    tm.store("k3", "雨伞", "傘", "zh", "ja", "", "offline", origin="template")
    tm.store("k3", "雨伞", "雨傘", "zh", "ja", "", "offline", origin="template")  # same key: replaced
    assert tm.stats() == {
        "path": str(tm.path),
        "approved": [{"lang": "de", "origin": "import", "count": 1}, {"lang": "en", "origin": "human", "count": 2}],
        "cached": [{"lang": "de", "engine": "openai", "count": 1}, {"lang": "en", "engine": "openai", "count": 1},
                   {"lang": "ja", "engine": "offline", "count": 1}],
        "total_approved": 3,
        "total_cached": 3,
    }
    assert [t.target for t in tm.all_approved(["de"])] == ["Hanfu"]


APPROVED = [("汉服", "Hanfu", "zh", "en", ""), ("汉服", "Hanfu dress", "zh", "en", "amazon-us"),
            ("马面裙", "Mamianqun & <Rock> \"mit\" Falten", "zh", "de", "amazon-de"),
            ("雨伞", "雨傘", "zh", "ja", ""), ("防风伞骨", "sturmfeste Streben", "zh", "de", "")]


def test_tmx_round_trip_keeps_markets(tm, tmp_path):
    tm.approve_many(APPROVED, "human")
    path = tmp_path / "out" / "memory.tmx"
    assert write_tmx(tm.all_approved(), path) == 5
    root = etree.parse(str(path)).getroot()
    units = root.findall("body/tu")
    assert len(units) == 5
    markets = sorted(p.text for p in root.iter("prop") if p.get("type") == "x-xborder-market")
    assert markets == ["amazon-de", "amazon-us"]
    back = read_tmx(path)
    assert sorted(back) == sorted(APPROVED)
    with TranslationMemory(tmp_path / "other.sqlite") as other:
        other.approve_many(back, "import")
        assert other.approved("汉服", "zh", "en", "amazon-us").target == "Hanfu dress"
        assert other.approved("汉服", "zh", "en", "shopify").target == "Hanfu"
        assert other.approved("马面裙", "zh", "de", "amazon-de").target == APPROVED[2][1]
        assert other.stats()["total_approved"] == 5


def test_tmx_from_another_tool(tmp_path):
    path = tmp_path / "client.tmx"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="zh-CN" creationtool="x" segtype="sentence" o-tmf="x" adminlang="en"
 datatype="plaintext"/><body>
<tu><tuv xml:lang="zh-CN"><seg>数字万用表</seg></tuv>
<tuv xml:lang="en-US"><seg>Digital <bpt i="1">&lt;b&gt;</bpt>multimeter<ept i="1">&lt;/b&gt;</ept></seg></tuv>
<tuv xml:lang="de-DE"><seg>Digitalmultimeter</seg></tuv><tuv xml:lang="zh-TW"><seg>數字萬用表</seg></tuv></tu>
<tu srclang="en"><tuv xml:lang="en"><seg>pliers</seg></tuv><tuv xml:lang="de"><seg>Zange</seg></tuv></tu>
<tu><tuv xml:lang="zh-CN"><seg>没有译文</seg></tuv><tuv xml:lang="en-US"><seg></seg></tuv></tu>
</body></tmx>""", encoding="utf-8")
    assert sorted(read_tmx(path)) == [
        ("pliers", "Zange", "en", "de", ""),
        ("数字万用表", "Digital <b>multimeter</b>", "zh", "en", ""),
        ("数字万用表", "Digitalmultimeter", "zh", "de", ""),
    ]


@pytest.mark.parametrize("raw", [b"", b"\x89PNG\r\n\x1a\n", b"<tmx><body><tu>", b"<xliff/>"],
                         ids=["empty", "binary", "truncated", "other-xml"])
def test_malformed_tmx(tmp_path, raw):
    path = tmp_path / "bad.tmx"
    path.write_bytes(raw)
    with pytest.raises(ExchangeFileError) as error:
        read_tmx(path)
    assert str(error.value).startswith(f"{path}: not a readable TMX file (")
    assert isinstance(error.value, GlossaryError) and error.value.exit_code == 2


def translated_xliff(tmp_path: Path) -> Path:
    """write_xliff for de and en, then targets filled the way translators' tools leave them."""
    path = tmp_path / "pending.xlf"
    count = write_xliff([
        PendingSegment("遇水变色", "zh", "de", "UM-88 title (amazon-de)"),
        PendingSegment("遇水变色", "zh", "de", "UM-88 bullets (amazon-de)"),
        PendingSegment("晴雨伞", "zh", "de", "UM-88 title (amazon-de)"),
        PendingSegment("防风伞骨", "zh", "de", "UM-88 bullets (amazon-de)"),
        PendingSegment("遇水变色", "zh", "en", "UM-88 title (amazon-us)"),
        PendingSegment("轻便折叠", "zh", "en", "UM-88 bullets (amazon-us)"),
    ], path)
    assert count == 5  # the two uses of 遇水变色 in German are one unit
    tree = etree.parse(str(path))
    ns = {"x": tree.getroot().nsmap[None]}
    files = {f.get("target-language"): f for f in tree.getroot().findall("x:file", ns)}
    assert set(files) == {"de", "en"}
    translations = {("de", "遇水变色"): ("Farbwechsel bei Nässe", {}),        # a plain editor: no attributes
                    ("de", "晴雨伞"): ("Regen- und Sonnenschirm", {"state": "translated"}),
                    ("de", "防风伞骨"): ("sturmfest?", {"state": "needs-review-translation"}),  # a draft
                    ("en", "遇水变色"): ("Changes colour when wet", {}),
                    ("en", "轻便折叠"): ("light, folds", {"state-qualifier": "fuzzy-match"})}  # a draft
    for lang, file_node in files.items():
        for unit in file_node.iter(f"{{{ns['x']}}}trans-unit"):
            source = unit.find("x:source", ns)
            text, attributes = translations[lang, source.text]
            target = etree.Element(f"{{{ns['x']}}}target", attributes)
            target.text = text
            source.addnext(target)
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    return path


def test_xliff_import_of_translated_units(tm, tmp_path):
    path = translated_xliff(tmp_path)
    imported = read_xliff(path)
    assert sorted(imported) == [
        ("晴雨伞", "Regen- und Sonnenschirm", "zh", "de", ""),
        ("遇水变色", "Changes colour when wet", "zh", "en", ""),
        ("遇水变色", "Farbwechsel bei Nässe", "zh", "de", ""),
    ]
    tm.approve_many(imported, "human")
    assert tm.approved("遇水变色", "zh", "de", "amazon-de").target == "Farbwechsel bei Nässe"
    assert tm.approved("防风伞骨", "zh", "de") is None


def test_xliff_filled_in_with_translate_toolkit(tmp_path):
    from translate.storage import xliff

    path = tmp_path / "pending.xlf"
    write_xliff([PendingSegment("汉服", "zh", "ja", "HF-S02 title (amazon-jp)"),
                 PendingSegment("马面裙", "zh", "ja", "HF-M01 title (amazon-jp)")], path)
    store = xliff.xlifffile.parsefile(str(path))
    for unit in store.units:
        unit.target = {"汉服": "漢服", "马面裙": "馬面裙"}[unit.source]
    store.units[1].markfuzzy(True)
    path.write_bytes(bytes(store))
    assert read_xliff(path) == [("汉服", "漢服", "zh", "ja", "")]


def test_a_pending_text_with_a_claim_tells_the_translator_to_leave_it_out(tmp_path):
    from translate.storage import xliff

    path = tmp_path / "pending.xlf"
    write_xliff([PendingSegment("治疗失眠，100%安全", "zh", "en", "SB-1 bullets (amazon-us)"),
                 PendingSegment("颗粒饱满", "zh", "en", "GJ-1 bullets (amazon-us)")], path)
    store = xliff.xlifffile.parsefile(str(path))
    notes = {unit.source: unit.getnotes() for unit in store.units}
    assert "'治疗' (medical), '100%安全' (safety)" in notes["治疗失眠，100%安全"]
    assert "leave them out of the translation" in notes["治疗失眠，100%安全"]
    assert notes["颗粒饱满"] == "GJ-1 bullets (amazon-us)"
    store.units[0].target = "Helps you relax before sleep"
    path.write_bytes(bytes(store))
    assert read_xliff(path) == [("治疗失眠，100%安全", "Helps you relax before sleep", "zh", "en", "")]


def test_xliff_without_a_target_language_or_broken(tmp_path):
    path = tmp_path / "nolang.xlf"
    path.write_text('<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">'
                    '<file original="x" source-language="zh" datatype="plaintext"><body>'
                    '<trans-unit id="1"><source>汉服</source><target>Hanfu</target></trans-unit>'
                    '</body></file></xliff>', encoding="utf-8")
    with pytest.raises(GlossaryError, match="target-language"):
        read_xliff(path)
    for raw in (b"<xliff", b"<tmx/>"):
        path.write_bytes(raw)
        with pytest.raises(GlossaryError, match="not a readable XLIFF file"):
            read_xliff(path)


# --- where the memory is -------------------------------------------------------------------

def test_memory_path_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("XBORDER_MEMORY", raising=False)
    root = tmp_path / "project"
    assert memory_path(None, None, root) == root / DEFAULT_PATH
    assert memory_path(None, tmp_path / "conf.sqlite", root) == tmp_path / "conf.sqlite"
    monkeypatch.setenv("XBORDER_MEMORY", str(tmp_path / "env.sqlite"))
    assert memory_path(None, tmp_path / "conf.sqlite", root) == tmp_path / "env.sqlite"
    assert memory_path(tmp_path / "cli.sqlite", tmp_path / "conf.sqlite", root) == tmp_path / "cli.sqlite"


def test_readonly_open_of_a_memory_in_a_folder_with_uri_characters(tmp_path):
    folder = tmp_path / "C# 100% ?x"
    with TranslationMemory(folder / "memory.sqlite") as memory:
        memory.approve("汉服", "Hanfu", "zh", "en")
    with TranslationMemory(folder / "memory.sqlite", readonly=True) as memory:
        assert memory.stats()["total_approved"] == 1
    assert not (tmp_path / "C# 100% ").exists()


# --- files that are not a usable memory ----------------------------------------------------

def test_garbage_file_is_not_a_translation_memory(tmp_path):
    path = tmp_path / "garbage.sqlite"
    junk = bytes(range(256)) * 16
    path.write_bytes(junk)
    for readonly in (False, True):
        with pytest.raises(MemoryFileError, match="not a translation memory") as error:
            TranslationMemory(path, readonly=readonly)
        assert str(error.value).startswith(str(path))
        assert error.value.exit_code == 2
    assert path.read_bytes() == junk


def test_another_programs_sqlite_file_is_left_alone(tmp_path):
    path = tmp_path / "orders.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE orders (id INTEGER)")
    db.commit()
    db.close()
    for readonly in (False, True):
        with pytest.raises(MemoryFileError, match="not a translation memory"):
            TranslationMemory(path, readonly=readonly)
    assert rows(path, "SELECT name FROM sqlite_master") == [("orders",)]


def test_missing_or_empty_memory_when_only_reading(tmp_path):
    with pytest.raises(MemoryFileError, match="no translation memory here yet"):
        TranslationMemory(tmp_path / "none.sqlite", readonly=True)
    assert not (tmp_path / "none.sqlite").exists()
    (tmp_path / "empty.sqlite").write_bytes(b"")
    with pytest.raises(MemoryFileError, match="no translation memory here yet"):
        TranslationMemory(tmp_path / "empty.sqlite", readonly=True)


def test_memory_written_by_a_newer_xborder(tmp_path):
    path = tmp_path / "new.sqlite"
    TranslationMemory(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    before = path.read_bytes()
    for readonly in (True, False):
        with pytest.raises(MemoryFileError, match="newer xborder"):
            TranslationMemory(path, readonly=readonly)
    assert path.read_bytes() == before


def test_a_memory_folder_that_is_a_file(tmp_path):
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(MemoryFileError, match="cannot open the translation memory"):
        TranslationMemory(tmp_path / "blocker" / "memory.sqlite")


@pytest.fixture
def fast_busy(monkeypatch):
    monkeypatch.setattr(memory_module, "_BUSY_MS", 100)


def test_locked_memory_write_says_locked_and_writes_nothing(tmp_path, fast_busy):
    path = tmp_path / "memory.sqlite"
    with TranslationMemory(path) as memory:
        memory.approve("汉服", "Hanfu", "zh", "en")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with TranslationMemory(path) as memory:
            started = time.monotonic()
            with pytest.raises(MemoryFileError, match="locked") as error:
                memory.approve_many([("旗袍", "qipao", "zh", "en", ""), ("雨伞", "umbrella", "zh", "en", "")], "import")
            assert time.monotonic() - started < 5
            assert str(error.value).startswith(str(path))
            with pytest.raises(MemoryFileError, match="locked"):
                memory.approve("旗袍", "qipao", "zh", "en")
            with pytest.raises(MemoryFileError, match="locked"):
                memory.store("k", "旗袍", "qipao", "zh", "en", "", "offline")
    finally:
        other.rollback()
        other.close()
    assert rows(path, "SELECT source FROM approved") == [("汉服",)]
    assert rows(path, "SELECT COUNT(*) FROM cache") == [(0,)]


def test_memory_locked_in_rollback_journal_mode_cannot_even_be_opened(tmp_path, fast_busy):
    path = tmp_path / "memory.sqlite"
    TranslationMemory(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode = DELETE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        for readonly in (False, True):
            with pytest.raises(MemoryFileError, match="locked"):
                TranslationMemory(path, readonly=readonly)
    finally:
        other.rollback()
        other.close()


# --- several processes ---------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from xborder.language.memory import TranslationMemory

    path, tag, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    (go.parent / f"ready-{tag}").touch()
    while not go.exists():
        time.sleep(0.002)
    with TranslationMemory(path) as memory:
        for i in range(count):
            memory.approve(f"{tag}-源-{i}", f"{tag}-target-{i}", "zh", "en", "amazon-us")
""")


@pytest.mark.parametrize("attempt", range(3))  # a race: several tries to catch it
def test_two_processes_writing_at_once(tmp_path, attempt):
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    path, go = tmp_path / "shared" / "memory.sqlite", tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, str(script), str(path), tag, "200", str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for tag in ("a", "b")]
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"ready-{tag}").exists() for tag in "ab") and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not path.exists()  # both open a memory that does not exist yet, at the same moment
    go.touch()
    for worker in workers:
        _, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err.decode()
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]
    stored = rows(path, "SELECT source, target, market FROM approved")
    assert len(stored) == 400
    assert {(s, t) for s, t, _ in stored} == {(f"{tag}-源-{i}", f"{tag}-target-{i}") for tag in "ab"
                                               for i in range(200)}
    with TranslationMemory(path, readonly=True) as memory:
        assert memory.stats()["total_approved"] == 400
        assert memory.approved("b-源-199", "zh", "en", "amazon-us").target == "b-target-199"


KILLED = textwrap.dedent("""
    import sys
    from pathlib import Path
    from xborder.language.memory import TranslationMemory

    note = "完整" * 2000  # long rows: more pages to be half-written when the process dies
    with TranslationMemory(Path(sys.argv[1])) as memory:
        batch = 0
        while True:
            memory.approve_many([(f"源-{batch}-{j}", f"target-{batch}-{j}-" + note, "zh", "en", "")
                                 for j in range(10)], "import")
            memory.store(f"key-{batch}", f"源-{batch}", "cached-" + note, "zh", "de", "", "offline")
            batch += 1
""")


def test_a_killed_writer_leaves_a_readable_memory_of_whole_rows(tmp_path):
    script = tmp_path / "killed.py"
    script.write_text(KILLED, encoding="utf-8")
    path = tmp_path / "memory.sqlite"
    worker = subprocess.Popen([sys.executable, str(script), str(path)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if path.exists() and rows(path, "SELECT COUNT(*) FROM cache")[0][0] >= 30:
                    break
            except sqlite3.Error:
                pass  # the tables are not there yet
            time.sleep(0.02)
        assert worker.poll() is None, worker.stderr.read().decode()
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL
    with TranslationMemory(path) as memory:
        assert memory.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        approved = memory.all_approved()
        cached = memory.db.execute("SELECT key, target FROM cache").fetchall()
    note = "完整" * 2000
    assert len(approved) >= 300 and len(approved) % 10 == 0  # whole batches only
    batches = {int(t.source.split("-")[1]) for t in approved}
    assert batches == set(range(len(approved) // 10))
    for t in approved:
        _, batch, j = t.source.split("-")
        assert t.target == f"target-{batch}-{j}-{note}"
    assert len(cached) in (len(batches), len(batches) - 1)
    assert all(target == "cached-" + note for _, target in cached)
