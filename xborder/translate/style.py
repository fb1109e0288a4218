"""The style guide per locale (data/style.toml): how to write for buyers there, for model prompts."""

from __future__ import annotations

from functools import cache

from xborder import data

_PROMPT_KEYS = ("formality", "units", "spelling", "buyers_expect", "avoid")


@cache
def style_guide(lang_tag: str) -> dict:
    """The merged guide for a language tag ('de-DE' over 'de'); sources left out, as a prompt needs it."""
    raw = data.load("style.toml")
    language = lang_tag.split("-")[0]
    merged: dict = {}
    for layer in (raw.get(language, {}), raw.get(lang_tag, {}) if lang_tag != language else {}):
        merged.update(layer)
    return {key: merged[key] for key in _PROMPT_KEYS if key in merged}
