"""Making text fit a field's limit without cutting a word: the most important words stay first."""

from __future__ import annotations

import re

_BREAKS = re.compile(r"[\s,，、。;；:：/|・\-–—]")


def fit_chars(text: str, limit: int) -> str:
    """Text shortened to at most `limit` characters at the last word or phrase boundary."""
    if limit <= 0 or len(text) <= limit:
        return text
    head = text[:limit + 1]
    cut = max((m.start() for m in _BREAKS.finditer(head)), default=-1)
    if cut <= 0:
        return text[:limit].rstrip()  # one unbroken word (or CJK run): there is no boundary to honour
    return text[:cut].rstrip(" ,，、;；:：/|-–—")


def fit_parts(parts: list[str], separator: str, limit: int) -> tuple[str, int]:
    """Join parts, dropping trailing ones (least important) until it fits; (text, parts dropped)."""
    kept = list(parts)
    while len(kept) > 1 and len(separator.join(kept)) > limit > 0:
        kept.pop()
    return fit_chars(separator.join(kept), limit), len(parts) - len(kept)


def fit_bytes(words: list[str], separator: str, limit: int) -> tuple[str, list[str]]:
    """Whole keywords joined while the UTF-8 size stays under `limit` bytes; (text, dropped)."""
    kept: list[str] = []
    dropped: list[str] = []
    for word in words:
        candidate = separator.join(kept + [word])
        if len(candidate.encode("utf-8")) <= limit:
            kept.append(word)
        else:
            dropped.append(word)
    return separator.join(kept), dropped
