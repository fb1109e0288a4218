"""Output files under hostile conditions (issue 21, items 2, 3, 4, 6, 8, 10): names that read alike, a folder
holding the user's own files, two runs at once, special files as inputs and outputs, a full disk. Each test makes
its situation itself; the assertions are on the files written and the exit code."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import write_csv, write_xlsx
from xborder.files import LOCK_WAIT, MANIFEST, map_names
from xborder.language.memory import TranslationMemory

FX = ("--fx-date", "2025-06-02")
HEADER = ["款号", "品名", "出厂价", "毛重(kg)"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _own_memory(monkeypatch):
    monkeypatch.delenv("XBORDER_MEMORY", raising=False)
    monkeypatch.delenv("XBORDER_LOCK_WAIT", raising=False)


def one_line(result, *fragments: str, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name]


# --- (2) one name mapper ---------------------------------------------------------------------------------------

def test_the_name_mapper_is_stable_and_never_gives_two_originals_one_name():
    originals = ["HF/1", "HF-1", "HF 1", ".", "..", "catalog", "ab", "AB"]
    names, collisions = map_names(originals, ".md")
    assert len({n.casefold() for n in names.values()}) == len(originals)
    assert names["HF-1"] == "HF-1.md" and names["catalog"] == "catalog.md"  # a file-safe name keeps its name
    assert names["AB"] == "AB.md" and names["ab"].startswith("ab-")  # Windows and macOS: one file otherwise
    again, _ = map_names(reversed(originals), ".md")
    assert again == names  # the order they come in changes nothing
    assert map_names(["HF 1"], ".md")[0] == {"HF 1": "HF-1.md"}  # alone, a name needs no suffix
    assert {original for original, _, _ in collisions} == {"HF/1", "HF 1", ".", "..", "ab"}


def test_catalogs_whose_names_read_alike_each_get_their_own_folder(tmp_path, run_cli):
    folder = tmp_path / "cats"
    folder.mkdir()
    write_xlsx(folder / "cat 1.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    write_xlsx(folder / "cat-1.xlsx", [HEADER, ["B-1", "雨伞", 26, 0.4]])
    write_csv(folder / "cat-1.csv", [HEADER, ["C-1", "雨伞", 27, 0.4]])
    write_xlsx(folder / "cat_1.xlsx", [HEADER, ["D-1", "雨伞", 28, 0.4]])
    result = run_cli("build", "cats", "--out", "out", *FX)
    assert result.exit_code in (0, 1), result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    outs = [c["out"] for c in report["catalogs"]]
    assert len(set(outs)) == 4
    skus = set()
    for catalog in report["catalogs"]:
        for name in Path(catalog["out"]).glob("*.json"):
            skus |= {item["sku"] for item in json.loads(name.read_text(encoding="utf-8"))["listings"]}
        for file in catalog["files"]:
            assert Path(file).exists(), file  # the report lists exactly the files that exist
    assert skus == {"A-1", "B-1", "C-1", "D-1"}  # no catalog's listings overwrote another's


def test_catalog_folders_that_collide_after_mapping_get_a_suffix_and_a_note(tmp_path, run_cli):
    write_xlsx(tmp_path / "cat 1.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    write_xlsx(tmp_path / "cat-1.xlsx", [HEADER, ["B-1", "雨伞", 26, 0.4]])
    result = run_cli("build", "cat 1.xlsx", "cat-1.xlsx", "--out", "out", *FX)
    assert result.exit_code in (0, 1), result.output
    folders = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir())
    assert folders[0] == "cat-1" and folders[1].startswith("cat-1-") and len(folders) == 2
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["renamed"] == [{"catalog": "cat 1.xlsx", "folder": folders[1], "instead_of": "cat-1"}]
    assert folders[1] in result.output  # the summary says so


def test_scripts_of_skus_that_read_alike_are_each_a_file(tmp_path, run_cli):
    skus = ["HF/1", "HF-1", "HF 1", ".", ".."]
    write_xlsx(tmp_path / "c.xlsx", [HEADER + ["卖点"]] + [[sku, "汉服", 50 + i, 0.5, "手工刺绣"]
                                                         for i, sku in enumerate(skus)])
    result = run_cli("script", "c.xlsx", "--lang", "en-US", "--session", "30m", *FX)
    assert result.exit_code in (0, 1), result.output
    folder = tmp_path / "dist" / "scripts"
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    scripts = sorted(p.name for p in (folder / "en-US").glob("*.md") if p.name != "run-of-show.md")
    assert len(scripts) == 5 and "HF-1.md" in scripts
    assert set(report["files"]) | {MANIFEST, "report.json"} == files_under(folder)  # listed = written
    renamed = [f for s in report["scripts"] for f in s["findings"] if f["check"] == "file-name"]
    assert len(renamed) == 4  # HF/1, HF 1, '.', '..'
    show = (folder / "en-US" / "run-of-show.md").read_text(encoding="utf-8")
    linked = {name for name in scripts if f"]({name})" in show}
    assert linked == set(scripts)  # the run of show links to the files as written


# --- (3) --out holds the user's files ----------------------------------------------------------------------------

def test_a_note_saved_in_the_output_folder_is_never_deleted(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    assert run_cli("build", "c.xlsx", "--out", "out", *FX).exit_code in (0, 1)
    assert (tmp_path / "out" / MANIFEST).is_file()
    assert run_cli("build", "c.xlsx", "--out", "out", *FX).exit_code in (0, 1)  # its own folder: replaced
    (tmp_path / "out" / "my-notes.txt").write_text("x\n", encoding="utf-8")
    before = snapshot(tmp_path / "out")
    one_line(run_cli("build", "c.xlsx", "--out", "out", *FX), "my-notes.txt", "did not write", "--out")
    assert snapshot(tmp_path / "out") == before
    (tmp_path / "out" / "my-notes.txt").unlink()
    (tmp_path / "out" / "images").mkdir()
    (tmp_path / "out" / "images" / "logo.png").write_bytes(b"png")  # in a folder xborder might have written
    one_line(run_cli("build", "c.xlsx", "--out", "out", *FX), "images/logo.png")


def test_a_build_replaces_a_folder_of_builds_and_scripts_it_wrote(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER + ["卖点"], ["A-1", "汉服", 50, 0.5, "手工刺绣"]])
    assert run_cli("build", "c.xlsx", *FX).exit_code in (0, 1)
    assert run_cli("script", "c.xlsx", "--lang", "en-US", *FX).exit_code in (0, 1)  # dist/scripts/ of its own
    assert run_cli("build", "c.xlsx", "--scripts", "en-US", *FX).exit_code in (0, 1)
    assert (tmp_path / "dist" / "scripts" / "en-US" / "A-1.md").is_file()
    (tmp_path / "dist" / MANIFEST).unlink()  # a folder an earlier xborder wrote: its report.json lists the files
    assert run_cli("build", "c.xlsx", *FX).exit_code in (0, 1)


def test_a_symlinked_out_is_built_through_and_leaves_nothing_beside_it(tmp_path, run_cli):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "real")
    for _ in range(2):
        assert run_cli("build", "c.xlsx", "--out", "out", *FX).exit_code in (0, 1)
    assert (tmp_path / "out").is_symlink() and (tmp_path / "real" / "report.json").is_file()
    assert not leftovers(tmp_path)


# --- (4) two runs at once --------------------------------------------------------------------------------------

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from xborder.files import hold_lock

    with hold_lock(Path(sys.argv[1]), "test"):
        Path(sys.argv[2]).touch()
        time.sleep(60)
""")


def _hold(path: Path, tmp_path: Path) -> subprocess.Popen:
    ready = tmp_path / "holding"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(ready)])
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready.exists()
    return holder


def test_a_second_run_on_one_output_folder_waits_then_names_the_process(tmp_path, run_cli, monkeypatch):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    assert run_cli("build", "c.xlsx", *FX).exit_code in (0, 1)
    before = snapshot(tmp_path / "dist")
    holder = _hold(tmp_path / "dist", tmp_path)
    try:
        monkeypatch.setenv("XBORDER_LOCK_WAIT", "0.3")
        one_line(run_cli("build", "c.xlsx", *FX), "in use by another xborder run", f"process {holder.pid}")
        assert snapshot(tmp_path / "dist") == before and not leftovers(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert run_cli("build", "c.xlsx", *FX).exit_code in (0, 1)  # the system dropped the killed holder's lock
    assert LOCK_WAIT > 0


def test_a_second_run_on_one_memory_waits_then_names_the_process(tmp_path, run_cli, monkeypatch):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    memory = tmp_path / "m.sqlite"
    holder = _hold(memory, tmp_path)
    try:
        monkeypatch.setenv("XBORDER_LOCK_WAIT", "0.3")
        one_line(run_cli("build", "c.xlsx", "--memory", memory, *FX), "translation memory is in use",
                 f"process {holder.pid}")
    finally:
        holder.kill()
        holder.wait()


def test_two_builds_into_one_folder_at_once_both_finish(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(6):  # enough work that the two runs overlap
        write_xlsx(folder / f"c{n}.xlsx", [HEADER] + [[f"A-{n}-{i}", "遇水变色雨伞", 25 + i, 0.4] for i in range(40)])
    command = [sys.executable, "-m", "xborder", "build", "in", "--quiet", *FX]
    env = {**os.environ, "XBORDER_LOCK_WAIT": "120"}
    env.pop("XBORDER_MEMORY", None)
    runs = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode in (0, 1), err.decode()
    report = json.loads((tmp_path / "dist" / "report.json").read_text(encoding="utf-8"))
    assert set(report["checksums"]) | {"report.json", MANIFEST} == files_under(tmp_path / "dist")
    assert not leftovers(tmp_path)


def test_two_builds_on_one_memory_ask_the_model_once(server, tmp_path):
    from test_model_engine import write_model_project

    project = write_model_project(tmp_path)
    server.latency = 0.3
    env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": os.environ["OPENAI_API_KEY"],
           "XBORDER_LOCK_WAIT": "120"}
    runs = [subprocess.Popen([sys.executable, "-m", "xborder", "build", "catalog.xlsx", "--quiet", "--out",
                              f"dist-{n}"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for n in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
    assert len(server.products()) == 4  # four products in one market: asked once, not once per build


# --- (6) outputs and memories that are not regular files -----------------------------------------------------------

def _memory_with_one_translation(path: Path) -> Path:
    with TranslationMemory(path) as memory:
        memory.approve("雨伞", "umbrella", "zh", "en")
    return path


def test_tm_export_never_replaces_a_link_to_a_device_or_a_pipe(tmp_path, run_cli):
    memory = _memory_with_one_translation(tmp_path / "m.sqlite")
    (tmp_path / "stdout.tmx").symlink_to("/proc/self/fd/1")
    os.mkfifo(tmp_path / "pipe.tmx")
    one_line(run_cli("tm", "export", "--output", "stdout.tmx", "--memory", memory), "stdout.tmx", "not a regular file")
    assert (tmp_path / "stdout.tmx").is_symlink()
    one_line(run_cli("tm", "export", "--output", "pipe.tmx", "--memory", memory), "named pipe")
    one_line(run_cli("tm", "export", "--output", "/dev/null", "--memory", memory), "a device")
    (tmp_path / "kept.tmx").write_text("old", encoding="utf-8")
    # a link, even to an ordinary file: writing through it would change a file elsewhere under another name
    (tmp_path / "link.tmx").symlink_to("kept.tmx")
    one_line(run_cli("tm", "export", "--output", "link.tmx", "--memory", memory), "link.tmx", "symbolic link")
    assert (tmp_path / "link.tmx").is_symlink() and (tmp_path / "kept.tmx").read_text(encoding="utf-8") == "old"


@pytest.mark.parametrize("command", [("tm", "stats"), ("tm", "import", "x.tmx"), ("build", "c.xlsx", *FX)])
def test_a_memory_that_is_a_device_or_a_pipe_is_refused(tmp_path, run_cli, command):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    (tmp_path / "x.tmx").write_text('<tmx version="1.4"><header srclang="zh"/><body/></tmx>', encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.sqlite")
    for memory, what in (("/dev/null", "a device"), ("pipe.sqlite", "named pipe")):
        one_line(run_cli(*command, "--memory", memory), what, "not a translation memory file")
    assert not Path("/dev/null-journal").exists() and not Path("/dev/null-wal").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pipe")) == ["pipe.sqlite"]


def test_tm_merge_and_export_create_nothing_beside_the_files_they_only_read(tmp_path, run_cli):
    other = _memory_with_one_translation(tmp_path / "job" / "job-1.sqlite")
    before = sorted(p.name for p in other.parent.iterdir())
    result = run_cli("tm", "merge", other, "--memory", "memory.sqlite")
    assert result.exit_code == 0, result.output
    assert run_cli("tm", "export", "--output", "out.tmx", "--memory", other).exit_code == 0
    assert run_cli("tm", "stats", "--memory", other).exit_code == 0
    assert sorted(p.name for p in other.parent.iterdir()) == before  # no -wal, no -shm
    with TranslationMemory(tmp_path / "memory.sqlite", readonly=True) as memory:
        assert memory.approved("雨伞", "zh", "en").target == "umbrella"


# --- (8) catalogs that are devices or pipes -----------------------------------------------------------------------

def test_a_catalog_that_is_a_device_or_a_pipe_is_refused_without_reading_it(tmp_path, run_cli):
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    (tmp_path / "random.xlsx").symlink_to("/dev/urandom")
    os.mkfifo(tmp_path / "pipe.csv")  # opening it would wait for a writer forever
    for name, what in (("zero.csv", "a device"), ("random.xlsx", "a device"), ("pipe.csv", "named pipe")):
        one_line(run_cli("build", name, *FX), name, what, "not a regular file")
        one_line(run_cli("inspect", name), name, what)


def test_a_pipe_in_a_folder_of_catalogs_leaves_the_others_built(tmp_path, run_cli):
    folder = tmp_path / "in"
    folder.mkdir()
    write_xlsx(folder / "good.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    os.mkfifo(folder / "pipe.csv")
    result = run_cli("build", "in", *FX)
    assert result.exit_code == 2, result.output
    assert "pipe.csv" in result.output and "named pipe" in result.output
    assert (tmp_path / "dist" / "good" / "listings.xlsx").is_file()


# --- (10) a full disk ------------------------------------------------------------------------------------------

def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_says_so_and_leaves_the_previous_build(tmp_path, run_cli, monkeypatch):
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 25, 0.4]])
    assert run_cli("build", "c.xlsx", *FX).exit_code in (0, 1)
    before = snapshot(tmp_path / "dist")
    write_xlsx(tmp_path / "c.xlsx", [HEADER, ["A-1", "雨伞", 99, 0.4]])
    import xborder.exports.writer as writer

    monkeypatch.setattr(writer.MarketJson, "add", _no_space)
    line = one_line(run_cli("build", "c.xlsx", *FX), "the disk is full", "nothing was half-written",
                    "previous build in dist is as it was")
    assert str(tmp_path) in line
    assert snapshot(tmp_path / "dist") == before
    assert not leftovers(tmp_path)


def test_a_full_disk_while_writing_one_file_keeps_the_old_file(tmp_path, run_cli, monkeypatch):
    memory = _memory_with_one_translation(tmp_path / "m.sqlite")
    (tmp_path / "memory.tmx").write_text("old", encoding="utf-8")
    import xborder.files as files

    monkeypatch.setattr(files.os, "fsync", _no_space)
    one_line(run_cli("tm", "export", "--output", "memory.tmx", "--memory", memory), "the disk is full",
             "memory.tmx is as it was")
    assert (tmp_path / "memory.tmx").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_pictures_of_skus_that_differ_only_in_case_are_two_files(tmp_path, run_cli):
    from test_pictures import png, project, workbook

    project(tmp_path, ["amazon-us"])
    workbook(tmp_path / "c.xlsx", [["款号", "品名", "出厂价", "毛重(kg)", "图片"], ["UM-2", "晴雨伞", 25, 0.45, None],
                                   ["um-2", "雨伞", 26, 0.45, None]],
             [(1, 4, png(600, 600, 1), {}), (2, 4, png(600, 600, 2), {})])
    result = run_cli("build", "c.xlsx", *FX)
    assert result.exit_code in (0, 1), result.output
    dist = tmp_path / "dist"
    pictures = sorted(p.name for p in (dist / "images").iterdir())
    assert len({name.casefold() for name in pictures}) == 2  # one folder on Windows or macOS holds both
    by_sku = {item["sku"]: item for item in json.loads((dist / "amazon-us.json").read_text("utf-8"))["listings"]}
    files = {sku: [image["file"] for image in item["images"]] for sku, item in by_sku.items()}
    assert sorted(f.split("/")[1] for names in files.values() for f in names) == pictures
    assert files["UM-2"] == ["images/UM-2-1.png"]
    assert all((dist / f).read_bytes() != (dist / files["UM-2"][0]).read_bytes() for f in files["um-2"])
    report = json.loads((dist / "report.json").read_text("utf-8"))
    assert [f["sku"] for f in report["findings"] if f["check"] == "image-file"] == ["um-2"]
