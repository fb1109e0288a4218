"""`xborder tm merge`: joining the translation memories of several CI jobs into one."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

import xborder.language.memory as memory_module
from conftest import one_line_error
from xborder.language.memory import MemoryFileError, TranslationMemory, cache_key

JAN, FEB, MAR = "2025-01-01T08:00:00+00:00", "2025-02-01T08:00:00+00:00", "2025-03-01T08:00:00+00:00"


@pytest.fixture
def clock(monkeypatch):
    """clock(stamp): what the memory records as 'now' from then on."""

    def set_now(stamp: str) -> None:
        monkeypatch.setattr(memory_module, "_now", lambda: stamp)

    return set_now


def approved_rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return sorted(db.execute("SELECT source, target_lang, market, target, origin, updated_at FROM approved"))
    finally:
        db.close()


def cache_rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return sorted(db.execute("SELECT key, target, origin, created_at FROM cache"))
    finally:
        db.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def key(source: str) -> str:
    return cache_key(source, "zh", "en", "", [], "openai", "gpt-4o-mini", "v3")


def store(memory: TranslationMemory, source: str, target: str, origin: str = "model") -> None:
    memory.store(key(source), source, target, "zh", "en", "", "openai", origin=origin, model="gpt-4o-mini",
                 prompt_version="v3")


def test_a_persons_translation_beats_an_import_newer_or_older(tmp_path, clock):
    with TranslationMemory(tmp_path / "ours.sqlite") as ours, TranslationMemory(tmp_path / "theirs.sqlite") as theirs:
        clock(JAN)
        theirs.approve("汉服", "Hanfu dress", "zh", "en")  # a person's, older
        ours.approve("雨伞", "Umbrella (by hand)", "zh", "en")  # a person's, older
        clock(MAR)
        ours.approve_many([("汉服", "Hanfu", "zh", "en", "")], "import")  # imported, newer
        theirs.approve_many([("雨伞", "Umbrella", "zh", "en", "")], "import")  # imported, newer
        report = ours.merge(theirs.path)
    assert approved_rows(tmp_path / "ours.sqlite") == [
        ("汉服", "en", "", "Hanfu dress", "human", JAN),
        ("雨伞", "en", "", "Umbrella (by hand)", "human", JAN),
    ]
    assert (report.approved_added, report.approved_updated, report.approved_kept) == (0, 1, 1)
    assert report.conflicts == ()


def test_between_two_of_the_same_rank_the_newer_wins(tmp_path, clock):
    with TranslationMemory(tmp_path / "ours.sqlite") as ours, TranslationMemory(tmp_path / "theirs.sqlite") as theirs:
        clock(JAN)
        ours.approve_many([("汉服", "Hanfu (old TMX)", "zh", "en", "")], "import")
        theirs.approve_many([("雨伞", "Umbrella (old TMX)", "zh", "en", "")], "import")
        clock(FEB)
        theirs.approve_many([("汉服", "Hanfu", "zh", "en", "")], "import")
        ours.approve_many([("雨伞", "Umbrella", "zh", "en", "")], "import")
        theirs.approve_many([("马面裙", "Mamianqun", "zh", "de", "amazon-de")], "import")  # only theirs: added
        report = ours.merge(theirs.path)
    assert approved_rows(tmp_path / "ours.sqlite") == [
        ("汉服", "en", "", "Hanfu", "import", FEB),
        ("雨伞", "en", "", "Umbrella", "import", FEB),
        ("马面裙", "de", "amazon-de", "Mamianqun", "import", FEB),
    ]
    assert (report.approved_added, report.approved_updated, report.approved_kept) == (1, 1, 1)


def test_the_same_translation_with_another_timestamp_is_kept_not_updated(tmp_path, clock):
    """Every CI job imports the project's TMX at its own time: those rows are not 'updated' by a merge."""
    with TranslationMemory(tmp_path / "ours.sqlite") as ours, TranslationMemory(tmp_path / "theirs.sqlite") as theirs:
        clock(JAN)
        ours.approve_many([("汉服", "Hanfu", "zh", "en", "")], "import")
        clock(FEB)
        theirs.approve_many([("汉服", "Hanfu", "zh", "en", "")], "import")
        report = ours.merge(theirs.path)
    assert (report.approved_added, report.approved_updated, report.approved_kept) == (0, 0, 1)
    assert approved_rows(tmp_path / "ours.sqlite") == [("汉服", "en", "", "Hanfu", "import", JAN)]


def test_cached_output_is_added_and_the_newer_wins_but_accepted_beats_rejected(tmp_path, clock):
    with TranslationMemory(tmp_path / "ours.sqlite") as ours, TranslationMemory(tmp_path / "theirs.sqlite") as theirs:
        clock(JAN)
        store(ours, "listing A", "accepted copy A")  # accepted, older …
        store(theirs, "listing B", "rejected copy B", origin="model-rejected")  # rejected, older …
        store(ours, "雨伞", "Umbrella")
        store(theirs, "马面裙", "Mamianqun (older)")
        clock(FEB)
        store(ours, "马面裙", "Mamianqun")  # newer of two accepted, ours
        store(theirs, "listing A", "rejected copy A", origin="model-rejected")  # … beats rejected, newer
        store(ours, "listing B", "accepted copy B")  # … loses to accepted, newer
        store(theirs, "雨伞", "Rain umbrella")  # newer of two accepted
        store(theirs, "汉服", "Hanfu")  # only theirs
        report = ours.merge(theirs.path)
        assert ours.cached(key("listing A")).target == "accepted copy A"
        assert ours.cached(key("listing B")).target == "accepted copy B"
        assert ours.cached(key("雨伞")).target == "Rain umbrella"
        assert ours.cached(key("马面裙")).target == "Mamianqun"
        hanfu = ours.cached(key("汉服"))
        assert (hanfu.target, hanfu.origin, hanfu.engine, hanfu.model) == ("Hanfu", "model", "openai", "gpt-4o-mini")
    assert (report.cached_added, report.cached_updated, report.cached_kept) == (1, 1, 3)


def test_a_rejected_copy_is_replaced_by_an_accepted_one_even_an_older_one(tmp_path, clock):
    with TranslationMemory(tmp_path / "ours.sqlite") as ours, TranslationMemory(tmp_path / "theirs.sqlite") as theirs:
        clock(JAN)
        store(theirs, "listing A", "accepted copy A")
        clock(FEB)
        store(ours, "listing A", "rejected copy A", origin="model-rejected")
        report = ours.merge(theirs.path)
    assert cache_rows(tmp_path / "ours.sqlite") == [(key("listing A"), "accepted copy A", "model", JAN)]
    assert report.cached_updated == 1


def test_two_different_human_translations_are_a_conflict_and_the_newer_is_kept(tmp_path, clock):
    with TranslationMemory(tmp_path / "ours.sqlite") as ours, TranslationMemory(tmp_path / "theirs.sqlite") as theirs:
        clock(JAN)
        ours.approve("汉服", "Hanfu", "zh", "en")
        theirs.approve("雨伞", "Umbrella", "zh", "de", market="amazon-de")
        clock(FEB)
        theirs.approve("汉服", "Hanfu dress", "zh", "en")
        ours.approve("雨伞", "Regenschirm", "zh", "de", market="amazon-de")
        theirs.approve("马面裙", "Mamianqun", "zh", "en")  # the same in both: no conflict
        ours.approve("马面裙", "Mamianqun", "zh", "en")
        report = ours.merge(theirs.path)
    assert [(c.source, c.target_lang, c.market, c.ours, c.theirs, c.kept, c.dropped) for c in report.conflicts] == [
        ("雨伞", "de", "amazon-de", "Regenschirm", "Umbrella", "Regenschirm", "Umbrella"),
        ("汉服", "en", "", "Hanfu", "Hanfu dress", "Hanfu dress", "Hanfu"),
    ]
    assert [row[:4] for row in approved_rows(tmp_path / "ours.sqlite")] == [
        ("汉服", "en", "", "Hanfu dress"),
        ("雨伞", "de", "amazon-de", "Regenschirm"),
        ("马面裙", "en", "", "Mamianqun"),
    ]
    assert (report.approved_added, report.approved_updated, report.approved_kept) == (0, 1, 2)


def test_merging_twice_changes_nothing_and_the_other_file_is_never_written(tmp_path, clock):
    with TranslationMemory(tmp_path / "ours.sqlite") as ours, TranslationMemory(tmp_path / "theirs.sqlite") as theirs:
        clock(JAN)
        ours.approve("汉服", "Hanfu", "zh", "en")
        store(ours, "雨伞", "Umbrella")
        clock(FEB)
        theirs.approve("汉服", "Hanfu dress", "zh", "en")
        theirs.approve_many([("马面裙", "Mamianqun", "zh", "en", "")], "import")
        store(theirs, "雨伞", "Rain umbrella")
        store(theirs, "listing A", "copy A", origin="model-rejected")
    before = digest(tmp_path / "theirs.sqlite")
    with TranslationMemory(tmp_path / "ours.sqlite") as ours:
        first = ours.merge(tmp_path / "theirs.sqlite")
        merged = approved_rows(ours.path), cache_rows(ours.path)
        second = ours.merge(tmp_path / "theirs.sqlite")
    assert (first.approved_added, first.approved_updated, first.cached_added, first.cached_updated) == (1, 1, 1, 1)
    assert (second.approved_added, second.approved_updated, second.approved_kept) == (0, 0, 2)
    assert (second.cached_added, second.cached_updated, second.cached_kept) == (0, 0, 2)
    assert second.conflicts == ()  # the conflict was settled by taking theirs: the files agree now
    assert (approved_rows(tmp_path / "ours.sqlite"), cache_rows(tmp_path / "ours.sqlite")) == merged
    assert digest(tmp_path / "theirs.sqlite") == before


def test_a_memory_is_not_merged_into_itself(tmp_path, run_cli):
    with TranslationMemory(tmp_path / "tm.sqlite") as memory:
        memory.approve("汉服", "Hanfu", "zh", "en")
        with pytest.raises(MemoryFileError, match="being merged into"):
            memory.merge(tmp_path / "." / "tm.sqlite")
    with TranslationMemory(tmp_path / "other.sqlite") as other:
        other.approve("雨伞", "Umbrella", "zh", "en")
    before = digest(tmp_path / "tm.sqlite")
    # refused before any file is merged, even when it is not the first one named
    one_line_error(run_cli("tm", "merge", "other.sqlite", "./tm.sqlite", "--memory", "tm.sqlite"),
                   "tm.sqlite", "being merged into")
    assert digest(tmp_path / "tm.sqlite") == before
    assert [row[0] for row in approved_rows(tmp_path / "tm.sqlite")] == ["汉服"]


@pytest.mark.parametrize("name, make, says", [
    ("garbage.sqlite", lambda p: p.write_bytes(b"\x00garbage\xff" * 500), "not a translation memory"),
    ("empty.sqlite", lambda p: p.write_bytes(b""), "an empty file, not a translation memory"),
    ("app.sqlite", lambda p: sqlite3.connect(p).executescript("PRAGMA user_version = 1; CREATE TABLE users (id)"),
     "not a translation memory (it has no 'approved' table)"),
    ("notes.txt", lambda p: p.write_text("汉服 = Hanfu\n", encoding="utf-8"), "not a translation memory"),
    ("missing.sqlite", lambda p: None, "no such file"),
])
def test_a_file_that_is_not_a_memory_is_refused_in_one_line(tmp_path, run_cli, name, make, says):
    with TranslationMemory(tmp_path / "good.sqlite") as good:
        good.approve("汉服", "Hanfu", "zh", "en")
    make(tmp_path / name)
    before = digest(tmp_path / name) if (tmp_path / name).exists() else None
    line = one_line_error(run_cli("tm", "merge", "good.sqlite", name, "--memory", "merged.sqlite"), name, says)
    assert "good.sqlite" not in line
    assert not (tmp_path / "merged.sqlite").exists()  # every file is checked before the memory is created
    if before is not None:
        assert digest(tmp_path / name) == before
    with TranslationMemory(tmp_path / "merged.sqlite") as merged, pytest.raises(MemoryFileError, match=name):
        merged.merge(tmp_path / name)


def test_cli_merges_shards_into_a_new_memory_and_lists_conflicts(tmp_path, run_cli, clock):
    clock(JAN)
    for shard in (1, 2):
        with TranslationMemory(tmp_path / f"shard-{shard}.sqlite") as memory:
            memory.approve("汉服", f"Hanfu {shard}", "zh", "en")
            store(memory, f"segment {shard}", f"text {shard}")
    result = run_cli("tm", "merge", "shard-1.sqlite", "shard-2.sqlite", "--memory", "merged.sqlite")
    assert result.exit_code == 0, (result.output, result.stderr)
    assert result.output.splitlines() == [
        "shard-1.sqlite into merged.sqlite: approved 1 added, 0 updated, 0 kept; cached 1 added, 0 updated, "
        "0 kept; 0 conflicts",
        "shard-2.sqlite into merged.sqlite: approved 0 added, 0 updated, 1 kept; cached 1 added, 0 updated, "
        "0 kept; 1 conflict",
        "  conflict '汉服' (zh→en): kept 'Hanfu 1' (from merged.sqlite) over 'Hanfu 2'",
    ]
    assert [row[3] for row in approved_rows(tmp_path / "merged.sqlite")] == ["Hanfu 1"]
    assert len(cache_rows(tmp_path / "merged.sqlite")) == 2


def test_cli_shows_twenty_conflicts_then_how_many_more_and_json_lists_all(tmp_path, run_cli, clock):
    with TranslationMemory(tmp_path / "ours.sqlite") as ours, TranslationMemory(tmp_path / "theirs.sqlite") as theirs:
        clock(JAN)
        for n in range(25):
            ours.approve(f"词{n:02}", f"word {n}", "zh", "en")
        clock(FEB)
        for n in range(25):
            theirs.approve(f"词{n:02}", f"term {n}", "zh", "en")
    before = digest(tmp_path / "ours.sqlite")
    payload = json.loads(run_cli("tm", "merge", "theirs.sqlite", "--memory", "copy.sqlite", "--json").output)
    assert payload["merged"][0]["approved"] == {"added": 25, "updated": 0, "kept": 0}
    assert payload["merged"][0]["conflicts"] == []

    result = run_cli("tm", "merge", "theirs.sqlite", "--memory", "ours.sqlite")
    assert result.exit_code == 0, (result.output, result.stderr)
    lines = result.output.splitlines()
    assert lines[0].endswith("approved 0 added, 25 updated, 0 kept; cached 0 added, 0 updated, 0 kept; 25 conflicts")
    assert lines[1] == "  conflict '词00' (zh→en): kept 'term 0' (from theirs.sqlite) over 'word 0'"
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "  and 5 more conflicts (--json lists them all)"
    assert digest(tmp_path / "ours.sqlite") != before

    with TranslationMemory(tmp_path / "ours.sqlite") as ours:  # theirs now loses every conflict to a newer ours
        clock(MAR)
        for n in range(25):
            ours.approve(f"词{n:02}", f"newest {n}", "zh", "en")
    result = run_cli("tm", "merge", "theirs.sqlite", "--memory", "ours.sqlite", "--json")
    assert result.exit_code == 0, (result.output, result.stderr)
    payload = json.loads(result.output)
    assert payload["memory"] == "ours.sqlite"
    conflicts = payload["merged"][0]["conflicts"]
    assert len(conflicts) == 25
    assert conflicts[0] == {"source": "词00", "source_lang": "zh", "target_lang": "en", "market": "",
                            "kept": "newest 0", "dropped": "term 0", "took_theirs": False}
