"""The one place that writes output files (atomically) and neutralizes spreadsheet formulas."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from xborder.errors import XborderError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "{=")  # {= …}: an array formula as typed in Excel


class OutputError(XborderError):
    """An output file cannot be written."""


def write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
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


MARKER = "report.json"  # every output folder xborder writes has one: a folder without it is not ours to replace


def publish(temp: Path, path: Path) -> None:
    """Put a file written in full at `temp` (in the same folder) in place of `path` in one rename, as write_bytes
    does, for a file too big to hold in memory (pending.xlf of a large catalog)."""
    try:
        os.chmod(temp, 0o666 & ~_umask())
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None


def safe_name(text: str) -> str:
    """A file or folder name made from outside text (a catalog's name): no separators, no leading dots."""
    name = re.sub(r"[^\w.-]+", "-", text).strip(".-")
    return name[:80] or "catalog"


def stage_folder(final: Path) -> Path:
    """A new empty folder beside `final` to write a whole build into before it replaces `final`."""
    final = Path(final)
    if final.exists() and not final.is_dir():
        raise OutputError(f"{final}: --out must be a folder, and this is a file")
    if final.is_dir() and any(final.iterdir()) and not (final / MARKER).is_file():
        raise OutputError(f"{final}: this folder holds files xborder did not write; choose an empty or new --out "
                          "folder (xborder replaces its output folder whole)")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        for leftover in final.parent.glob(f".{final.name}.partial-*"):  # from a run that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
    except OSError as error:
        raise OutputError(f"{final.parent}: cannot write here ({error.strerror})") from None


def swap_in(stage: Path, final: Path) -> None:
    """Replace `final` by the complete `stage` folder: readers see the old build or the new one, never a mix."""
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    try:
        if final.exists():
            os.replace(final, old)
        os.replace(stage, final)
    except OSError as error:
        if old.exists() and not final.exists():
            os.replace(old, final)
        raise OutputError(f"{final}: cannot replace the output folder ({error.strerror}); is a file in it open?") \
            from None
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> None:
    """write_bytes for UTF-8 text with the line endings given."""
    write_bytes(path, text.encode("utf-8"))


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
# characters XML 1.0 cannot hold (and so no xlsx, xlf or tbx): C0 controls but tab and line breaks,
# unpaired surrogates, U+FFFE and U+FFFF
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def neutralize(value: object) -> object:
    """A cell value safe in any spreadsheet: characters XML cannot hold removed, and text a spreadsheet would
    run as a formula (= + - @ …) given a leading ' ; plain numbers such as -1 stay."""
    if not isinstance(value, str):
        return value
    if not value.isprintable():  # a fast C scan first: most cells hold no line break, let alone a control character
        value = CONTROL_CHARACTERS.sub("", value)
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def reproducible_zip(data: bytes) -> bytes:
    """An xlsx (zip) with fixed entry times and document dates, so the same content gives the same bytes."""
    import io
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2000-01-01T00:00:00Z\2",
                                 content)
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
    return out.getvalue()
