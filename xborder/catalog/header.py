"""Find the header row of a sheet and map its columns to product fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from xborder import data
from xborder.catalog.cells import normalize, to_text, unit_hint
from xborder.catalog.model import PRODUCT_FIELDS, ColumnMapping
from xborder.errors import ConfigError

HEADER_SCAN_ROWS = 50
_BILINGUAL = re.compile(r"([\u3400-\u9fff][^a-z]*?)\s*[/|]?\s*([a-z][a-z .#/&-]*?)\s*([(\[（【].*)?")


@dataclass(frozen=True)
class FieldSpec:
    """One product field of data/header_aliases.toml."""

    name: str
    label: str
    kind: str
    required: bool
    max_chars: int | None
    aliases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()


def _key(text: str) -> str:
    """Header text reduced for comparison: normalized, no spaces, no '*', no trailing colon."""
    return re.sub(r"[\s*]+", "", normalize(text)).rstrip(":：")


class HeaderMap:
    """Alias table from data/header_aliases.toml, plus a project's extra aliases."""

    def __init__(self, extra_aliases: dict[str, list[str]] | None = None):
        raw = data.load("header_aliases.toml")
        self.fields: dict[str, FieldSpec] = {}
        for name, spec in raw["fields"].items():
            self.fields[name] = FieldSpec(name, spec["label"], spec["kind"], spec.get("required", False),
                                          spec.get("max_chars"), tuple(spec["aliases"]),
                                          tuple(re.compile(p) for p in spec.get("patterns", ())))
        self.prefixes = tuple(sorted((_key(p) for p in raw["headers"]["prefixes"]), key=len, reverse=True))
        self.summary_markers = tuple(normalize(m) for m in raw["rows"]["summary_markers"])
        self._lookup: dict[str, tuple[str, int]] = {}
        # project aliases come first so they win over the built-in ones
        for name, aliases in (extra_aliases or {}).items():
            if name not in self.fields:
                raise ConfigError(f"xborder.toml [catalog.aliases]: '{name}' is not a product field; "
                                  f"known fields: {', '.join(self.fields)}")
            for rank, alias in enumerate(aliases):
                self._lookup.setdefault(_key(alias), (name, -1000 + rank))
        for spec in self.fields.values():
            for rank, alias in enumerate(spec.aliases):
                self._lookup.setdefault(_key(alias), (spec.name, rank))
        unknown = set(self.fields) - PRODUCT_FIELDS - {"weight_pair", "carton_weight_pair"}
        assert not unknown, f"header_aliases.toml names fields Product lacks: {unknown}"

    @property
    def required(self) -> list[FieldSpec]:
        return [spec for spec in self.fields.values() if spec.required]

    def match(self, header: str) -> tuple[str, int, str | None] | None:
        """(field, rank, unit) for a header such as '毛重(kg)' or 'FOB Price (USD)', else None."""
        key = _key(header)
        if not key:
            return None
        found = self._match_key(key)
        if found:
            return found
        # a bilingual header ('品名 Name', '单价 Unit Price (RMB)'): either language's words name the column
        parts = _BILINGUAL.fullmatch(normalize(header))
        if parts:
            bracket = (parts.group(3) or "").strip("()[]（）【】 ")
            for part in (parts.group(1), parts.group(2)):
                found = self._match_key(_key(part))
                if found:
                    return found[0], found[1], found[2] or (unit_hint(bracket) if bracket else None)
        for prefix in self.prefixes:  # 款式名称 → 名称; a header that is only the prefix stays unmapped
            if key.startswith(prefix) and len(key) > len(prefix):
                found = self._match_key(key[len(prefix):])
                if found:
                    return found[0], found[1] + 100, found[2]  # below any exact alias of the same field
        spaced = " ".join(normalize(header).split())
        for spec in self.fields.values():
            if any(p.search(spaced) for p in spec.patterns):
                bracket = re.search(r"[(\[（【]([^)\]）】]+)[)\]）】]\s*$", spaced)
                return spec.name, 200, unit_hint(bracket.group(1)) if bracket else None
        return None

    def _match_key(self, key: str) -> tuple[str, int, str | None] | None:
        if key in self._lookup:
            return (*self._lookup[key], None)
        bracket = re.fullmatch(r"(.+?)[(\[（【](.+?)[)\]）】]", key)
        if bracket and bracket.group(1) in self._lookup:
            return (*self._lookup[bracket.group(1)], unit_hint(bracket.group(2)))
        slash = re.fullmatch(r"(.+?)/(.+)", key)
        if slash and slash.group(1) in self._lookup and unit_hint(slash.group(2)):
            return (*self._lookup[slash.group(1)], unit_hint(slash.group(2)))
        # a unit glued to the end ('重量g', 'Price $'); units are short, so only short tails are
        # tried (trying every cut is quadratic: seconds for a long text cell scanned as a header)
        for cut in range(len(key) - 1, max(len(key) - 16, 1) - 1, -1):
            head, tail = key[:cut], key[cut:]
            if head in self._lookup and unit_hint(tail):
                return (*self._lookup[head], unit_hint(tail))
        return None

    def map_row(self, cells: list[object]) -> list[ColumnMapping]:
        """Map one candidate header row; when two columns claim a field, the better alias wins."""
        candidates = []
        for index, cell in enumerate(cells):
            header = to_text(cell).replace("\n", " ")
            found = self.match(header) if header else None
            candidates.append((index, header, found))
        best: dict[str, tuple[int, int]] = {}
        for index, _, found in candidates:
            if found:
                name, rank, _ = found
                if name not in best or rank < best[name][0]:
                    best[name] = (rank, index)
        columns = []
        for index, header, found in candidates:
            letter = column_letter(index)
            if found and best[found[0]][1] == index:
                columns.append(ColumnMapping(index, letter, header, found[0], found[2]))
            elif found:
                columns.append(ColumnMapping(index, letter, header, None,
                                             note=f"also looks like {found[0]}; column "
                                                  f"{column_letter(best[found[0]][1])} is used"))
            else:
                columns.append(ColumnMapping(index, letter, header, None))
        return columns


def column_letter(index: int) -> str:
    """0 → 'A', 26 → 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def find_header(rows: list[list[object]], header_map: HeaderMap) -> tuple[int, list[ColumnMapping]] | None:
    """The 0-based index and mapping of the row that matches most field aliases, if any matches two."""
    best: tuple[int, int, list[ColumnMapping]] | None = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns = header_map.map_row(row)
        mapped = {c.field for c in columns if c.field}
        score = len(mapped) + 2 * len(mapped & {s.name for s in header_map.required})
        if len(mapped) >= 2 and (best is None or score > best[0]):
            best = (score, index, columns)
    return (best[1], best[2]) if best else None
