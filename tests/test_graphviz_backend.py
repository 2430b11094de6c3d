"""The Graphviz backend: a render is bounded in time, stopped by Ctrl-C on either backend, fails
with the project's own error, and graphviz's own render()/pipe() of a Picture draw through it."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import graphviz
import pytest

from tinygrad_edu import Value
from tinygrad_edu.graphviz_backend import (
    Picture,
    RenderError,
    RenderTimeoutError,
    backend,
    draw,
)
from tinygrad_edu.viz import draw_dot, to_svg

ROOT = Path(__file__).resolve().parent.parent
# A graph Graphviz's layout takes minutes on (late nodes reuse early leaves; measured with the system
# dot: 250 nodes 97 s, in WebAssembly longer): every test below stops it long before it ends.
SLOW_GRAPH = """
import random
from tinygrad_edu import Value

def slow_graph(n=250, seed=0):
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(8)]
    nodes = list(leaves)
    while len(nodes) < n:
        a, b = rng.choice(nodes[-6:]), rng.choice(leaves)
        nodes.append(a * b if rng.random() < 0.5 else a + b)
    return nodes[-1]
"""
namespace: dict = {}
exec(SLOW_GRAPH, namespace)
slow_graph = namespace["slow_graph"]


def test_a_layout_past_its_time_limit_stops_and_names_the_way_out(graphviz_backend):
    with pytest.raises(RenderTimeoutError) as error:
        to_svg(slow_graph(), max_nodes=10_000, timeout=1)
    message = str(error.value)
    assert message.startswith("Graphviz gave up laying out the picture after 1 s")
    for way_out in ('draw_dot(root, by="scope")', "draw_mlp(model)", "max_nodes", "timeout=None"):
        assert way_out in message
    assert isinstance(error.value, RenderError)
    assert "data 6<" in to_svg(Value(2.0, label="x") * 3)  # the backend draws again after a stop


def test_the_timeout_is_checked():
    for bad in (0, -1, "10", float("nan"), True):
        with pytest.raises(ValueError, match=r"draw: timeout must be a number of seconds > 0, or None"):
            draw(draw_dot(Value(1.0) * 2), "svg", timeout=bad)


def test_graphviz_failing_is_a_render_error(graphviz_backend):
    broken = graphviz.Digraph(body=["\tn0 -> {{{ \n"])  # a DOT syntax error
    failed = r"(dot failed \(exit status 1\): .*syntax error|Graphviz failed: Failed to parse DOT source)"
    with pytest.raises(RenderError, match=failed):
        draw(broken, "svg")
    assert "data 6<" in to_svg(Value(2.0, label="x") * 3)


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_stops_a_render_and_leaves_no_dot_running(graphviz_backend):
    """SIGINT to the Python process alone (as Jupyter's interrupt sends it, unlike a terminal's
    Ctrl-C, which reaches the whole group): KeyboardInterrupt comes at once, and no child is left."""
    code = SLOW_GRAPH + textwrap.dedent("""
        import sys
        from tinygrad_edu.viz import to_svg
        to_svg(Value(1.0) * 2)  # the WebAssembly module compiles here, before the slow render
        print("drawing", flush=True)
        to_svg(slow_graph(), max_nodes=10_000, timeout=None)
        print("finished", flush=True)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env, start_new_session=True)
    try:
        assert child.stdout.readline() == "drawing\n"
        try:
            child.wait(timeout=1)  # the layout is under way
        except subprocess.TimeoutExpired:
            pass
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)  # the render takes minutes: only a stop ends it here
        assert "KeyboardInterrupt" in err and "finished" not in out
        left = [pid for pid in os.listdir("/proc") if pid.isdigit() and _group(pid) == child.pid]
        assert left == [], f"processes left running: {left}"
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()


def _group(pid: str) -> int | None:
    """The process group of a running process (from /proc/PID/stat), or None when it has ended."""
    try:
        state, _, group = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:3]
    except OSError:
        return None
    return None if state in ("Z", "X") else int(group)  # a zombie has ended: only its entry is left


# -- graphviz's own methods on a Picture --------------------------------------------------------
@pytest.fixture
def wasm_only(monkeypatch, tmp_path):
    """No Graphviz on PATH: only the built-in renderer can draw."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("TINYGRAD_EDU_GRAPHVIZ", raising=False)
    assert backend() == "wasm"


def test_micrograds_render_idiom_draws_without_the_system_dot(wasm_only, tmp_path):
    L = (Value(2.0, label="a") * Value(-3.0, label="b")).tanh()
    L.backward()
    written = draw_dot(L).render(str(tmp_path / "out" / "gout"), format="svg")
    assert written == str(tmp_path / "out" / "gout.svg")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["gout.svg"]  # no stray DOT file
    assert "data &#45;6<" in (tmp_path / "out" / "gout.svg").read_text()
    assert draw_dot(L).render(outfile=tmp_path / "g.svg") == str(tmp_path / "g.svg")
    assert draw_dot(L).render(str(tmp_path / "default")) == str(tmp_path / "default.svg")  # SVG by default


def test_pipe_draws_through_the_backend(wasm_only):
    picture = draw_dot(Value(2.0, label="x") * 3)
    assert isinstance(picture, Picture)
    assert b"data 6<" in picture.pipe(format="svg")
    assert "data 6<" in picture.pipe(encoding="utf-8")
    with pytest.raises(RenderError, match="PNG needs Graphviz's `dot` program"):
        picture.pipe(format="png")
    with pytest.raises(TypeError, match=r"Picture.pipe: renderer need graphviz's own call of dot"):
        picture.pipe(format="svg", renderer="cairo")
