"""The one place that writes output files (atomically) and neutralizes spreadsheet formulas."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from xborder.errors import XborderError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "{=")  # {= …}: an array formula as typed in Excel


class OutputError(XborderError):
    """An output file cannot be written."""


class DiskFullError(OutputError):
    """The disk (or the user's quota) is full: nothing was half-written (exit 2, like any output that cannot be
    written)."""


class BusyError(OutputError):
    """Another xborder run holds the output folder or the translation memory (exit 2)."""


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # no space: the disk, a quota, a file-size limit


def disk_full(error: BaseException) -> bool:
    """Whether an OSError says the disk or the quota is full."""
    return isinstance(error, OSError) and error.errno in _FULL


def full_message(folder: Path, written: int | None = None, kept: str = "") -> str:
    """One line for a full disk: where, how much was written, what was kept."""
    amount = f" after writing {_size(written)}" if written else ""
    return (f"{folder}: the disk is full (no space left, or a quota or file-size limit reached){amount}; nothing "
            "was half-written"
            f"{'; ' + kept if kept else ''}. Free some space (or choose another --out) and run again")


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:,.0f} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return f"{count} bytes"  # pragma: no cover


def folder_size(folder: Path) -> int:
    """Bytes of the regular files under `folder` (what a stage folder holds so far)."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def real_path(path: Path | str) -> Path:
    """The absolute path with every symbolic link followed; unlike Path.resolve(), a symlink loop raises nothing
    (the loop's path comes back, and opening it then fails as a missing file does)."""
    return Path(os.path.realpath(path))


def output_file(path: Path) -> Path:
    """The file to write for an output named `path`: `path` itself when it is new or a regular file; anything else
    (a symbolic link, a device such as /dev/full, a FIFO, a socket, a folder) is refused, so that writing an output
    never replaces or feeds something that is not an ordinary file, nor changes a file elsewhere."""
    path = Path(path)
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None
    if stat.S_ISREG(link.st_mode):
        return path
    what = _kind(link.st_mode)
    if stat.S_ISLNK(link.st_mode):
        magic = _magic_link(path)
        if magic:
            raise OutputError(f"{path}: a symbolic link into {magic} ({os.readlink(path)}), not a regular file; "
                              "xborder writes outputs only as regular files: name a new file or an ordinary one")
        try:
            target = os.stat(path)
        except OSError:
            raise OutputError(f"{path}: a symbolic link to nothing ({os.readlink(path)}); xborder writes outputs "
                              "only as regular files: remove the link or name another file") from None
        if stat.S_ISREG(target.st_mode):
            # writing through the link would change a file elsewhere, under a name the user did not give
            raise OutputError(f"{path}: a symbolic link to {os.readlink(path)}; xborder writes outputs only as "
                              "regular files under the name given: name the file itself, or remove the link")
        what = f"a symbolic link to {_kind(target.st_mode)} ({os.readlink(path)})"
    raise OutputError(f"{path}: {what}, not a regular file; xborder writes outputs only as regular files: name a "
                      "new file or an ordinary one")


def _magic_link(path: Path) -> str:
    """'/proc' or '/dev' when a chain of symbolic links passes through them (/proc/self/fd/1 is a process's
    standard output, whatever file that is), else ''."""
    current = os.path.abspath(path)
    for _ in range(40):
        if not os.path.islink(current):
            return ""
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
        for root in ("/proc", "/dev"):
            if current == root or current.startswith(root + "/"):
                return root
    return ""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a special file"


class SpecialFileError(XborderError):
    """An input that is a device, a FIFO or a socket, not a regular file (exit 2)."""


def special_file(path: Path) -> str:
    """'' for a regular file (or a symlink to one) or a missing path; else what it is ('a device', 'a named pipe
    (FIFO)' …). Found with stat, never by opening: opening a FIFO blocks, and a device never ends."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ""
    return "" if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else _kind(mode)


def write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file. Only a new
    path or a regular file is written (see output_file)."""
    path = output_file(path)
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
        if disk_full(error):
            raise DiskFullError(full_message(path.parent, len(data), f"{path.name} is as it was")) from None
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
        if disk_full(error):
            raise DiskFullError(full_message(path.parent, None, f"{path.name} is as it was")) from None
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None


def safe_name(text: str) -> str:
    """A file or folder name made from outside text (a catalog's name): no separators, no leading dots."""
    name = re.sub(r"[^\w.-]+", "-", text).strip(".-")
    return name[:80] or "catalog"


MANIFEST = ".xborder-files"  # in every folder xborder swaps in: the files it wrote there, one per line


def _own_temporary(name: str) -> bool:
    """A hidden file of xborder's own beside or inside an output folder: a lock, a stage, a half-written temp."""
    return name.startswith(".") and (name.endswith((".lock", ".tmp")) or ".partial-" in name or ".old-" in name)


def real_folder(final: Path) -> Path:
    """The output folder to replace: a symbolic link's target (the link itself stays and points at the new
    build), else `final`."""
    final = Path(final)
    return real_path(final) if final.is_symlink() else final


def foreign_files(folder: Path) -> list[Path]:
    """Files (and links) under `folder` that xborder did not write there: not listed in a manifest (MANIFEST, or
    for a folder written before manifests, its report.json's file list), sorted."""
    known: set[str] = set()
    for root, _, names in os.walk(folder):
        base = Path(root)
        if MANIFEST in names:
            known |= {(base / line).as_posix() for line in _lines(base / MANIFEST)}
            known.add((base / MANIFEST).as_posix())
        elif "report.json" in names:  # an output folder of an earlier xborder: its report lists the files
            known |= {(base / name).as_posix() for name in _reported(base / "report.json")}
            known.add((base / "report.json").as_posix())
    found = []
    for root, folders, names in os.walk(folder):
        base = Path(root)
        links = [name for name in folders if (base / name).is_symlink()]  # a link to a folder is not walked into
        for name in names + links:
            path = base / name
            if path.as_posix() not in known and not _own_temporary(name):
                found.append(path)
    return sorted(found)


def _lines(path: Path) -> list[str]:
    try:
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    except (OSError, UnicodeDecodeError):
        return []


def _reported(report: Path) -> list[str]:
    import json

    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    listed = data.get("checksums") or data.get("files") or []
    return [str(name) for name in listed if isinstance(name, str)]


def write_manifest(folder: Path) -> None:
    """MANIFEST in `folder`: every file under it (its subfolders' manifests included), before it is swapped in."""
    names = []
    for root, _, files in os.walk(folder):
        for name in files:
            if name != MANIFEST or Path(root) != Path(folder):
                if not _own_temporary(name):
                    names.append((Path(root) / name).relative_to(folder).as_posix())
    write_text(Path(folder) / MANIFEST, "".join(f"{name}\n" for name in sorted(names)))


def stage_folder(final: Path) -> Path:
    """A new empty folder beside `final` to write a whole build into before it replaces `final`. Refuses an
    `final` that holds anything xborder did not write (a note the user saved there would be lost)."""
    final = real_folder(final)
    if final.exists() and not final.is_dir():
        raise OutputError(f"{final}: --out must be a folder, and this is a file")
    if final.is_dir():
        foreign = foreign_files(final)
        if foreign:
            more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
            raise OutputError(f"{final}: holds {foreign[0].relative_to(final).as_posix()}{more}, which xborder did "
                              "not write; xborder replaces its output folder whole, so move that out or choose an "
                              "empty or new --out folder")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        for leftover in final.parent.glob(f".{final.name}.partial-*"):  # from a run that was killed
            if _leftover(leftover):
                shutil.rmtree(leftover, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
        os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes 0700; the output folder is an ordinary folder
        return stage
    except OSError as error:
        if disk_full(error):
            raise DiskFullError(full_message(final.parent, None, f"{final} is as it was")) from None
        raise OutputError(f"{final.parent}: cannot write here ({error.strerror})") from None


def _leftover(stage: Path) -> bool:
    """A stage folder no run is writing any more: killed runs leave them. The caller holds the output folder's
    lock (hold_lock), so no other run can be writing one: every stage found is a leftover, however new."""
    return stage.is_dir() and not stage.is_symlink()


def swap_in(stage: Path, final: Path) -> None:
    """Replace `final` by the complete `stage` folder: readers see the old build or the new one, never a mix.
    The stage gets its MANIFEST first; a symbolic link `final` keeps pointing at the new build."""
    final = real_folder(final)
    write_manifest(stage)
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


# --- locks ------------------------------------------------------------------------------------------------------

LOCK_WAIT = 30.0  # seconds ($XBORDER_LOCK_WAIT) a run waits for another run's lock on one folder or memory
_held: dict[str, list[int]] = {}  # lock file → [fd, holds] in this process: a lock is re-entrant within a process


def lock_wait() -> float:
    """How long to wait for another run's lock: $XBORDER_LOCK_WAIT seconds (a CI job may wait longer), else
    LOCK_WAIT."""
    try:
        return max(0.0, float(os.environ.get("XBORDER_LOCK_WAIT", "")))
    except ValueError:
        return LOCK_WAIT


def lock_file(path: Path) -> Path:
    """The lock file of `path` (an output folder or a memory file): in the user's lock folder under the system's
    temporary folder, named by the path, so a run leaves nothing beside what it was asked to write or read."""
    path = Path(os.path.abspath(path))
    digest = hashlib.sha256(os.fsencode(path)).hexdigest()[:32]
    owner = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"xborder-locks-{owner}" / f"{digest}.lock"


@contextmanager
def hold_lock(path: Path, what: str, wait: float | None = None) -> Iterator[None]:
    """Hold the lock of `path` (flock on lock_file(path)) for the block: another xborder run on the same output
    folder or memory waits up to `wait` seconds (LOCK_WAIT), then BusyError names the process holding it. The
    system releases the lock when a process ends, however it ends (kill -9 too), so nothing is left locked."""
    lock = lock_file(path)
    key = str(lock)
    if key in _held:
        _held[key][1] += 1
        try:
            yield
        finally:
            _release(key)
        return
    try:
        lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        if disk_full(error):
            raise DiskFullError(full_message(lock.parent)) from None
        raise OutputError(f"{lock.parent}: cannot write here ({error.strerror})") from None
    deadline = time.monotonic() + (lock_wait() if wait is None else wait)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                os.close(fd)
                raise OutputError(f"{lock}: cannot lock ({error.strerror})") from None
            if time.monotonic() >= deadline:
                holder = _holder(fd)
                os.close(fd)
                raise BusyError(f"{path}: {what} is in use by another xborder run{holder}; wait for it to finish "
                                "and run again (or use another folder or memory file)") from None
            time.sleep(0.1)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the lock holds without the note of who holds it
    _held[key] = [fd, 1]
    try:
        yield
    finally:
        _release(key)


def _release(key: str) -> None:
    entry = _held[key]
    entry[1] -= 1
    if entry[1] == 0:
        del _held[key]
        os.close(entry[0])  # closing the file releases the flock


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (process {text})" if text.isdigit() else ""


# --- file names ---------------------------------------------------------------------------------------------------

def name_hash(original: str) -> str:
    """A short hash of an original name: the stable suffix that tells two names apart after mapping."""
    return hashlib.sha1(original.encode("utf-8", "surrogatepass")).hexdigest()[:6]


def map_names(originals: Iterable[str], suffix: str = "") -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """The one file-name mapper for names a run writes side by side (catalog folders, scripts, …): each original
    (a SKU, a catalog's name) → a file-safe name + `suffix`, and the collisions found.

    Names that differ after mapping (or only in letter case, which Windows and macOS do not tell apart) keep the
    mapped name; where several originals map to one name, an original that is already that name keeps it and every
    other one gets `-<hash of the original>`: the same names whatever order they come in and in every run. Returns
    ({original: name}, [(original, name, the name it would have shared)])."""
    wanted = {original: safe_name(original) for original in dict.fromkeys(originals)}
    groups: dict[str, list[str]] = {}
    for original, name in wanted.items():
        groups.setdefault(name.casefold(), []).append(original)
    out: dict[str, str] = {}
    collisions = []
    taken = {name.casefold() for name in wanted.values()}
    for members in groups.values():
        exact = sorted(original for original in members if original == wanted[original])
        keeper = exact[0] if exact else None  # of 'ab' and 'AB', both file-safe, 'AB' keeps its name
        for original in members:
            name = wanted[original]
            if len(members) > 1 and original != keeper:
                shared = name
                name = _unique(f"{name}-{name_hash(original)}", taken)
                taken.add(name.casefold())
                collisions.append((original, name + suffix, shared + suffix))
            out[original] = name + suffix
    return out, collisions


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate


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
