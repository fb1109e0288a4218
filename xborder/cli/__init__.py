"""The xborder command line: thin click commands over the core, registered on the group in cli/app.py."""

from __future__ import annotations

from xborder.cli import batch, build, check, doctor, glossary, inspect, price, script, tm  # noqa: F401 - registers
from xborder.cli.app import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
