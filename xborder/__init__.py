"""xborder: localized listings, live-stream scripts and local prices from a factory spreadsheet.

The Python API starts from a Project: `from xborder import Project` (xborder/project.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xborder.version import __version__

if TYPE_CHECKING:
    from xborder.project import Project

__all__ = ["Project", "__version__"]


def __getattr__(name: str) -> object:
    # the command line imports xborder too: the whole library loads only when the API is used
    if name == "Project":
        from xborder.project import Project

        return Project
    raise AttributeError(f"module 'xborder' has no attribute {name!r}")
