"""The xborder command line: thin click commands over the core, registered on the group in cli/app.py."""

from __future__ import annotations

from xborder.cli.app import cli, main  # each command's module is imported when the command is used (app.COMMANDS)

__all__ = ["cli", "main"]

if __name__ == "__main__":  # pragma: no cover
    main()
