"""Writing files safely, and checking an output path before any work starts.

``write_atomic(path, data)`` writes to a temporary file in the same folder and renames it over
``path`` (``os.replace``): a crash or a full disk leaves the old file or the new one, whole, never
half of one. Its errors name ``path``, never the temporary file.

``output_file(text)`` and ``output_dir(text)`` check that a path given by the user can be written,
so that a command can refuse it (a usage error) before it trains for a minute and then fails. They
try what the write will do — create a file or a folder in the nearest existing folder, then remove
it — because permission bits say nothing to root (``/sys/x`` looks writable and is not). They leave
nothing behind and create nothing: the writer makes missing folders (``parents=True``).
``argument(check)`` makes either one an argparse ``type=``.

This module is a leaf: it imports nothing from the package, so every layer can use it.
"""

from __future__ import annotations

import argparse
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

__all__ = ["write_atomic", "output_file", "output_dir", "argument"]

T = TypeVar("T")


def write_atomic(path: str | os.PathLike, data: str | bytes, *, parents: bool = False) -> Path:
    """Write ``data`` (str as UTF-8, or bytes) to ``path`` atomically; returns ``path`` as a Path.

    With ``parents``, missing folders on the way are made first (``mkdir -p``). A failure raises
    the OSError it was (PermissionError, FileNotFoundError, ...) with ``path`` as its file name,
    and leaves no temporary file behind.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = None
    try:
        if parents:
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
            raise OSError(f"cannot write {path}: {e}") from None
        raise OSError(e.errno, e.strerror, os.fspath(path)) from None  # the user's path, not tmp's
    return path


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
            raise ValueError(f"{path}: the file name should end in {ends}")
    if path.is_dir():
        raise ValueError(f"{path} is a folder; a file name is wanted here")
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"{path} cannot be overwritten: permission denied")
    _probe(path, path.parent)
    return path


def output_dir(text: str | os.PathLike) -> Path:
    """``text`` as a Path if files can be written in that folder (existing, or to be made), else a
    one-line ValueError naming it. Refused: an empty name, an existing file, a place where the
    folder cannot be made or a file cannot be made in it."""
    path = _path(text)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file; a folder is wanted here")
    _probe(path, path)
    return path


def _path(text: str | os.PathLike) -> Path:
    if not os.fspath(text):
        raise ValueError("an empty path: give a file or folder name")
    return Path(text)


def _probe(path: Path, folder: Path) -> None:
    """Raise a ValueError naming ``path`` unless a file can be made in ``folder`` or, if ``folder``
    is missing, a folder can be made in its nearest existing ancestor. Leaves nothing behind."""
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"cannot write {path}: {ancestor} is a file, not a folder")
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
        raise ValueError(f"cannot write {path}: cannot create {where} {ancestor} ({e.strerror})") from None


def argument(check: Callable[..., T], **options) -> Callable[[str], T]:
    """``check`` (output_file or output_dir, with ``options``; or a reader such as
    ``exercises.read_answers``) as an argparse ``type=``: a path it refuses (a ValueError or an
    OSError) is a usage error (one line, exit 2) while the command line is read, before any work."""

    def convert(text: str) -> T:
        try:
            return check(text, **options)
        except (ValueError, OSError) as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    convert.__name__ = check.__name__  # argparse names the type in some messages
    return convert


def main(argv: list[str], prog: str) -> int:
    """Check every output of a recipe before its first step (``make docs`` runs this through
    ``python -c``); one that cannot be written is a usage error (one line, exit 2) naming ``prog``."""
    parser = argparse.ArgumentParser(prog=prog, description="Check that each FILE can be written.")
    parser.add_argument("files", nargs="+", type=argument(output_file), metavar="FILE")
    parser.parse_args(argv)
    return 0
