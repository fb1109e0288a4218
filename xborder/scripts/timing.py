"""How long a line takes to say, and durations as people write them (60s, 1m30s, 60m)."""

from __future__ import annotations

import math
import re
import unicodedata

from xborder.scripts.phrases import ScriptError, SpeakingRate

_TOKEN = re.compile(r"\S+")
_DIGITS = re.compile(r"\d+")
_SYMBOLS = set("×x/%+–-=~")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(hours?|hrs|hr|h|minutes?|mins|min|m|seconds?|secs|sec|s)?", re.IGNORECASE)


def spoken_units(text: str, unit: str) -> float:
    """What a speaking rate counts in text: words (a figure such as 7.9 counts as its digit groups said aloud, a
    symbol such as × as the word for it) or characters (letters and digits; Thai vowel and tone marks written
    above or below a letter are not counted, nor spaces and punctuation)."""
    if unit == "characters":
        return float(sum(1 for ch in text if (ch.isalnum() and not unicodedata.category(ch).startswith("M"))
                         or ch in "×%"))
    count = 0.0
    for token in _TOKEN.findall(text):
        groups = _DIGITS.findall(token)
        if groups:
            count += 1.5 * len(groups) + (1 if re.search(r"[^\W\d_]", token) else 0)
        elif any(ch.isalnum() for ch in token):
            count += 1
        elif token in _SYMBOLS:
            count += 1
    return count


def speaking_seconds(text: str, rate: SpeakingRate) -> float:
    """The estimated time to say text at the language's rate."""
    return spoken_units(text, rate.unit) * 60 / rate.per_minute


def parse_duration(text: str, what: str = "--duration") -> int:
    """'60s', '90', '1m30s', '2m', '60m', '1h' → whole seconds above 0; ScriptError otherwise."""
    raw = str(text).strip()
    position, total = 0, 0.0
    for match in _DURATION.finditer(raw):
        if match.start() != position or not match.group(0):
            break
        amount = float(match.group(1))
        unit = (match.group(2) or "s").lower()
        total += amount * (3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1)
        position = match.end()
        while position < len(raw) and raw[position] == " ":
            position += 1
    if not raw or position != len(raw):
        raise ScriptError(f"{what} '{text}' is not a duration; write it like 60s, 90s, 2m or 1m30s")
    seconds = math.floor(total + 0.5)
    if seconds <= 0:
        raise ScriptError(f"{what} '{text}' must be longer than 0 seconds")
    if seconds > 24 * 3600:
        raise ScriptError(f"{what} '{text}' is longer than a day")
    return seconds


def clock(seconds: float) -> str:
    """Seconds as m:ss (h:mm:ss from an hour), rounded to the second."""
    whole = int(math.floor(seconds + 0.5))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
