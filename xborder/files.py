"""The one place that writes output files (atomically) and neutralizes spreadsheet formulas."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from xborder.errors import XborderError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OutputError(XborderError):
    """An output file cannot be written."""


def write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except PermissionError:
        raise OutputError(f"{path}: permission denied (is the file open in Excel?); close it or pick another "
                          "--out folder") from None
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None


def write_text(path: Path, text: str) -> None:
    """write_bytes for UTF-8 text with the line endings given."""
    write_bytes(path, text.encode("utf-8"))


def neutralize(value: object) -> object:
    """Text a spreadsheet would run as a formula (= + - @ …) gets a leading apostrophe-free quote: '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
