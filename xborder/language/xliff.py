"""XLIFF: text xborder could not translate goes out to a translator and comes back in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

from xborder.claims import claim_rules
from xborder.files import OutputError, publish
from xborder.language.glossary import GlossaryError, first_line


@dataclass(frozen=True)
class PendingSegment:
    """Source text with no translation yet, and where it is used."""

    source: str
    source_lang: str
    target_lang: str
    context: str  # e.g. "UM-88 title (amazon-de)"
    draft: str = ""  # what the listing shows meanwhile (glossary terms in Chinese order), for review


def write_xliff(segments: Iterable[PendingSegment], path: Path, languages: list[str] | None = None,
                source_lang: str = "zh") -> int:
    """One XLIFF 1.2 file, a <file> per target language (also for each of `languages` with nothing pending,
    so the file always says what it covers); returns the unit count.

    Written as a stream rather than through translate-toolkit's store, which holds every unit as an lxml
    tree (about 1 KB each: a 100,000-product catalog leaves hundreds of thousands pending); the toolkit
    reads it back (read_xliff), and the tests hold the two to the same format."""
    ordered = sorted(segments, key=lambda s: (s.source_lang, s.target_lang, s.source))
    return write_sorted_xliff(ordered, path, languages, source_lang)


def write_sorted_xliff(segments: Iterable[PendingSegment], path: Path, languages: list[str] | None = None,
                       source_lang: str = "zh") -> int:
    """write_xliff for segments already in (source language, target language, source) order, read once as they
    come: a store of pending text streams them into the file without holding them."""
    empty = sorted({(source_lang, lang) for lang in languages or []})
    count = 0
    temp = path.with_name(f".{path.name}.writing")
    try:
        with open(temp, "w", encoding="utf-8", newline="\n") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                      '<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">\n')
            current: tuple[str, str] | None = None
            for (file_key, source), group in groupby(segments, key=lambda s: ((s.source_lang, s.target_lang),
                                                                              s.source)):
                if file_key != current:
                    if current is not None:
                        out.write("    </body>\n  </file>\n")
                    while empty and empty[0] < file_key:  # a language with nothing pending still gets its file
                        _open_file(out, empty.pop(0))
                        out.write("    </body>\n  </file>\n")
                    if empty and empty[0] == file_key:
                        empty.pop(0)
                    _open_file(out, file_key)
                    current = file_key
                items = list(group)
                count += 1
                draft = next((s.draft for s in items if s.draft), "")
                contexts = {s.context for s in items}
                # a draft is marked for review: read_xliff skips it until the translator changes its state
                target = f'        <target state="needs-review-translation">{escape(draft)}</target>\n' \
                    if draft else ""
                claims = _claims_note(source, file_key[0])
                out.write(f'      <trans-unit xml:space="preserve" id="{count}">\n'
                          f"        <source>{escape(source)}</source>\n{target}"
                          f'        <note from="developer">{escape("; ".join(sorted(contexts)))}</note>\n'
                          + (f'        <note from="xborder" priority="1">{escape(claims)}</note>\n' if claims
                             else "") + "      </trans-unit>\n")
            if current is not None:
                out.write("    </body>\n  </file>\n")
            for key in empty:
                _open_file(out, key)
                out.write("    </body>\n  </file>\n")
            out.write("</xliff>\n")
        publish(temp, path)
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None
    finally:
        temp.unlink(missing_ok=True)
    return count


def _open_file(out: TextIO, key: tuple[str, str]) -> None:
    source_lang, target_lang = key
    out.write(f'  <file original="xborder-{_attr(target_lang)}" source-language="{_attr(source_lang)}" '
              f'datatype="plaintext" target-language="{_attr(target_lang)}">\n    <body>\n')


def _claims_note(source: str, source_lang: str) -> str:
    """What a translator must not carry over: the claims in the source (the Issues sheet says why)."""
    hits = claim_rules().find(source, source_lang)
    if not hits:
        return ""
    named = ", ".join(dict.fromkeys(f"'{hit.text}' ({hit.group})" for hit in hits))
    return (f"claims the marketplace or the law may not allow: {named}; leave them out of the translation "
            "unless the product may make them (see the Issues sheet of listings.xlsx)")


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def read_xliff(path: Path, default_source_lang: str = "zh") -> list[tuple[str, str, str, str, str]]:
    """(source, target, source_lang, target_lang, market '') for every translated unit of an XLIFF file."""
    from translate.storage import xliff

    try:
        store = xliff.xlifffile.parsefile(str(path))
    except Exception as error:  # lxml raises several types for broken XML
        raise GlossaryError(f"{path}: not a readable XLIFF file ({first_line(error)})") from None
    rows = []
    for file_node in store.document.getroot().iter(store.namespaced("file")):
        source_lang = (file_node.get("source-language") or default_source_lang).split("-")[0]
        target_lang = file_node.get("target-language")
        if not target_lang:
            raise GlossaryError(f"{path}: a <file> has no target-language; set it to the language translated into")
        for unit in store.units:
            if unit.xmlelement.getparent().getparent() is not file_node:
                continue
            target = (unit.target or "").strip()
            if target and unit.source and not _unfinished(unit):
                rows.append((unit.source, target, source_lang, target_lang.split("-")[0], ""))
    return rows


_UNFINISHED = {"new", "needs-translation", "needs-adaptation", "needs-l10n", "needs-review-translation",
               "needs-review-adaptation", "needs-review-l10n"}


def _unfinished(unit) -> bool:
    """A unit marked as a draft: approved="no", a needs-… state or a fuzzy match. A plain <target>
    (a translator's editor that sets no attributes) counts as translated; translate-toolkit's
    isfuzzy() would skip it for lacking approved="yes"."""
    if unit.xmlelement.get("approved") == "no":
        return True
    target = unit.xmlelement.find(unit.namespaced("target"))
    return target is not None and (target.get("state") in _UNFINISHED
                                   or target.get("state-qualifier") == "fuzzy-match")
