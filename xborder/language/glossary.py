"""Glossaries: terms that must be translated one way, kept as they are, or never used.

A glossary is a CSV file (one column per language, like an equivalent-term set) or TBX.
Several glossaries stack: the starter ones shipped with xborder, the project's own, and
per-market ones; a later glossary wins and every conflict is reported.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path

from xborder.claims import claim_rules
from xborder.errors import XborderError
from xborder.files import CONTROL_CHARACTERS, FORMULA_STARTS, neutralize
from xborder.findings import Finding

TYPES = ("term", "keep", "forbidden")
SOURCE_COLUMN = "zh"
REQUIRES_COLUMN = "requires"  # a certificate kind of claims.toml ('organic') a term needs; last, and optional
META_COLUMNS = ("type", SOURCE_COLUMN, "case_sensitive", "note", REQUIRES_COLUMN)
FORM_SEPARATOR = " | "


class GlossaryError(XborderError):
    """A glossary file is malformed or contradicts itself."""


@dataclass(frozen=True)
class GlossaryEntry:
    """One source term and what it becomes in each language ('en', 'en-GB', 'de' …)."""

    source: str
    type: str = "term"
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    case_sensitive: bool = False
    note: str = ""
    origin: str = ""
    requires: str = ""  # a term only for products holding this certificate kind ('organic'); else forbidden

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, fold(self.source))

    def forms(self, lang: str) -> tuple[str, ...]:
        """Target forms for a language tag, the canonical one first; a locale ('en-GB') falls back
        to its language ('en'); a keep term is itself."""
        for tag in _fallbacks(lang):
            if self.targets.get(tag):
                return self.targets[tag]
        return (self.source,) if self.type == "keep" else ()

    def target(self, lang: str) -> str | None:
        """The canonical target for a language, or None when the glossary has none."""
        forms = self.forms(lang)
        return forms[0] if forms else None

    def __hash__(self) -> int:
        return hash((self.source, self.type, tuple(sorted(self.targets.items())), self.case_sensitive, self.requires))

    def fingerprint(self, lang: str) -> str:
        """What about this entry changes a translation into `lang` (for the memory's cache key)."""
        return f"{self.type}:{self.source}:{FORM_SEPARATOR.join(self.forms(lang))}"


def _fallbacks(lang: str) -> list[str]:
    tag = lang.replace("_", "-")
    parts = tag.split("-")
    return [tag] if len(parts) == 1 else [tag, parts[0]]


def first_line(error: Exception) -> str:
    """The first line of an exception's message, or its type when it has none (a parser's assert)."""
    lines = str(error).strip().splitlines()
    return lines[0][:100] if lines else f"{type(error).__name__}: not the expected XML"


def fold(text: str) -> str:
    """Comparison form: NFKC and lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Conflict:
    """Two glossaries say different things about one term."""

    source: str
    lang: str
    earlier: str
    later: str
    earlier_origin: str
    later_origin: str

    def __str__(self) -> str:
        return (f"glossary conflict for {self.source} ({self.lang}): '{self.earlier}' in {self.earlier_origin}, "
                f"'{self.later}' in {self.later_origin}; the later one is used")


@dataclass(frozen=True)
class TermMatch:
    entry: GlossaryEntry
    start: int
    end: int
    text: str


class Glossary:
    """Entries by (type, source); matching longest-first without overlaps."""

    def __init__(self, entries: list[GlossaryEntry] | None = None, name: str = ""):
        self.name = name
        self.entries: dict[tuple[str, str], GlossaryEntry] = {}
        self.conflicts: list[Conflict] = []
        for entry in entries or []:
            self.add(entry)
        self._index: dict[str, list[GlossaryEntry]] | None = None
        self._entries_for: dict[str, list[GlossaryEntry]] = {}  # the same texts are checked in every field
        self.certificates: frozenset[str] = frozenset()  # the certificate kinds a for_certificates() view holds
        self._views: dict[frozenset[str], Glossary] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries.values())

    def add(self, entry: GlossaryEntry) -> None:
        """Add or replace an entry; a replaced target that differs is recorded as a conflict."""
        if entry.type not in TYPES:
            raise GlossaryError(f"{entry.origin}: type '{entry.type}' of {entry.source} must be one of "
                                f"{', '.join(TYPES)}")
        earlier = self.entries.get(entry.key)
        if earlier is not None:
            merged = dict(earlier.targets)
            for lang, forms in entry.targets.items():
                if lang in merged and merged[lang][0] != forms[0]:
                    self.conflicts.append(Conflict(entry.source, lang, merged[lang][0], forms[0],
                                                   earlier.origin, entry.origin))
                merged[lang] = forms
            entry = replace(entry, targets=merged)
        self.entries[entry.key] = entry
        self._index = None
        self._entries_for = {}
        self._views = {}

    def stacked(self, other: Glossary) -> Glossary:
        """A new glossary: this one with `other` on top."""
        out = Glossary(name=f"{self.name}+{other.name}")
        for entry in list(self) + list(other):
            out.add(entry)
        out.conflicts = self.conflicts + other.conflicts + out.conflicts
        return out

    def for_certificates(self, held: frozenset[str]) -> Glossary:
        """The glossary for a product holding these certificate kinds: a term that requires one it lacks becomes a
        forbidden entry (有机 without an organic certificate: 'organic' must not appear, and a text with 有机 is not
        translated from the glossary). The same view for every product holding the same kinds; itself when no
        term requires anything."""
        required = {e.requires for e in self.entries.values() if e.requires}
        if not required:
            return self
        key = frozenset(held) & required
        view = self._views.get(key)
        if view is None:
            view = Glossary(name=self.name)
            view.entries = {e.key: e for e in self.entries.values() if not e.requires or e.requires in key}
            for entry in self.entries.values():
                if entry.requires and entry.requires not in key:
                    entry = replace(entry, type="forbidden")
                    known = view.entries.get(entry.key)
                    if known is not None:  # the source has a forbidden entry of its own: forbid both
                        entry = replace(entry, targets={lang: tuple(dict.fromkeys(known.targets.get(lang, ())
                                                                                  + entry.targets.get(lang, ())))
                                                        for lang in {*known.targets, *entry.targets}})
                    view.entries[entry.key] = entry
            view.conflicts = list(self.conflicts)
            view.certificates = key
            self._views[key] = view
        return view

    def languages(self) -> list[str]:
        return sorted({lang for entry in self for lang in entry.targets})

    # matching -----------------------------------------------------------------------------
    def _build_index(self) -> dict[str, list[GlossaryEntry]]:
        index: dict[str, list[GlossaryEntry]] = {}
        for entry in self.entries.values():
            folded = fold(entry.source)
            if folded:
                index.setdefault(folded[0], []).append(entry)
        for bucket in index.values():
            # longest first; for one source, the term (or keep) entry before its forbidden renderings
            bucket.sort(key=lambda e: (-len(e.source), TYPES.index(e.type)))
        return index

    def find(self, text: str) -> list[TermMatch]:
        """Glossary terms in text, longest first and never overlapping (works without spaces)."""
        if self._index is None:
            self._index = self._build_index()
        folded, normal = fold(text), unicodedata.normalize("NFKC", text)
        if len(folded) != len(text) or len(normal) != len(text):
            folded = normal = text  # a character whose normal or lower case has another length: match as is
        matches, i = [], 0
        while i < len(folded):
            best = None
            for entry in self._index.get(folded[i], ()):
                end = _match_at(entry, normal, folded, i)
                if end is not None and (best is None or end > best[1]):
                    best = (entry, end)
            if best:
                matches.append(TermMatch(best[0], i, best[1], text[i:best[1]]))
                i = best[1]
            else:
                i += 1
        return matches

    def entries_for(self, text: str) -> list[GlossaryEntry]:
        """The distinct entries found in text, plus forbidden entries for the same sources."""
        known = self._entries_for.get(text)
        if known is None:
            if len(self._entries_for) > 20_000:  # bounded: a big catalog's texts are mostly seen once
                self._entries_for.clear()
            known = self._entries_for[text] = self._find_entries(text)
        return list(known)

    def _find_entries(self, text: str) -> list[GlossaryEntry]:
        found: dict[tuple[str, str], GlossaryEntry] = {}
        for match in self.find(text):
            found[match.entry.key] = match.entry
            for kind in TYPES:
                other = self.entries.get((kind, fold(match.entry.source)))
                if other is not None:
                    found[other.key] = other
        return sorted(found.values(), key=lambda e: e.key)

    # checks -------------------------------------------------------------------------------
    def check(self, source: str, target: str, lang: str, field: str = "") -> list[Finding]:
        """Glossary findings for one translated field: missing terms, forbidden terms, altered keep terms."""
        entries = self.entries_for(source)
        return (check_missing_terms(entries, target, lang, field)
                + check_forbidden_terms(entries, target, lang, field)
                + check_keep_terms(entries, target, lang, field))


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _match_at(entry: GlossaryEntry, normal: str, folded: str, i: int) -> int | None:
    """End of entry's source matched at i, honouring case and word boundaries (with plurals).
    `normal` is the text in NFKC (full-width ＶＤＥ is VDE), `folded` also in lower case."""
    term = unicodedata.normalize("NFKC", entry.source) if entry.case_sensitive else fold(entry.source)
    hay = normal if entry.case_sensitive else folded
    if not hay.startswith(term, i):
        return None
    end = i + len(term)
    if _is_word_char(term[0]) and i > 0 and _is_word_char(hay[i - 1]):
        return None
    if _is_word_char(term[-1]):
        if term[-1].isalpha():
            for suffix in ("es", "s"):
                if hay.startswith(suffix, end) and (end + len(suffix) >= len(hay)
                                                   or not _is_word_char(hay[end + len(suffix)])):
                    return end + len(suffix)
        if end < len(hay) and _is_word_char(hay[end]):
            return None
    return end


def contains_form(target: str, form: str, case_sensitive: bool) -> bool:
    """Whether a target text contains a term form, on word boundaries where the form has them."""
    if not form:
        return False
    hay, needle = ((unicodedata.normalize("NFKC", target), unicodedata.normalize("NFKC", form)) if case_sensitive
                   else (fold(target), fold(form)))
    start = 0
    while True:
        at = hay.find(needle, start)
        if at < 0:
            return False
        before_ok = not (_is_word_char(needle[0]) and at > 0 and _is_word_char(hay[at - 1]))
        end = at + len(needle)
        after_ok = not (_is_word_char(needle[-1]) and end < len(hay) and _is_word_char(hay[end]))
        if not after_ok and needle[-1].isalpha():  # simple plurals: "knot" matches "knots"
            tail = re.match(r"(?:e?s)(?![A-Za-z0-9])", hay[end:])
            after_ok = tail is not None
        if before_ok and after_ok:
            return True
        start = at + 1


def check_missing_terms(entries: list[GlossaryEntry], target: str, lang: str, field: str = "") -> list[Finding]:
    """A `term` entry found in the source must appear in the target in one of its accepted forms."""
    out = []
    for entry in entries:
        if entry.type != "term":
            continue
        forms = entry.forms(lang)
        if forms and not any(contains_form(target, f, entry.case_sensitive) for f in forms):
            out.append(Finding("glossary-missing", "warning",
                               f"{entry.source} must be translated as '{forms[0]}' ({lang})", field, entry.source))
    return out


def check_forbidden_terms(entries: list[GlossaryEntry], target: str, lang: str, field: str = "") -> list[Finding]:
    """A `forbidden` entry's renderings must not appear in the target when its source term is present."""
    out = []
    for entry in entries:
        if entry.type != "forbidden":
            continue
        for form in entry.forms(lang):
            if contains_form(target, form, entry.case_sensitive):
                out.append(Finding("glossary-forbidden", "error",
                                   f"'{form}' must not be used for {entry.source} ({lang})", field, entry.source))
    return out


def check_keep_terms(entries: list[GlossaryEntry], target: str, lang: str, field: str = "") -> list[Finding]:
    """A `keep` term (brand, model number, standard) must appear unchanged in the target."""
    out = []
    for entry in entries:
        if entry.type != "keep":
            continue
        forms = entry.forms(lang)
        if not any(contains_form(target, f, True) for f in forms):
            out.append(Finding("glossary-keep", "error",
                               f"'{forms[0]}' must stay exactly as written ({lang})", field, entry.source))
    return out


# files ------------------------------------------------------------------------------------
def read_csv(text: str, origin: str) -> list[GlossaryEntry]:
    """Entries of a glossary CSV: type, zh, one column per language, case_sensitive, note, and optionally requires
    (the certificate kind a term needs, e.g. organic)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    if SOURCE_COLUMN not in columns:
        raise GlossaryError(f"{origin}: the header needs a '{SOURCE_COLUMN}' column with the Chinese term "
                            f"(found: {', '.join(columns) or 'nothing'})")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise GlossaryError(f"{origin}: the header names column '{repeated[0]}' twice; keep one column per language")
    languages = [c for c in columns if c not in META_COLUMNS]
    entries: list[GlossaryEntry] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        rows = list(enumerate(reader, start=2))
    except csv.Error as error:  # a cell over the csv module's cap, a quote the reader cannot close
        raise GlossaryError(f"{origin}, line {reader.line_num}: not a glossary row ({error}); a term's cell holds a "
                            "few words, so check for a quote left open or text pasted into the wrong file") from None
    for number, row in rows:
        # a cell a spreadsheet would run as a formula was written with a leading ' (see write_csv): drop it
        row = {k: v[1:] if isinstance(v, str) and v.startswith("'") and v[1:2] in FORMULA_STARTS else v
               for k, v in row.items()}
        if None in row:
            raise GlossaryError(f"{origin}, row {number}: more cells than header columns; quote cells with commas")
        control = next((c for c, v in row.items() if v and CONTROL_CHARACTERS.search(v)), None)
        if control is not None:
            raise GlossaryError(f"{origin}, row {number}: the '{control}' cell holds invisible control characters "
                                "(such as NUL or \\x0b); retype it")
        broken = next((c for c in [SOURCE_COLUMN, *languages] if "\n" in (row.get(c) or "")
                       or "\r" in (row.get(c) or "")), None)
        if broken is not None:  # a quote left open swallows the rows after it
            raise GlossaryError(f"{origin}, row {number}: the '{broken}' cell runs over several lines; "
                                "is a quote (\") left open?")
        source = (row.get(SOURCE_COLUMN) or "").strip()
        if not source:
            if any((v or "").strip() for v in row.values()):
                raise GlossaryError(f"{origin}, row {number}: no source term in column '{SOURCE_COLUMN}'")
            continue
        kind = (row.get("type") or "term").strip().lower() or "term"
        if kind not in TYPES:
            raise GlossaryError(f"{origin}, row {number}: type '{kind}' must be one of {', '.join(TYPES)}")
        targets = {}
        for lang in languages:
            forms = tuple(f.strip() for f in (row.get(lang) or "").split("|") if f.strip())
            if forms:
                targets[lang] = forms
        if kind == "forbidden" and not targets:
            raise GlossaryError(f"{origin}, row {number}: a forbidden entry for {source} lists no forbidden text")
        case = (row.get("case_sensitive") or "").strip().lower() in ("true", "1", "yes")
        requires = (row.get(REQUIRES_COLUMN) or "").strip()
        if requires and (kind != "term" or requires not in claim_rules().certificates):
            raise GlossaryError(f"{origin}, row {number}: '{REQUIRES_COLUMN}' is for term rows and names a certificate "
                                f"kind ({', '.join(sorted(claim_rules().certificates))}), not '{requires}'")
        entry = GlossaryEntry(source, kind, targets, case, (row.get("note") or "").strip(), f"{origin}:{number}",
                              requires)
        if entry.key in seen:
            raise GlossaryError(f"{origin}, row {number}: {source} ({kind}) is already on row {seen[entry.key]}; "
                                "keep one row per term")
        seen[entry.key] = number
        entries.append(entry)
    return entries


def write_csv(glossary: Glossary, languages: list[str] | None = None) -> str:
    """The glossary as CSV text in the same layout read_csv reads (columns: its languages, or those given)."""
    languages = list(dict.fromkeys((languages or []) + glossary.languages()))
    conditional = any(entry.requires for entry in glossary)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["type", SOURCE_COLUMN, *languages, "case_sensitive", "note"] + [REQUIRES_COLUMN] * conditional)
    for entry in sorted(glossary, key=lambda e: (e.type, e.source)):
        writer.writerow([neutralize(cell) for cell in [
            entry.type, entry.source, *(FORM_SEPARATOR.join(entry.targets.get(lang, ())) for lang in languages),
            "true" if entry.case_sensitive else "false", entry.note] + [entry.requires] * conditional])
    return out.getvalue()


_TBX_STATUS = {"term": "preferredTerm-admn-sts", "keep": "preferredTerm-admn-sts",
               "forbidden": "deprecatedTerm-admn-sts"}


def write_tbx(glossary: Glossary) -> bytes:
    """The glossary as TBX (translate-toolkit), one termEntry per entry, one langSet per language."""
    from lxml import etree
    from translate.storage import tbx

    store = tbx.tbxfile(sourcelanguage=SOURCE_COLUMN)
    for entry in sorted(glossary, key=lambda e: (e.type, e.source)):
        unit = store.addsourceunit(entry.source)
        node = unit.xmlelement
        for lang, forms in sorted(entry.targets.items()):
            langset = None  # one langSet per language (ISO 30042), a tig per form
            for form in forms:
                created = unit.createlanguageNode(lang, form, "target")
                status = etree.SubElement(created[0], unit.namespaced("termNote"), type="administrativeStatus")
                status.text = _TBX_STATUS[entry.type] if form == forms[0] or entry.type == "forbidden" \
                    else "admittedTerm-admn-sts"
                if langset is None:
                    langset = created
                    node.append(langset)
                else:
                    langset.append(created[0])
        # TBX puts entry-level descriptions before the language sections
        descriptions = [("xborderType", entry.type), ("caseSensitive", str(entry.case_sensitive).lower())]
        if entry.requires:
            descriptions.append(("xborderRequires", entry.requires))
        for at, (kind, text) in enumerate(descriptions):
            descrip = etree.Element(unit.namespaced("descrip"), type=kind)
            descrip.text = text
            node.insert(at, descrip)
        if entry.note:
            unit.addnote(entry.note)
    return bytes(store)


def read_tbx(raw: bytes, origin: str) -> list[GlossaryEntry]:
    """Entries of a TBX file; terms marked deprecated become forbidden entries."""
    from translate.storage import tbx

    try:
        store = tbx.tbxfile.parsestring(raw)
    except Exception as error:  # lxml raises several types for broken XML
        raise GlossaryError(f"{origin}: not a readable TBX file ({first_line(error)})") from None
    entries = []
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for unit in store.units:
        node = unit.xmlelement
        langsets = node.findall(unit.namespaced("langSet"))
        descrips = {d.get("type"): (d.text or "") for d in node.iter(unit.namespaced("descrip"))}
        source: str | None = None
        by_status: dict[str, dict[str, list[str]]] = {"term": {}, "forbidden": {}}
        for langset in langsets:
            lang = langset.get(xml_lang) or ""
            for term in langset.iter(unit.namespaced("term")):
                text = (term.text or "").strip()
                statuses = [t.text for t in langset.iter(unit.namespaced("termNote"))
                            if t.get("type") == "administrativeStatus" and t.getparent() is term.getparent()]
                if source is None and lang.replace("_", "-").split("-")[0].lower() == SOURCE_COLUMN:  # zh, zh-CN …
                    source = text
                    continue
                kind = "forbidden" if "deprecatedTerm-admn-sts" in statuses else "term"
                by_status[kind].setdefault(lang, []).append(text)
        if not source:
            continue
        declared = descrips.get("xborderType")
        case = descrips.get("caseSensitive") == "true"
        note = unit.getnotes() or ""
        if by_status["term"] or declared in ("term", "keep"):
            kind = declared if declared in ("term", "keep") else "term"
            requires = descrips.get("xborderRequires", "") if kind == "term" else ""
            entries.append(GlossaryEntry(source, kind, {k: tuple(v) for k, v in by_status["term"].items()},
                                         case, note, origin, requires))
        if by_status["forbidden"]:
            entries.append(GlossaryEntry(source, "forbidden", {k: tuple(v) for k, v in by_status["forbidden"].items()},
                                         case, note, origin))
    return entries


def load_glossary(path: Path) -> Glossary:
    """Read one glossary file (.csv or .tbx)."""
    if not path.is_file():
        raise GlossaryError(f"{path}: glossary file not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise GlossaryError(f"{path}: save the glossary as UTF-8 CSV") from None
        return Glossary(read_csv(text, str(path)), name=path.name)
    if suffix == ".tbx":
        return Glossary(read_tbx(path.read_bytes(), str(path)), name=path.name)
    raise GlossaryError(f"{path}: a glossary is a .csv or .tbx file")


def starter_glossary() -> Glossary:
    """The starter glossaries shipped with xborder, stacked in name order."""
    out = Glossary(name="starter")
    folder = files("xborder.glossaries")
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".csv"):
            for entry in read_csv(item.read_text(encoding="utf-8-sig"), f"starter:{item.name}"):
                out.add(entry)
    return out


def stack(paths: list[Path], include_starter: bool = True) -> Glossary:
    """Starter glossaries, then each file in order; later files win, conflicts are kept."""
    out = starter_glossary() if include_starter else Glossary(name="empty")
    for path in paths:
        out = out.stacked(load_glossary(path))
    return out
