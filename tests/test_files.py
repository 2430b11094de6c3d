"""tinygrad_edu.files: atomic writes, and output paths checked before any work.

CI runs as root, whom permission bits do not stop: unwritable places here are impossible ones
(/sys/x, /proc/x, a path under a regular file), and a failing write is mocked where needed.
"""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu import files
from tinygrad_edu.files import output_dir, output_file, write_atomic

IMPOSSIBLE = ["/sys/x", "/proc/x"]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- write_atomic ------------------------------------------------------------------------------
def test_write_atomic_writes_text_and_bytes(tmp_path):
    assert write_atomic(tmp_path / "a.txt", "∂L/∂w = 1") == tmp_path / "a.txt"
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "∂L/∂w = 1"
    write_atomic(str(tmp_path / "b.bin"), b"\x00\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert listing(tmp_path) == ["a.txt", "b.bin"]  # no temporary file left


def test_write_atomic_replaces_a_file_whole(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("old, and longer than the new text")
    write_atomic(path, "new")
    assert path.read_text() == "new"
    assert listing(tmp_path) == ["m.json"]


def test_write_atomic_mode_is_what_open_gives(tmp_path):
    write_atomic(tmp_path / "a.svg", "<svg/>")
    (tmp_path / "b.svg").write_text("<svg/>")
    mode = lambda name: stat.S_IMODE((tmp_path / name).stat().st_mode)  # noqa: E731
    assert mode("a.svg") == mode("b.svg")  # 0666 less the umask, not mkstemp's 0600


def test_write_atomic_error_names_the_users_path(tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(OSError) as e:
        write_atomic(tmp_path / "a-file" / "x.json", "{}")
    assert e.value.filename == str(tmp_path / "a-file" / "x.json")
    assert ".tmp" not in str(e.value)
    assert listing(tmp_path) == ["a-file"]


def test_write_atomic_makes_missing_folders(tmp_path):
    """The one rule for every output: missing folders on the way are made (mkdir -p)."""
    assert write_atomic(tmp_path / "a" / "b" / "c.txt", "x") == tmp_path / "a" / "b" / "c.txt"
    assert (tmp_path / "a" / "b" / "c.txt").read_text() == "x"


@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_write_atomic_never_replaces_what_is_not_a_regular_file(tmp_path, kind):
    target = tmp_path / "target.txt"
    target.write_text("kept")
    where = tmp_path / "out.txt"
    if kind == "symlink":
        where.symlink_to(target)
    else:
        os.mkfifo(where)
    with pytest.raises(FileExistsError) as e:
        write_atomic(where, "new")
    expected = "a symbolic link" if kind == "symlink" else "a FIFO"
    assert str(e.value) == (f"[Errno 17] exists and is not a regular file, but {expected}; only a regular "
                            f"file is replaced: '{where}'")
    assert (where.is_symlink() if kind == "symlink" else stat.S_ISFIFO(where.lstat().st_mode))
    assert target.read_text() == "kept" and listing(tmp_path) == ["out.txt", "target.txt"]
    with pytest.raises(ValueError, match=rf"^{where} exists and is not a regular file, but {expected}"):
        output_file(where)


def test_write_atomic_leaves_a_device_alone():
    with pytest.raises(FileExistsError, match=r"not a regular file, but a device; .*: '/dev/null'"):
        write_atomic("/dev/null", "x")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_messages_cut_a_long_name(tmp_path):
    name = str(tmp_path / ("x" * 200_000 + ".svg"))
    for attempt in (lambda: write_atomic(name, "x"), lambda: output_file(name), lambda: output_dir(name)):
        with pytest.raises((OSError, ValueError)) as e:
            attempt()
        assert len(str(e.value)) < 300 and "(200,0" in str(e.value), str(e.value)[:300]
    assert files.shorten("short/path.svg") == "short/path.svg"


def test_write_atomic_onto_a_folder_names_it_and_leaves_nothing(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(IsADirectoryError) as e:
        write_atomic(tmp_path / "out", "x")
    assert e.value.filename == str(tmp_path / "out") and ".tmp" not in str(e.value)
    assert listing(tmp_path) == ["out"] and listing(tmp_path / "out") == []


@pytest.mark.parametrize("where", IMPOSSIBLE + ["/etc/passwd/x"])
def test_write_atomic_impossible_places(where):
    with pytest.raises(OSError) as e:
        write_atomic(where, "x")
    assert e.value.filename == where and ".tmp" not in str(e.value)


def test_write_atomic_failing_write_removes_the_temporary_file(tmp_path, monkeypatch):
    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    (tmp_path / "keep.txt").write_text("old")
    with pytest.raises(OSError, match="No space left") as e:
        write_atomic(tmp_path / "keep.txt", "new")
    assert e.value.filename == str(tmp_path / "keep.txt")
    assert listing(tmp_path) == ["keep.txt"] and (tmp_path / "keep.txt").read_text() == "old"


def test_write_atomic_interrupted_removes_the_temporary_file(tmp_path, monkeypatch):
    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "x.txt", "new")
    assert listing(tmp_path) == []


# -- output_file and output_dir ----------------------------------------------------------------
def test_output_file_accepts_and_creates_nothing(tmp_path):
    assert output_file(str(tmp_path / "a.svg"), suffixes=(".svg",)) == tmp_path / "a.svg"
    deeper = tmp_path / "new" / "deeper" / "a.SVG"
    assert output_file(deeper, suffixes=[".svg"]) == deeper
    (tmp_path / "old.json").write_text("{}")
    assert output_file(tmp_path / "old.json") == tmp_path / "old.json"  # overwriting is fine
    assert listing(tmp_path) == ["old.json"]
    assert (tmp_path / "old.json").read_text() == "{}"


def test_output_dir_accepts_and_creates_nothing(tmp_path):
    assert output_dir(str(tmp_path)) == tmp_path
    assert output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert listing(tmp_path) == []


def one_line_error(check, text, **options) -> str:
    with pytest.raises(ValueError) as e:
        check(text, **options)
    message = str(e.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("check", [output_file, output_dir])
@pytest.mark.parametrize("where", IMPOSSIBLE + ["/sys/x/y/z", "/proc/x/y"])
def test_impossible_places_are_refused(check, where):
    message = one_line_error(check, where)
    assert message.startswith(f"cannot write {where}: cannot create")


@pytest.mark.parametrize("check", [output_file, output_dir])
def test_a_path_under_a_regular_file_is_refused(check, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    message = one_line_error(check, str(tmp_path / "notes.txt" / "deeper" / "x.svg"))
    notes = tmp_path / "notes.txt"
    assert message == f"cannot write {notes}/deeper/x.svg: {notes} is a file, not a folder"
    assert listing(tmp_path) == ["notes.txt"]


def test_output_file_refuses_a_folder_and_a_wrong_suffix(tmp_path):
    assert one_line_error(output_file, str(tmp_path)) == f"{tmp_path} is a folder; a file name is wanted here"
    assert one_line_error(output_file, "out/x.txt", suffixes=(".svg", ".PNG", ".dot")) == (
        "out/x.txt: the file name should end in .svg, .png or .dot")
    message = one_line_error(output_file, "a.htm", suffixes=[".html"])
    assert message == "a.htm: the file name should end in .html"
    assert one_line_error(output_file, "") == "an empty path: give a file or folder name"


def test_output_dir_refuses_a_file(tmp_path):
    (tmp_path / "out").write_text("x")
    message = one_line_error(output_dir, str(tmp_path / "out"))
    assert message == f"{tmp_path}/out is a file; a folder is wanted here"
    assert (tmp_path / "out").read_text() == "x"


def test_a_read_only_folder_is_refused_and_left_clean(tmp_path, monkeypatch):
    real_open = os.open

    def read_only(path, flags, mode=0o777):
        if os.fspath(path).startswith(str(tmp_path)):
            raise OSError(30, "Read-only file system")
        return real_open(path, flags, mode)

    monkeypatch.setattr(files.os, "open", read_only)
    message = one_line_error(output_file, str(tmp_path / "a.svg"))
    assert message == (f"cannot write {tmp_path}/a.svg: cannot create a file in {tmp_path} "
                       "(Read-only file system)")
    assert listing(tmp_path) == []


# -- the recipes that check their outputs first: docs/screenshot.py, make docs ---------------------
ROOT = Path(__file__).resolve().parents[1]


def test_the_docs_screenshot_checks_its_output_before_starting_a_browser(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "screenshot.py"), "/proc/x/stepper.png"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert errors == ["python docs/screenshot.py: error: argument PNG: cannot write /proc/x/stepper.png: "
                      "cannot create a folder in /proc (No such file or directory)"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_docs_checks_its_outputs_before_any_work(tmp_path):
    # make docs run where docs is a regular file: refused before the first picture is drawn
    (tmp_path / "docs").write_text("not a folder")
    for name in ("setup.cfg", "pyproject.toml"):
        (tmp_path / name).write_text("")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").write_text("")  # newer than the files above: no install
    bin_ = f"BIN={Path(sys.executable).parent}"
    done = subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "docs", bin_], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert errors == ["make docs: error: argument FILE: cannot write docs/neuron.svg: "
                      "docs is a file, not a folder"], done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "docs").read_text() == "not a folder"
