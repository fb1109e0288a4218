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
from contextlib import closing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xborder.errors import XborderError
from xborder.files import hold_lock, special_file

DEFAULT_PATH = Path(".xborder") / "memory.sqlite"
ENV_VAR = "XBORDER_MEMORY"
SCHEMA_VERSION = 2  # 2: the identifiers table
_BUSY_MS = 15_000

# what a run found out about a model endpoint (the structured-output mode it takes), so the next need not ask;
# created in a memory of any schema version without changing it, so an older xborder still opens the file
_ENDPOINTS = """
CREATE TABLE IF NOT EXISTS endpoints (
    base_url TEXT NOT NULL,
    model TEXT NOT NULL,
    setting TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (base_url, model, setting)
);
"""

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
""" + """
CREATE TABLE IF NOT EXISTS identifiers (
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (kind, scope, key)
);
CREATE UNIQUE INDEX IF NOT EXISTS identifiers_value ON identifiers (kind, scope, value);
""" + _ENDPOINTS


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


@dataclass(frozen=True)
class MergeConflict:
    """Two different translations a person made of the same text, one in each memory."""

    source: str
    source_lang: str
    target_lang: str
    market: str
    ours: str  # the merged-into memory's, before the merge
    theirs: str  # the other file's
    took_theirs: bool  # the other's was newer, so the memory now holds it

    @property
    def kept(self) -> str:
        return self.theirs if self.took_theirs else self.ours

    @property
    def dropped(self) -> str:
        return self.ours if self.took_theirs else self.theirs


@dataclass(frozen=True)
class MergeReport:
    """What merging one memory file into another did. For each table, added + updated + kept is the number of
    rows in the other file; conflicts are also counted in approved_updated or approved_kept."""

    other: Path
    approved_added: int = 0
    approved_updated: int = 0
    approved_kept: int = 0
    cached_added: int = 0
    cached_updated: int = 0
    cached_kept: int = 0
    conflicts: tuple[MergeConflict, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.other),
            "approved": {"added": self.approved_added, "updated": self.approved_updated, "kept": self.approved_kept},
            "cached": {"added": self.cached_added, "updated": self.cached_updated, "kept": self.cached_kept},
            "conflicts": [{"source": c.source, "source_lang": c.source_lang, "target_lang": c.target_lang,
                           "market": c.market, "kept": c.kept, "dropped": c.dropped, "took_theirs": c.took_theirs}
                          for c in self.conflicts],
        }


_COLUMNS = {
    "approved": ("source", "source_lang", "target_lang", "market", "target", "origin", "note", "updated_at"),
    "cache": ("key", "source", "source_lang", "target_lang", "market", "target", "origin", "engine", "model",
              "prompt_version", "glossary", "created_at"),
}
_REJECTED = "model-rejected"  # origin of a listing copy kept although it failed its checks (engines/rejection.py)


def check_memory_file(path: Path) -> None:
    """Raise MemoryFileError, naming the file, unless `path` is an xborder translation memory that can be read.
    Opens it read-only; the file is not changed."""
    path = Path(path)
    if not path.exists():
        raise MemoryFileError(f"{path}: no such file")
    if not path.is_file():
        raise MemoryFileError(f"{path}: a folder, not a translation memory file")
    if path.stat().st_size == 0:
        raise MemoryFileError(f"{path}: an empty file, not a translation memory")
    with TranslationMemory(path, readonly=True) as memory:  # garbage, a newer schema, another program's tables
        for table, columns in _COLUMNS.items():
            found = {row[1] for row in memory._query(f"PRAGMA table_info({table})")}
            if not found:
                raise MemoryFileError(f"{path}: not a translation memory (it has no '{table}' table)")
            missing = [column for column in columns if column not in found]
            if missing:
                raise MemoryFileError(f"{path}: not a translation memory (its '{table}' table has no "
                                      f"{', '.join(missing)} column)")


def read_uri(path: Path) -> str:
    """The SQLite URI to only read a memory file: read-only, and for a WAL file without its write-ahead log (no run
    has it open) immutable, so that reading it creates no -wal or -shm file beside it (tm merge, tm export); with a
    log (a run writing it now, or one that was killed) it is read with the log, whose files are there already."""
    uri = Path(path).absolute().as_uri() + "?mode=ro"
    if Path(f"{path}-wal").exists() or special_file(path):
        return uri
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return uri
    # bytes 18-19 of the header: 2 = WAL. A file in the older rollback mode creates nothing when only read, and it is
    # read with SQLite's locks (a writer's lock is waited for), so only a WAL file is opened immutable
    return uri + "&immutable=1" if header[18:19] == b"\x02" else uri


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

    def __init__(self, path: Path, readonly: bool = False, create_folder: bool = True, scratch: bool = False):
        """Open the memory at `path`; `scratch`: a copy of it in RAM (empty when there is none), so that a run
        writes nothing to disk."""
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise MemoryFileError(f"{self.path}: no translation memory here yet")
        self.db: sqlite3.Connection = None  # type: ignore[assignment]  # set below, or the constructor raises
        self.scratch = scratch
        self._lock: Any = None
        special = special_file(self.path)  # /dev/null, a FIFO: SQLite would put a journal beside it (/dev/null-journal)
        if special:
            raise MemoryFileError(f"{self.path}: {special}, not a translation memory file; --memory / XBORDER_MEMORY "
                                  "must name an ordinary file (or a new one)")
        if self.path.is_dir():
            raise MemoryFileError(f"{self.path}: a folder, not a translation memory file; name the file in it "
                                  "(e.g. memory.sqlite)")
        try:
            if scratch:
                self.db = sqlite3.connect(":memory:", isolation_level=None)
                if self.path.is_file():
                    with closing(sqlite3.connect(read_uri(self.path), uri=True)) as source:
                        source.backup(self.db)
            elif create_folder:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            elif not self.path.parent.is_dir():
                raise MemoryFileError(f"{self.path}: the folder {self.path.parent} does not exist; check the "
                                      "--memory / XBORDER_MEMORY path")
            if not (scratch or readonly):
                # one writing run at a time: a second build on this memory waits for the first, then finds its work
                # instead of asking the model for it again; the system drops the lock if a run is killed
                self._lock = hold_lock(self.path, "the translation memory")
                self._lock.__enter__()
            # a URI (percent-encoded, so '#', '?' or '%' in a folder name stay part of the path)
            uri = read_uri(self.path) if readonly else str(self.path)
            if not scratch:
                self.db = sqlite3.connect(uri, uri=readonly, timeout=_BUSY_MS / 1000, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:  # before anything below changes the file
                raise MemoryFileError(f"{self.path}: written by a newer xborder (schema {version}); upgrade xborder")
            if version == 0:
                tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if tables - {"approved", "cache", "identifiers", "endpoints"}:  # another program's database: left alone
                    raise MemoryFileError(f"{self.path}: not a translation memory (an SQLite file with other "
                                          "tables); point --memory / XBORDER_MEMORY at the right file")
                if readonly and not tables:
                    raise MemoryFileError(f"{self.path}: no translation memory here yet")
            if not readonly:
                if not scratch:
                    self._use_wal()
                    self.db.execute("PRAGMA synchronous = NORMAL")
                if version < SCHEMA_VERSION:  # a new file, or one from before the identifiers table
                    self.db.executescript(_SCHEMA)
                    self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    version = SCHEMA_VERSION
                else:
                    self.db.executescript(_ENDPOINTS)
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
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.__exit__(None, None, None)

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
        self._unlock()

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read; a damaged file is a MemoryFileError with the designed message, not a crash."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as error:
            raise MemoryFileError(_explain(self.path, error)) from None

    def _write(self, sql: str, params: tuple[object, ...]) -> None:
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

    def approved_lookup(self, source_lang: str, target_lang: str, market: str = "") -> Callable[[str], str | None]:
        """source → the text a person approved for it in this market (else any market), or None. The sources
        that have one are fetched in one query first, so a big build asks the database only about those
        instead of about every field of every listing."""
        known = {row[0] for row in self._query("SELECT DISTINCT source FROM approved WHERE source_lang = ? AND "
                                               "target_lang = ?", (source_lang, target_lang))}

        def approved(source: str) -> str | None:
            if source not in known:
                return None
            found = self.approved(source, source_lang, target_lang, market)
            return found.target if found else None
        return approved

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
    # identifiers --------------------------------------------------------------------------------
    @property
    def _has_identifiers(self) -> bool:
        """False for a memory from before the identifiers table that is open read-only (it cannot gain one)."""
        return bool(self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'identifiers'"))

    def identifier(self, kind: str, scope: str, key: str) -> str | None:
        """The identifier given before ('handle', market key, product SKU) → its handle; None if never given."""
        if not self._has_identifiers:
            return None
        rows = self._query("SELECT value FROM identifiers WHERE kind = ? AND scope = ? AND key = ?", (kind, scope, key))
        return rows[0][0] if rows else None

    def identifier_taken(self, kind: str, scope: str, value: str) -> bool:
        """Whether a value was already given to something in this scope (a handle of another product)."""
        return self._has_identifiers and bool(
            self._query("SELECT 1 FROM identifiers WHERE kind = ? AND scope = ? AND value = ?", (kind, scope, value)))

    def keep_identifiers(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Record (kind, scope, key, value) identifiers in one transaction; one already given stays as it was."""
        if not rows:
            return
        now = _now()
        try:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany("INSERT OR IGNORE INTO identifiers (kind, scope, key, value, created_at) "
                                    "VALUES (?, ?, ?, ?, ?)", [(*row, now) for row in rows])
        except sqlite3.DatabaseError as error:
            raise MemoryFileError(_explain(self.path, error)) from None

    # endpoints -----------------------------------------------------------------------------
    def endpoint_setting(self, base_url: str, model: str, setting: str) -> str | None:
        """What a run found out about a model at an endpoint ('structured_output' → 'json_object'); None if
        nothing (or a read-only memory from before the table)."""
        try:
            rows = self.db.execute("SELECT value FROM endpoints WHERE base_url = ? AND model = ? AND setting = ?",
                                   (base_url, model, setting)).fetchall()
        except sqlite3.OperationalError:
            return None  # no such table: a read-only memory an older xborder wrote
        except sqlite3.DatabaseError as error:
            raise MemoryFileError(_explain(self.path, error)) from None
        return str(rows[0][0]) if rows else None

    def keep_endpoint_setting(self, base_url: str, model: str, setting: str, value: str) -> None:
        """Remember what a run found out about a model at an endpoint, for the runs after it."""
        self._write("INSERT OR REPLACE INTO endpoints (base_url, model, setting, value, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)", (base_url, model, setting, value, _now()))

    def stats(self) -> dict[str, Any]:
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

    def check_mergeable(self, other: Path) -> None:
        """Raise MemoryFileError, naming the file, unless `other` is another file's translation memory."""
        check_memory_file(other)
        if os.path.samefile(self.path, other):
            raise MemoryFileError(f"{other}: this is the translation memory being merged into ({self.path}); "
                                  "name the other memories' files")

    def merge(self, other: Path) -> MergeReport:
        """Merge another memory file into this one, e.g. the memories of CI jobs that each built part of a catalog.

        Approved translations (one per source text, languages and market):
        - added when this memory has none;
        - a person's translation (origin 'human') beats one of any other origin ('import' …), newer or older;
        - between two of the same rank the newer `updated_at` wins; on equal timestamps this memory's stays;
        - two different 'human' translations are a conflict: the newer is kept, and the conflict (source, both
          targets) is listed in the report. A conflict this memory won is reported again by the next merge of
          the same file, since the two files still disagree.
        Cached machine output (one per cache key):
        - added when this memory has none;
        - an accepted entry beats a 'model-rejected' one, newer or older;
        - otherwise the newer `created_at` wins; on equal timestamps this memory's stays.
        A row that wins but holds the same translation and origin (approved: and note) as this memory's is not
        copied: only its timestamp would change, so it counts as kept, and merging twice changes nothing.

        One transaction in SQL over the attached file, so a million rows take seconds and a failed merge leaves
        this memory as it was. The other file is opened read-only and never changed. A file that is not a
        translation memory, and this memory's own file, are refused with a MemoryFileError naming the file.
        """
        other = Path(other)
        self.check_mergeable(other)
        approved_key = " AND ".join(f"a.{c} = b.{c}" for c in ("source", "source_lang", "target_lang", "market"))
        approved_cols, cache_cols = ", ".join(_COLUMNS["approved"]), ", ".join(_COLUMNS["cache"])
        db = sqlite3.connect(self.path.absolute().as_uri() + "?mode=rw", uri=True, timeout=_BUSY_MS / 1000,
                             isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            db.execute("ATTACH DATABASE ? AS other", (read_uri(other),))
            db.execute("BEGIN IMMEDIATE")
            try:
                approved = db.execute(
                    f"SELECT COUNT(a.source), COALESCE(SUM({_approved_wins('b', 'a')}), 0) FROM other.approved AS b "
                    f"LEFT JOIN main.approved AS a ON {approved_key}").fetchone()
                approved_total = db.execute("SELECT COUNT(*) FROM other.approved").fetchone()[0]
                disagree = db.execute(
                    "SELECT b.source, b.source_lang, b.target_lang, b.market, a.target, b.target, "
                    f"b.updated_at > a.updated_at FROM other.approved AS b JOIN main.approved AS a ON {approved_key} "
                    "WHERE a.origin = 'human' AND b.origin = 'human' AND a.target != b.target "
                    "ORDER BY b.source_lang, b.target_lang, b.market, b.source").fetchall()
                conflicts = tuple(MergeConflict(source, source_lang, target_lang, market, ours, theirs, bool(newer))
                                  for source, source_lang, target_lang, market, ours, theirs, newer in disagree)
                cached = db.execute(
                    f"SELECT COUNT(a.key), COALESCE(SUM({_cache_wins('b', 'a')}), 0) FROM other.cache AS b "
                    "LEFT JOIN main.cache AS a ON a.key = b.key").fetchone()
                cached_total = db.execute("SELECT COUNT(*) FROM other.cache").fetchone()[0]
                # 'WHERE true' keeps SQLite from reading ON CONFLICT as part of the SELECT's join
                db.execute(
                    f"INSERT INTO main.approved ({approved_cols}) SELECT {approved_cols} FROM other.approved WHERE "
                    "true ON CONFLICT (source, source_lang, target_lang, market) DO UPDATE SET target = "
                    "excluded.target, origin = excluded.origin, note = excluded.note, updated_at = excluded.updated_at "
                    "WHERE " + _approved_wins("excluded", "approved"))
                db.execute(
                    f"INSERT INTO main.cache ({cache_cols}) SELECT {cache_cols} FROM other.cache WHERE true "
                    "ON CONFLICT (key) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS["cache"][1:])
                    + " WHERE " + _cache_wins("excluded", "cache"))
                if db.execute("SELECT 1 FROM other.sqlite_master WHERE name = 'identifiers'").fetchone():
                    # an identifier given first stays: a published handle or variant SKU must never move
                    db.execute("INSERT OR IGNORE INTO main.identifiers SELECT kind, scope, key, value, created_at "
                               "FROM other.identifiers")
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as error:
            text = str(error)
            if any(word in text for word in ("locked", "busy", "readonly", "unable to open")):
                raise MemoryFileError(_explain(self.path, error)) from None
            raise MemoryFileError(f"{other}: cannot merge it into {self.path}: {text}") from None
        finally:
            db.close()
        return MergeReport(other, approved_total - approved[0], approved[1], approved[0] - approved[1],
                           cached_total - cached[0], cached[1], cached[0] - cached[1], conflicts)


def _approved_wins(new: str, old: str) -> str:
    """SQL: does approved row `new` (the other file's) replace `old` (this memory's)? Used to count and to write."""
    human_new, human_old = f"({new}.origin = 'human')", f"({old}.origin = 'human')"
    return (f"({human_new} > {human_old} OR ({human_new} = {human_old} AND {new}.updated_at > {old}.updated_at)) "
            f"AND ({new}.target != {old}.target OR {new}.origin != {old}.origin OR {new}.note != {old}.note)")


def _cache_wins(new: str, old: str) -> str:
    """SQL: does cache row `new` (the other file's) replace `old` (this memory's)? Used to count and to write."""
    accepted_new, accepted_old = f"({new}.origin != '{_REJECTED}')", f"({old}.origin != '{_REJECTED}')"
    return (f"({accepted_new} > {accepted_old} OR ({accepted_new} = {accepted_old} AND "
            f"{new}.created_at > {old}.created_at)) AND ({new}.target != {old}.target OR {new}.origin != {old}.origin)")


def _explain(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "disk is full" in text or "database or disk is full" in text:
        return (f"{path}: the disk is full (no space left) writing the translation memory; what was stored before "
                "is kept. Free some space and run again")
    if "locked" in text or "busy" in text:
        return f"{path}: the translation memory is locked by another xborder run; wait for it to finish"
    if "file is not a database" in text or "malformed" in text:
        return (f"{path}: not a translation memory (not an SQLite file, or damaged); move it away, or point "
                "--memory / XBORDER_MEMORY at the right file")
    if "readonly" in text or "unable to open" in text:
        return f"{path}: cannot write the translation memory here ({text}); check the folder's permissions"
    return f"{path}: translation memory error: {text}"
