"""The README is executable (issue 24, item 6): its ```sh and ```python blocks run in order, as a reader
pastes them, in a scratch copy of examples/, with the scripted model server (tests/fake_openai.py) as the
endpoint, so a command that does not work as written fails here.

A block the test cannot run is marked in README.md by a comment on the line right before its fence:

    <!-- readme-test: skip: REASON -->                 the whole block is not run
    <!-- readme-test: skip-line `CODE`: REASON -->     its line starting with CODE is not run
    <!-- readme-test: own-catalog: REASON -->          it runs in a folder holding only catalog.xlsx, as the
                                                       reader's own catalog would be (no xborder.toml yet)
    <!-- readme-test: fresh: REASON -->                it runs in a fresh copy of examples/ (a memory of its
                                                       own), as a reader who starts with it
    <!-- readme-test: placeholder `TEXT` = `VALUE`: REASON -->   TEXT, which the reader replaces, runs as VALUE

Shell lines are read here, not by a shell: `xborder …` (also `../.venv/bin/xborder`, `.venv/bin/xborder`)
runs `python -m xborder.cli …`; `export K=V` and `K=V xborder …` set the environment; `cd examples` is
a no-op (the scratch folder is the examples folder); `a && b` runs b when a succeeded. Anything else fails the
test, so the README keeps to commands a reader can paste. Every command must exit 0 or 1 (1: findings).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT

README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
SHELLS, PYTHON = ("sh", "bash", "shell"), ("python", "py")
RUNS = SHELLS + PYTHON
MOST_SKIPPED = 3  # whole blocks; each needs a reason
TIMEOUT = 120  # seconds per command
PROGRAMS = ("xborder", ".venv/bin/xborder", "../.venv/bin/xborder")
MARKER = re.compile(r"^\s*<!--\s*readme-test:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")


@dataclass
class Block:
    line: int  # README line number of the opening fence
    lang: str
    lines: list[tuple[int, str]]  # (README line number, code) after the fence's indentation is removed
    skip: str | None = None  # the reason, when the block is not run
    folder: str = "examples"  # or "own-catalog", or "fresh"
    skip_lines: dict[str, str] = field(default_factory=dict)  # the start of a line → why it is not run
    placeholders: dict[str, str] = field(default_factory=dict)  # text the reader replaces → the test's value


def readme_blocks(text: str) -> list[Block]:
    """Every fenced block of the README, in order, with the readme-test markers right above it."""
    blocks: list[Block] = []
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        indent, lang = len(opening.group(1)), opening.group(2)
        block = Block(number + 1, lang, [])
        markers = number - 1
        while markers >= 0 and MARKER.match(lines[markers]):
            _apply_marker(block, MARKER.match(lines[markers]).group(1))
            markers -= 1
        number += 1
        while number < len(lines) and not FENCE.match(lines[number]):
            block.lines.append((number + 1, lines[number][indent:]))
            number += 1
        blocks.append(block)
        number += 1
    return blocks


def _apply_marker(block: Block, marker: str) -> None:
    kind, _, reason = marker.partition(":")
    if line := re.fullmatch(r"skip-line `([^`]+)`:(.*)", marker):
        block.skip_lines[line.group(1)] = line.group(2).strip()
    elif (placeholder := re.fullmatch(r"placeholder `([^`]+)` = `([^`]+)`:(.*)", marker)) and placeholder.group(3):
        block.placeholders[placeholder.group(1)] = placeholder.group(2)
    elif kind == "skip":
        block.skip = reason.strip()
    elif kind in ("own-catalog", "fresh") and reason.strip():
        block.folder = kind
    else:
        raise AssertionError(f"README.md line {block.line}: unknown readme-test marker {marker!r}")


def test_every_marker_is_on_a_block_with_a_reason():
    text = README.read_text(encoding="utf-8")
    blocks = readme_blocks(text)
    fences = {block.line - 1 for block in blocks}
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if MARKER.match(line):
            below = number + 1
            while below < len(lines) and MARKER.match(lines[below]):
                below += 1
            assert below in fences, f"README.md line {number + 1}: a readme-test marker not right above a block"
    runnable = [block for block in blocks if block.lang in RUNS]
    skipped = [block for block in runnable if block.skip is not None]
    for block in skipped:
        assert block.skip, f"README.md line {block.line}: a skipped block needs a reason"
    assert len(skipped) <= MOST_SKIPPED, [block.line for block in skipped]
    for block in runnable:
        codes = [code.strip() for _, code in block.lines]
        for start, reason in block.skip_lines.items():
            assert reason, f"README.md line {block.line}: skip-line `{start}` needs a reason"
            assert sum(code.startswith(start) for code in codes) == 1, \
                f"README.md line {block.line}: skip-line `{start}` matches no line (or several) of the block"
        for text in block.placeholders:
            assert any(text in code for code in codes), f"README.md line {block.line}: no `{text}` in the block"


# --- running a shell line --------------------------------------------------------------------------------

class Shell:
    """What a reader's shell keeps between lines: the environment and the folder."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder, self.env = folder, env

    def run_line(self, where: str, code: str) -> None:
        lexer = shlex.shlex(code, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
        commands: list[list[str]] = [[]]
        for word in words:
            if word == "&&":
                commands.append([])
            elif word in lexer.punctuation_chars or set(word) <= set(lexer.punctuation_chars):
                raise AssertionError(f"{where}: the README test reads no {word!r}; keep the line to commands "
                                     f"joined by &&, or mark the block\n  {code}")
            else:
                commands[-1].append(word)
        for command in commands:
            if command:
                self.run_command(where, code, command)

    def run_command(self, where: str, code: str, words: list[str]) -> None:
        env = dict(self.env)
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        assert words, f"{where}: a line of only assignments: {code}"
        program, args = words[0], words[1:]
        if program == "export":
            for word in args:
                name, _, value = word.partition("=")
                self.env[name] = value
            return
        if program == "cd":
            assert args == ["examples"], f"{where}: the README test follows no cd but `cd examples`: {code}"
            return  # the scratch folder is the examples folder
        assert program in PROGRAMS, f"{where}: the README test runs only xborder commands, not {program!r}: {code}"
        try:
            done = subprocess.run([sys.executable, "-m", "xborder.cli", *args], cwd=self.folder, env=env,
                                  capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired as error:
            pytest.fail(f"{where}: `{code}` ran for more than {TIMEOUT} s\n--- stdout\n{error.stdout!r}\n--- stderr\n"
                        f"{error.stderr!r}", pytrace=False)
        if done.returncode not in (0, 1):
            pytest.fail(f"{where}: `{code}` exited {done.returncode} (0 or 1 expected)\n--- stdout\n{done.stdout}"
                        f"\n--- stderr\n{done.stderr}", pytrace=False)


def shell_lines(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Shell lines with continuation lines (ending in a backslash) joined, blank ones left out."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, code in lines:
        if pending:
            number, code = pending[0], pending[1] + " " + code.strip()
            pending = None
        if code.rstrip().endswith("\\"):
            pending = (number, code.rstrip()[:-1])
        elif code.strip():
            joined.append((number, code.strip()))
    assert pending is None, f"README.md line {pending[0]}: the block ends in a backslash"
    return joined


def test_the_readme_runs_as_written(tmp_path, server, monkeypatch, capsys):
    """The blocks of the examples folder run in order in this thread; those in folders of their own (own-catalog,
    fresh), which share nothing with them but the model server, run in order alongside, on the other core."""
    server.models = ["gpt-4o-mini"]  # the one model the README names for OpenAI; builds without --model pick it
    for name in [name for name in os.environ if name.startswith("XBORDER_")]:
        monkeypatch.delenv(name)
    env = dict(os.environ, OPENAI_BASE_URL=server.url, PYTHONPATH=str(ROOT), NO_COLOR="1", COLUMNS="120")
    blocks = [block for block in readme_blocks(README.read_text(encoding="utf-8"))
              if block.lang in RUNS and block.skip is None]
    examples = Shell(_copy_examples(tmp_path / "examples"), env)
    own = tmp_path / "own-catalog"
    own.mkdir()
    shutil.copy(EXAMPLES / "catalog.xlsx", own / "catalog.xlsx")
    shells = {"examples": examples, "own-catalog": Shell(own, dict(env))}

    def run(block: Block) -> None:
        shell = (Shell(_copy_examples(tmp_path / f"fresh-{block.line}"), dict(env)) if block.folder == "fresh"
                 else shells[block.folder])
        lines = [(number, _replace(code, block.placeholders)) for number, code in block.lines]
        if block.lang in PYTHON:
            assert block.folder == "examples", f"README.md line {block.line}: Python runs in the examples folder"
            monkeypatch.chdir(shell.folder)
            numbered = [""] * lines[-1][0]
            for number, code in lines:
                numbered[number - 1] = code
            exec(compile("\n".join(numbered), "README.md", "exec"), {})  # a traceback names the README's line
            capsys.readouterr()
            return
        for number, code in shell_lines(lines):
            if not any(code.startswith(start) for start in block.skip_lines):
                shell.run_line(f"README.md line {number}", code)

    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        alongside = pool.submit(lambda: [run(block) for block in blocks if block.folder != "examples"])
        for part in (lambda: [run(block) for block in blocks if block.folder == "examples"], alongside.result):
            try:
                part()
            except (pytest.fail.Exception, AssertionError) as error:  # the other part's failure is said too
                failures.append(str(error))
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
    assert server.requests, "no README command asked the test model server"


def _copy_examples(folder: Path) -> Path:
    folder.mkdir()
    for item in EXAMPLES.iterdir():
        if item.is_file():
            shutil.copy(item, folder / item.name)
    return folder


def _replace(code: str, placeholders: dict[str, str]) -> str:
    for text, value in placeholders.items():
        code = code.replace(text, value)
    return code
