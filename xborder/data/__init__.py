"""Data files shipped with xborder (header aliases, units, markets)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """Parse the bundled TOML data file `name` (e.g. 'units.toml'); cached, treat as read-only."""
    with files(__package__).joinpath(name).open("rb") as handle:
        return tomllib.load(handle)
