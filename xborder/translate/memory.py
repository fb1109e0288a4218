"""The translation memory: approved translations and the engines' cache, in one SQLite file.

Approved translations (a person's, or imported) are looked up by source text, languages and
market, and always beat a machine translation. Machine translations are cached under a key
that covers everything that changes the output, so editing one glossary term invalidates only
the segments that contain it. Each write is its own transaction: a killed run loses at most
the segment in flight, and several processes may write at once (WAL, busy timeout).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from xborder.errors import XborderError

DEFAULT_PATH = Path(".xborder") / "memory.sqlite"
ENV_VAR = "XBORDER_MEMORY"
SCHEMA_VERSION = 1
_BUSY_MS = 15_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS approved (
    source TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,
    market TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL,
    origin TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, source_lang, target_lang, market)
);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,
    market TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL,
    origin TEXT NOT NULL,
    engine TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    prompt_version TEXT NOT NULL DEFAULT '',
    glossary TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_source ON cache (source, target_lang);
"""


class MemoryFileError(XborderError):
    """The memory file cannot be opened, is locked, or is not a translation memory."""


@dataclass(frozen=True)
class Translation:
    """A stored translation and where it came from."""

    source: str
    target: str
    source_lang: str
    target_lang: str
    market: str
    origin: str  # human | import | model | template …
    approved: bool
    engine: str = ""
    model: str = ""


def memory_path(explicit: Path | None, configured: Path | None, root: Path) -> Path:
    """--memory, else $XBORDER_MEMORY, else [project] memory, else .xborder/memory.sqlite in the project."""
    if explicit is not None:
        return explicit
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return configured or root / DEFAULT_PATH


def cache_key(source: str, source_lang: str, target_lang: str, market: str, glossary: list[str], engine: str,
              model: str = "", prompt_version: str = "") -> str:
    """SHA-256 over everything that changes a machine translation of one segment."""
    payload = json.dumps([source, source_lang, target_lang, market, sorted(glossary), engine, model, prompt_version],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class TranslationMemory:
    """One SQLite file; use as a context manager or call close()."""

    def __init__(self, path: Path, readonly: bool = False, create_folder: bool = True):
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise MemoryFileError(f"{self.path}: no translation memory here yet")
        self.db: sqlite3.Connection = None  # type: ignore[assignment]  # set below, or the constructor raises
        try:
            if create_folder:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            elif not self.path.parent.is_dir():
                raise MemoryFileError(f"{self.path}: the folder {self.path.parent} does not exist; check the "
                                      "--memory / XBORDER_MEMORY path")
            # a URI (percent-encoded, so '#', '?' or '%' in a folder name stay part of the path)
            uri = self.path.absolute().as_uri() + "?mode=ro" if readonly else str(self.path)
            self.db = sqlite3.connect(uri, uri=readonly, timeout=_BUSY_MS / 1000, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:  # before anything below changes the file
                raise MemoryFileError(f"{self.path}: written by a newer xborder (schema {version}); upgrade xborder")
            if version == 0:
                tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if tables - {"approved", "cache"}:  # another program's database: leave it alone
                    raise MemoryFileError(f"{self.path}: not a translation memory (an SQLite file with other "
                                          "tables); point --memory / XBORDER_MEMORY at the right file")
                if readonly and not tables:
                    raise MemoryFileError(f"{self.path}: no translation memory here yet")
            if not readonly:
                self._use_wal()
                self.db.execute("PRAGMA synchronous = NORMAL")
                if version == 0:
                    self.db.executescript(_SCHEMA)
                    self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    version = SCHEMA_VERSION
        except sqlite3.DatabaseError as error:
            self._close_quietly()
            raise MemoryFileError(_explain(self.path, error)) from None
        except OSError as error:
            self._close_quietly()
            raise MemoryFileError(f"{self.path}: cannot open the translation memory ({error.strerror})") from None
        except MemoryFileError:
            self._close_quietly()
            raise

    def _close_quietly(self) -> None:
        if self.db is not None:
            self.db.close()

    def _use_wal(self) -> None:
        """Switch the file to WAL. SQLite does not wait (busy timeout) for the lock this needs, so two
        runs opening a new memory at once would fail: retry until the busy timeout instead."""
        deadline = time.monotonic() + _BUSY_MS / 1000
        while True:
            try:
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of a read; a damaged file is a MemoryFileError with the designed message, not a crash."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as error:
            raise MemoryFileError(_explain(self.path, error)) from None

    def _write(self, sql: str, params: tuple) -> None:
        try:
            self.db.execute(sql, params)
        except sqlite3.DatabaseError as error:
            raise MemoryFileError(_explain(self.path, error)) from None

    # approved ------------------------------------------------------------------------------
    def approve(self, source: str, target: str, source_lang: str, target_lang: str, market: str = "",
                origin: str = "human", note: str = "") -> None:
        """Store a person's translation; it wins over any machine translation of the same text."""
        self._write("INSERT INTO approved VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (source, source_lang, target_lang, "
                    "market) DO UPDATE SET target = excluded.target, origin = excluded.origin, note = excluded.note, "
                    "updated_at = excluded.updated_at",
                    (source, source_lang, target_lang, market, target, origin, note, _now()))

    def approve_many(self, rows: list[tuple[str, str, str, str, str]], origin: str,
                     keep_human: bool = False) -> int:
        """(source, target, source_lang, target_lang, market) rows in one transaction; returns how many
        were new or changed. With keep_human, a person's translation already stored is left as it is."""
        guard = " AND approved.origin != 'human'" if keep_human else ""
        try:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                before = self.db.total_changes
                for source, target, source_lang, target_lang, market in rows:
                    self.db.execute(
                        "INSERT INTO approved VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (source, source_lang, "
                        "target_lang, market) DO UPDATE SET target = excluded.target, origin = excluded.origin, "
                        "updated_at = excluded.updated_at WHERE approved.target != excluded.target" + guard,
                        (source, source_lang, target_lang, market, target, origin, "", _now()))
                changed = self.db.total_changes - before
        except sqlite3.DatabaseError as error:
            raise MemoryFileError(_explain(self.path, error)) from None
        return changed

    def approved(self, source: str, source_lang: str, target_lang: str, market: str = "") -> Translation | None:
        """The approved translation for this market, else for any market."""
        rows = self._query(
            "SELECT target, market, origin FROM approved WHERE source = ? AND source_lang = ? AND target_lang = ? "
            "AND market IN (?, '') ORDER BY market = '' LIMIT 1", (source, source_lang, target_lang, market))
        row = rows[0] if rows else None
        if row is None:
            return None
        return Translation(source, row[0], source_lang, target_lang, row[1], row[2], True)

    # cache ---------------------------------------------------------------------------------
    def cached(self, key: str) -> Translation | None:
        rows = self._query("SELECT source, target, source_lang, target_lang, market, origin, engine, model "
                           "FROM cache WHERE key = ?", (key,))
        row = rows[0] if rows else None
        if row is None:
            return None
        return Translation(row[0], row[1], row[2], row[3], row[4], row[5], False, row[6], row[7])

    def store(self, key: str, source: str, target: str, source_lang: str, target_lang: str, market: str,
              engine: str, origin: str = "model", model: str = "", prompt_version: str = "",
              glossary: list[str] | None = None) -> None:
        """Cache a machine translation under its key (one transaction)."""
        self._write("INSERT OR REPLACE INTO cache VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (key, source, source_lang, target_lang, market, target, origin, engine, model, prompt_version,
                     "\n".join(sorted(glossary or [])), _now()))

    def lookup(self, source: str, source_lang: str, target_lang: str, market: str, key: str) -> Translation | None:
        """Approved first, then the cache entry for exactly this key."""
        return self.approved(source, source_lang, target_lang, market) or self.cached(key)

    # reporting and exchange ---------------------------------------------------------------
    def stats(self) -> dict:
        """Counts of approved translations and cached segments per language and origin."""
        approved = self._query("SELECT target_lang, origin, COUNT(*) FROM approved GROUP BY 1, 2 ORDER BY 1, 2")
        cached = self._query("SELECT target_lang, engine, COUNT(*) FROM cache GROUP BY 1, 2 ORDER BY 1, 2")
        return {
            "path": str(self.path),
            "approved": [{"lang": lang, "origin": origin, "count": n} for lang, origin, n in approved],
            "cached": [{"lang": lang, "engine": engine, "count": n} for lang, engine, n in cached],
            "total_approved": sum(n for *_, n in approved),
            "total_cached": sum(n for *_, n in cached),
        }

    def all_approved(self, target_langs: list[str] | None = None) -> list[Translation]:
        rows = self._query("SELECT source, target, source_lang, target_lang, market, origin FROM approved "
                           "ORDER BY source_lang, target_lang, market, source")
        return [Translation(s, t, sl, tl, m, o, True) for s, t, sl, tl, m, o in rows
                if not target_langs or tl in target_langs]


def _explain(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"{path}: the translation memory is locked by another xborder run; wait for it to finish"
    if "file is not a database" in text or "malformed" in text:
        return (f"{path}: not a translation memory (not an SQLite file, or damaged); move it away, or point "
                "--memory / XBORDER_MEMORY at the right file")
    if "readonly" in text or "unable to open" in text:
        return f"{path}: cannot write the translation memory here ({text}); check the folder's permissions"
    return f"{path}: translation memory error: {text}"
