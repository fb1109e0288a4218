"""The phrase bank (data/phrasebank.toml): labels, formats, colours and spec words per language."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xborder import data


@dataclass(frozen=True)
class PhraseBank:
    """Phrases for one language tag; a locale ('en-GB') inherits what it does not override."""

    tag: str
    labels: dict[str, str]
    format: dict[str, str]
    containers: dict[str, str]
    colors: dict[str, str]
    sizes: dict[str, str]

    @property
    def complete(self) -> bool:
        """Whether the bank can label attributes at all (a language without one leaves them pending)."""
        return bool(self.labels) and "bullet" in self.format

    def label(self, key: str) -> str | None:
        return self.labels.get(key)

    def fmt(self, key: str, **values: str) -> str | None:
        template = self.format.get(key)
        return template.format(**values) if template else None

    def join(self, items: list[str]) -> str:
        """Items as a list; values holding the list separator themselves ('Groß, 40 cm') apart by a stronger one."""
        separator = self.format.get("list_separator", ", ")
        if any(separator.strip() and separator.strip() in item for item in items):
            separator = self.format.get("option_list_separator", "; ")
        return separator.join(items)


@cache
def phrasebank(tag: str) -> PhraseBank:
    """The phrase bank for a language tag, falling back from 'en-GB' to 'en'."""
    raw = data.load("phrasebank.toml")
    language = tag.split("-")[0]
    layers = [raw.get(language, {})] + ([raw.get(tag, {})] if tag != language else [])
    merged: dict[str, dict[str, str]] = {}
    for layer in layers:
        for section in ("labels", "format", "containers", "colors", "sizes"):
            merged.setdefault(section, {}).update(layer.get(section, {}))
    return PhraseBank(tag, merged["labels"], merged["format"], merged["containers"], merged["colors"],
                      merged["sizes"])
