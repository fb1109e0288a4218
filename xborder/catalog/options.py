"""How to read a factory's spreadsheet ([catalog] and [limits] of xborder.toml, validated by xborder.settings)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReadLimits:
    """[limits]: what a catalog may be before xborder refuses to load it (checked before any work starts)."""

    file_mb: int = 200  # on disk
    unpacked_mb: int = 2048  # the XML inside an .xlsx
    cells: int = 20_000_000  # rows × columns of one sheet, as far as its farthest cell
    columns: int = 1_000
    cell_chars: int = 1_000_000  # one cell of a CSV; a longer cell makes its row bad, not the file


@dataclass
class CatalogSettings:
    """[catalog]: how to read the factory's spreadsheet."""

    sheet: str | None = None
    currency: str = "CNY"
    weight_unit: str = "kg"
    length_unit: str = "cm"
    aliases: dict[str, list[str]] = field(default_factory=dict)
    limits: ReadLimits = field(default_factory=ReadLimits)
