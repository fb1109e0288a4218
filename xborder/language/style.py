"""The style guide per locale (data/style.toml): how to write for buyers there, for model prompts and live scripts."""

from __future__ import annotations

from functools import cache
from typing import Any

from xborder import data

_PROMPT_KEYS = ("formality", "units", "spelling", "buyers_expect", "avoid")
_LIVE_KEYS = ("language_name", "formality", "address", "occasions", "avoid", "live_avoid", "live_sources")


def _merged(lang_tag: str) -> dict[str, Any]:
    """The language table with the locale table laid over it key by key ('de-DE' over 'de')."""
    raw = data.load("style.toml")
    language = lang_tag.split("-")[0]
    merged: dict[str, Any] = {}
    for layer in (raw.get(language, {}), raw.get(lang_tag, {}) if lang_tag != language else {}):
        merged.update(layer)
    return merged


@cache
def style_guide(lang_tag: str) -> dict[str, Any]:
    """The merged guide for a language tag ('de-DE' over 'de'); sources left out, as a prompt needs it."""
    merged = _merged(lang_tag)
    return {key: merged[key] for key in _PROMPT_KEYS if key in merged}


@cache
def live_style(lang_tag: str) -> dict[str, Any]:
    """What a live-stream host needs from the guide: address, occasions, phrasing to avoid, and their sources."""
    merged = _merged(lang_tag)
    return {key: merged[key] for key in _LIVE_KEYS if key in merged}
