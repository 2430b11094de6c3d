"""Writing files safely, and checking an output path before any work starts.

``write_atomic(path, data)`` writes to a temporary file in the same folder and renames it over
``path`` (``os.replace``): a crash or a full disk leaves the old file or the new one, whole, never
half of one. Its errors name ``path``, never the temporary file.

One rule for every file the project writes (pictures, pages, notebooks, model files): **missing
folders on the way are made**, as ``mkdir -p`` would, and **only a regular file is ever replaced**:
a symlink, a FIFO or a device at the destination (``/dev/null``) is refused, never swapped for a
file. A message quotes a path or a value cut to ``shorten``'s length, never 200,000 characters.

``output_file(text)`` and ``output_dir(text)`` check that a path given by the user can be written,
so that a command can refuse it (a usage error) before it trains for a minute and then fails. They
try what the write will do — create a file or a folder in the nearest existing folder, then remove
it — because permission bits say nothing to root (``/sys/x`` looks writable and is not). They leave
nothing behind and create nothing: the writer makes missing folders. (``cli.argument`` makes either
one an argparse ``type=``.)

This module is a leaf: it imports nothing from the package, so every layer can use it.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_atomic", "read_limited", "output_file", "output_dir", "shorten"]

SHORT = 240  # the longest path or value a message quotes whole


def shorten(text: object, limit: int = SHORT) -> str:
    """``text`` (a path, or anything, as str) for a message: whole up to ``limit`` characters,
    else its start and end around an ellipsis, with its length."""
    text = os.fspath(text) if isinstance(text, os.PathLike) else str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 20]}…{text[-10:]} ({len(text):,} characters)"


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (str as UTF-8, or bytes) to ``path`` atomically; returns ``path`` as a Path.

    Missing folders on the way are made first (``mkdir -p``). A destination that exists and is not
    a regular file (a symlink, a FIFO, a device such as /dev/null, a folder) is refused with an
    OSError and left as it was. A failure raises the OSError it was (PermissionError,
    FileNotFoundError, ...) with ``path`` (shortened) as its file name, and leaves no temporary file.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = None
    try:
        _replaceable(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp, fd = _create(path.parent, f".{path.name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them the file
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:  # no temporary file left behind, even after Ctrl-C mid-write
            _remove(tmp)
        if not isinstance(e, OSError):
            raise
        if e.errno is None:  # no errno to rebuild the error from (raised by hand): keep its words
            raise OSError(f"cannot write {shorten(path)}: {e}") from None
        raise OSError(e.errno, e.strerror, shorten(path)) from None  # the user's path, not tmp's
    return path


def read_limited(path: str | os.PathLike, limit: int, what: str) -> bytes:
    """The bytes of the file at ``path``, if there are at most ``limit`` of them, else a ValueError
    saying ``what`` it should have been: never more than ``limit`` + 1 bytes are read, so a huge
    file or an endless one (/dev/zero) costs nothing. A file that cannot be opened is the OSError
    it was, with ``path`` (shortened) as its file name."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        if e.errno is None:
            raise
        raise OSError(e.errno, e.strerror, shorten(path)) from None
    if len(data) > limit:
        raise ValueError(f"{shorten(path)} is larger than {limit:,} bytes: too big for {what}")
    return data


def _replaceable(path: Path) -> None:
    """An OSError unless ``path`` is missing or a regular file (checked without following a link)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except NotADirectoryError:  # a file on the way: the write reports it
        return
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    raise FileExistsError(errno.EEXIST, f"exists and is not a regular file, but {_kind(mode)}; "
                          "only a regular file is replaced", str(path))


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def _create(folder: Path, prefix: str) -> tuple[Path, int]:
    """A new file in ``folder`` with an unused name, open for writing: (its path, its descriptor).

    Unlike tempfile.mkstemp (mode 0600), the mode is 0666 less the umask, as ``open()`` gives, so
    a picture written for a website can be read by the web server.
    """
    while True:
        tmp = folder / f"{prefix}{secrets.token_hex(4)}.tmp"
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # another writer drew the same name: draw again
            continue


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def output_file(text: str | os.PathLike, suffixes: Iterable[str] | None = None) -> Path:
    """``text`` as a Path if a file can be written there, else a one-line ValueError naming it.

    Refused: an empty name, a name not ending in one of ``suffixes`` (any case, e.g. ``(".svg",)``),
    an existing folder, and a place where no file can be made (the parent is a file, or read-only,
    or cannot be made).
    """
    path = _path(text)
    if suffixes is not None:
        suffixes = tuple(s.lower() for s in suffixes)
        if path.suffix.lower() not in suffixes:
            ends = suffixes[0] if len(suffixes) == 1 else f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"
            raise ValueError(f"{shorten(path)}: the file name should end in {ends}")
    if path.is_dir() and not path.is_symlink():
        raise ValueError(f"{shorten(path)} is a folder; a file name is wanted here")
    try:
        _replaceable(path)
    except OSError as e:
        raise ValueError(f"{shorten(path)} {e.strerror}") from None
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"{shorten(path)} cannot be overwritten: permission denied")
    _probe(path, path.parent)
    return path


def output_dir(text: str | os.PathLike) -> Path:
    """``text`` as a Path if files can be written in that folder (existing, or to be made), else a
    one-line ValueError naming it. Refused: an empty name, an existing file, a place where the
    folder cannot be made or a file cannot be made in it."""
    path = _path(text)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{shorten(path)} is a file; a folder is wanted here")
    _probe(path, path)
    return path


def _path(text: str | os.PathLike) -> Path:
    if not os.fspath(text):
        raise ValueError("an empty path: give a file or folder name")
    path = Path(text)
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as e:  # a name too long, a loop of links: said once, the name cut short
        raise ValueError(f"cannot write {shorten(path)}: {e.strerror}") from None
    return path


def _probe(path: Path, folder: Path) -> None:
    """Raise a ValueError naming ``path`` unless a file can be made in ``folder`` or, if ``folder``
    is missing, a folder can be made in its nearest existing ancestor. Leaves nothing behind."""
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"cannot write {shorten(path)}: {shorten(ancestor)} is a file, not a folder")
    try:
        if ancestor == folder:  # the folder exists: can a file be made in it?
            tmp, fd = _create(folder, ".tinygrad_edu-probe-")
            os.close(fd)
            os.unlink(tmp)
        else:  # it is missing: can the first missing folder on the way be made?
            tmp = ancestor / f".tinygrad_edu-probe-{secrets.token_hex(4)}"
            os.mkdir(tmp)
            os.rmdir(tmp)
    except OSError as e:
        where = "a file in" if ancestor == folder else "a folder in"
        raise ValueError(f"cannot write {shorten(path)}: cannot create {where} {shorten(ancestor)} "
                         f"({e.strerror})") from None
