"""TMX: approved translations out to a file a team keeps in git, and back in."""

from __future__ import annotations

from pathlib import Path

from xborder.files import write_bytes
from xborder.language.memory import Translation
from xborder.language.glossary import GlossaryError, first_line

MARKET_PROP = "x-xborder-market"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class ExchangeFileError(GlossaryError):
    """A TMX or XLIFF file cannot be read."""


def write_tmx(translations: list[Translation], path: Path, source_lang: str = "zh") -> int:
    """Write translations as TMX 1.4 (translate-toolkit); returns how many units were written."""
    from lxml import etree
    from translate.storage import tmx

    store = tmx.tmxfile(sourcelanguage=source_lang)
    for t in translations:
        store.addtranslation(t.source, t.source_lang, t.target, t.target_lang)
        unit = store.units[-1]
        if t.market:
            prop = etree.Element("prop", type=MARKET_PROP)
            prop.text = t.market
            unit.xmlelement.insert(0, prop)
    write_bytes(path, bytes(store))
    return len(translations)


def read_tmx(path: Path, default_source_lang: str = "zh") -> list[tuple[str, str, str, str, str]]:
    """(source, target, source_lang, target_lang, market) for every translated pair in a TMX file;
    languages as the memory keeps them ('zh-CN' → 'zh', 'en-US' → 'en')."""
    from translate.storage import tmx

    try:
        store = tmx.tmxfile.parsefile(str(path))
    except Exception as error:  # lxml raises several types for broken XML
        raise ExchangeFileError(f"{path}: not a readable TMX file ({first_line(error)})") from None
    header_src = None
    header = store.document.getroot().find("header")
    if header is not None:
        header_src = header.get("srclang")
    rows = []
    for unit in store.units:
        node = unit.xmlelement
        src_lang = node.get("srclang") or header_src or default_source_lang
        market = next((p.text or "" for p in node.findall("prop") if p.get("type") == MARKET_PROP), "")
        texts = {}
        for tuv in node.findall("tuv"):
            lang = tuv.get(_XML_LANG) or tuv.get("lang") or ""
            seg = tuv.find("seg")
            texts[lang] = "".join(seg.itertext()).strip() if seg is not None else ""
        source = _by_lang(texts, src_lang)
        if not source:
            continue
        for lang, text in texts.items():
            # the memory keys translations by language ('de', not 'de-DE'), as the engines look them up
            if text and _short(lang) != _short(src_lang):
                rows.append((source, text, _short(src_lang), _short(lang), market))
    return rows


def _by_lang(texts: dict[str, str], lang: str) -> str:
    for key, value in texts.items():
        if key.lower() == lang.lower() or key.lower().startswith(lang.lower() + "-"):
            return value
    return ""


def _short(lang: str) -> str:
    """'zh-CN' → 'zh': the memory keys source text by language."""
    return lang.split("-")[0].split("_")[0].lower()
