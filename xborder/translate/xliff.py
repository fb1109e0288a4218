"""XLIFF: text xborder could not translate goes out to a translator and comes back in."""

from __future__ import annotations

from typing import Any

from dataclasses import dataclass
from pathlib import Path

from xborder.files import write_bytes
from xborder.translate.glossary import GlossaryError, first_line


@dataclass(frozen=True)
class PendingSegment:
    """Source text with no translation yet, and where it is used."""

    source: str
    source_lang: str
    target_lang: str
    context: str  # e.g. "UM-88 title (amazon-de)"


def write_xliff(segments: list[PendingSegment], path: Path, languages: list[str] | None = None,
                source_lang: str = "zh") -> int:
    """One XLIFF 1.2 file (translate-toolkit), a <file> per target language (also for each of `languages`
    with nothing pending, so the file always says what it covers); returns the unit count."""
    from translate.storage import xliff

    store: Any = xliff.xlifffile()
    by_lang: dict[tuple[str, str], dict[str, list[str]]] = {(source_lang, lang): {} for lang in languages or []}
    for s in segments:
        by_lang.setdefault((s.source_lang, s.target_lang), {}).setdefault(s.source, []).append(s.context)
    first = True
    count = 0
    for (source_lang, target_lang), sources in sorted(by_lang.items()):
        name = f"xborder-{target_lang}"
        if first:
            store.setfilename(store.getfilenode("NoName"), name)
            first = False
        else:
            store.switchfile(name, createifmissing=True)
        # on this <file> only: the toolkit's settargetlanguage() would relabel every <file>
        store.getfilenode(name).set("target-language", target_lang)
        store.getfilenode(name).set("source-language", source_lang)
        for source, contexts in sorted(sources.items()):
            unit = store.addsourceunit(source, filename=name)
            unit.addnote("; ".join(sorted(set(contexts))), origin="developer")
            count += 1
    write_bytes(path, bytes(store))
    return count


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
