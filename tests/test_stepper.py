"""stepper: the backward pass as frames, and the page that steps through them in a real browser."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import missing_browser
from tinygrad_edu import Value
from tinygrad_edu.expr import parse
from tinygrad_edu.mathpage import number
from tinygrad_edu.stepper import _frames, backward_frames, write_stepper_html
from tinygrad_edu.trace import leaves, node_names, shown_steps, step_equation, trace_backward
from tinygrad_edu.viz import HIGHLIGHT

SCREENSHOT = Path(__file__).parent.parent / "docs" / "screenshot.py"


def neuron():
    """L = tanh(w·x + b) · 3: a unary root (so the first two steps process different nodes), a
    parent with two contributions (none here) and a constant that frames leave out."""
    w, x, b = Value(-0.5, label="w"), Value(2.0, label="x"), Value(0.25, label="b")
    return (w * x + b).tanh() * 3, (w, x, b)


def records(source, colour):
    """The lines of a DOT source that draw a Value (a record) or an edge, in the given colour."""
    lines = [line for line in source.splitlines() if colour in line]
    return ([line for line in lines if "shape=record" in line], [line for line in lines if "->" in line])


def test_one_frame_before_the_backward_pass_and_one_per_step():
    L, _ = neuron()
    frames = backward_frames(L)
    M, _ = neuron()
    steps = shown_steps(trace_backward(M))
    names = node_names(M)
    assert len(steps) == 6 and len(frames) == 7  # L→v3 (the 3 is left out), v3→v2, v2→v1, v2→b, v1→w, v1→x
    assert "backward pass starts from ∂L/∂L = 1" in frames[0].source
    for frame, step in zip(frames[1:], steps):
        assert step_equation(step, names, M) in frame.source  # the caption
        nodes, edges = records(frame.source, HIGHLIGHT)
        assert len(nodes) == 1 and f"{{ {names[step.node]} |" in nodes[0]
        assert len(edges) == 1 and ("∂(a" in edges[0] or "∂tanh(u)/∂u =" in edges[0])  # the op's partial


def test_grads_appear_as_they_are_computed():
    L, (w, x, b) = neuron()
    frames = backward_frames(L)
    L.backward()  # only now are the grads filled in: the frames computed their own
    assert not re.search(r"grad -?\d", frames[0].source)  # forward values only
    assert "data 0.25 | grad  }" in frames[1].source  # b has no grad yet
    # after step 1 only ∂L/∂v3 = 3 (v3 = tanh(...), drawn first) and ∂L/∂L = 1 are known
    assert re.findall(r"grad (-?[\d.]+)", frames[1].source) == ["3", "1"]
    for leaf in (w, x, b):  # the last frame: every leaf's final gradient
        data, grad = (number(v, exact=True) for v in (leaf.data, leaf.grad))
        assert f"| data {data} | grad {grad} }}" in frames[-1].source
    assert (w.grad, x.grad, b.grad) != (0.0, 0.0, 0.0)


def test_frames_are_pure_and_show_the_true_gradients_after_backward():
    L, (w, x, b) = neuron()
    fresh = [frame.source for frame in backward_frames(L)]
    assert (w.grad, x.grad, b.grad, L.grad) == (0.0, 0.0, 0.0, 0.0)  # no grad changed
    L.backward()
    L.backward()  # leaves accumulate: w.grad is twice ∂L/∂w now
    before = [node.grad for node in node_names(L)]
    assert [frame.source for frame in backward_frames(L)] == fresh  # the same pictures
    assert [node.grad for node in node_names(L)] == before


def test_the_issue_neuron_after_backward():
    # L = tanh(w·x + b), w = -3, x = 2, b = 6.88, backward() first (the README's order):
    # ∂L/∂w = x·(1 − tanh²(0.88)) = 1.0019 (2.0039 would be two backward passes summed)
    L = parse("tanh(w*x + b)", w=-3, x=2, b=6.88)
    L.backward()
    frames = _frames(L)
    (w,) = [leaf for leaf in leaves(L) if leaf.label == "w"]
    assert f"{frames[-1].grads[w]:.4f}" == "1.0019" and w.grad == frames[-1].grads[w]
    assert frames[3].equation == "∂L/∂b += ∂(w*x + b)/∂b · ∂L/∂(w*x + b) = 1.000 × 0.5010 = 0.5010"


def test_frames_need_a_value():
    with pytest.raises(TypeError, match="backward_frames: root must be a Value, got float"):
        backward_frames(1.0)


def test_page_is_self_contained(tmp_path, graphviz_backend):
    L, _ = neuron()
    page = write_stepper_html(L, tmp_path / "backprop.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and "<?xml" not in page  # drawn once, restyled per step
    assert not re.search(r'(src|href)="(?!#)', page)  # nothing to fetch: no script, style, font or image
    assert not re.search(r"https?://(?!www\.w3\.org/)", page)  # only the SVG namespaces
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the picture's ids and the page's do not clash


# -- in a real browser (the browser fixture is in conftest.py) -----------------------------------
HIGHLIGHTED = """() => [...document.querySelectorAll('#graph g.node.active')]
    .filter(g => g.querySelector('polygon'))
    .map(g => g.querySelector('text').textContent)"""


def state(page):
    return {
        "counter": page.inner_text("#counter"),
        "equation": page.inner_text("#equation"),
        "highlighted": page.evaluate(HIGHLIGHTED),
        "grads": [td.inner_text() for td in page.query_selector_all("#grads td")],
    }


def test_the_page_steps_through_the_backward_pass(browser, tmp_path, graphviz_backend):
    page, blocked, requests = browser
    L, (w, x, b) = neuron()
    L.backward()
    L.backward()  # grads hold sums now; the page shows ∂L/∂node all the same
    path = write_stepper_html(L, tmp_path / "backprop.html")
    M, (w, x, b) = neuron()
    M.backward()  # the true gradients, once
    names = node_names(M)
    equations = [step_equation(step, names, M) for step in shown_steps(trace_backward(M))]

    page.goto(path.as_uri())
    start = state(page)
    assert start["counter"] == "Step 0 / 6" and start["highlighted"] == []
    assert start["grads"] == ["", "", ""]
    assert page.is_disabled("#prev")

    page.click("#next")
    first = state(page)
    assert first["counter"] == "Step 1 / 6"
    assert first["equation"] == equations[0] == "∂L/∂v3 += ∂(v3*3)/∂v3 · ∂L/∂L = 3.000 × 1.000 = 3.000"
    assert first["highlighted"] == ["L"]

    page.keyboard.press("ArrowRight")
    second = state(page)
    assert second["counter"] == "Step 2 / 6" and second["equation"] == equations[1]
    assert second["highlighted"] == ["v3"]

    page.keyboard.press("End")
    last = state(page)
    assert last["counter"] == "Step 6 / 6 — done" and last["equation"] == equations[-1]
    assert last["grads"] == [number(leaf.grad) for leaf in leaves(M)] == [number(w.grad), number(x.grad),
                                                                         number(b.grad)]
    svg_text = page.inner_text("#graph")
    for leaf in (w, x, b):
        assert f"grad {leaf.grad:#.4g}" in svg_text
    assert page.is_disabled("#next")

    page.keyboard.press("ArrowLeft")
    assert state(page)["counter"] == "Step 5 / 6"
    assert blocked == [] and requests and all(url.startswith("file:") for url in requests)


def test_the_browser_refuses_the_network(browser, tmp_path):
    """The check above can fail: a page that asks for something online is caught."""
    page, blocked, requests = browser
    bad = tmp_path / "bad.html"
    bad.write_text('<img src="http://example.invalid/x.png"><script src="https://cdn.invalid/a.js"></script>')
    page.goto(bad.as_uri())
    page.wait_for_load_state("load")
    assert sorted(blocked) == ["http://example.invalid/x.png", "https://cdn.invalid/a.js"]
    blocked.clear()


def test_the_readme_screenshot_is_made_by_the_same_browser(tmp_path):
    """What `make docs` runs (its own browser: Playwright's sync API does not nest)."""
    if missing_browser():
        pytest.skip(missing_browser())
    done = subprocess.run([sys.executable, str(SCREENSHOT), str(tmp_path / "stepper.png"), "--step", "2"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {tmp_path / 'stepper.png'}\n"
    assert (tmp_path / "stepper.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_animate_command_writes_the_page(tmp_path, graphviz_backend):
    out = tmp_path / "backprop.html"
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "animate", "tanh(w*x + b)", "w=-3", "x=2",
                           "b=6.88", "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {out}")
    page = out.read_text(encoding="utf-8")
    assert "<title>Backpropagation through L = tanh(w*x + b)</title>" in page
    assert page.count("<svg") == 1  # one drawing, restyled per step
    assert "∂L/∂w += ∂(w*x)/∂w · ∂L/∂(w*x) = 2.000 × " in page
    wrong = subprocess.run([sys.executable, "-m", "tinygrad_edu", "animate", "x", "x=1", "-o", "x.png"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert wrong.returncode == 2 and "x.png: the file name should end in .html or .htm" in wrong.stderr
    assert not (tmp_path / "x.png").exists()


def test_predict_mode_asks_each_steps_gradient_before_showing_it(browser, tmp_path):
    page, blocked, requests = browser
    L = parse("(w*x + b)*w", w=2, x=3, b=-1)  # w is used twice: its second step asks for the sum
    path = write_stepper_html(L, tmp_path / "quiz.html", quiz=True)
    page.goto(path.as_uri())
    assert page.inner_text("#counter") == "Step 0 / 6" and page.inner_text("#score") == "Score: 0 of 0"
    assert page.evaluate("() => [...document.querySelectorAll('#derivation li')].every(li => li.hidden)")

    page.click("#next")  # asks for step 1 instead of showing it
    assert page.inner_text("#counter") == "Step 0 / 6" and page.inner_text("#prompt") == "∂L/∂(w*x + b) = ?"
    page.fill("#answer", "2")  # right: ∂L/∂v = w = 2
    page.press("#answer", "Enter")
    assert page.inner_text("#verdict") == "✓ right: ∂L/∂(w*x + b) = 2.000"
    assert page.inner_text("#counter") == "Step 1 / 6" and page.inner_text("#score") == "Score: 1 of 1 right"

    page.keyboard.press("ArrowRight")  # step 2: ∂L/∂w = 5 from the root (w·(w*x + b))
    assert page.inner_text("#prompt") == "∂L/∂w = ?" and page.inner_text("#counter") == "Step 1 / 6"
    page.fill("#answer", "4.9")  # wrong (0.1 off: beyond the tolerance)
    page.press("#answer", "Enter")
    assert page.inner_text("#verdict") == "✗ 4.9 is not it: ∂L/∂w = 5.000"
    assert page.inner_text("#counter") == "Step 2 / 6" and page.inner_text("#score") == "Score: 1 of 2 right"

    page.keyboard.press("Enter")  # the answer handed the keys to Next: step 3, ∂L/∂(w*x) = 2
    assert page.inner_text("#prompt") == "∂L/∂(w*x) = ?"
    page.fill("#answer", "__import__('os')")  # not a number: said so, nothing counted or evaluated
    page.press("#answer", "Enter")
    assert page.inner_text("#verdict") == "type a number, like -1.5 or 2.5e-3"
    assert page.inner_text("#score") == "Score: 1 of 2 right" and page.inner_text("#counter") == "Step 2 / 6"
    page.fill("#answer", "2.0004")  # within 0.001
    page.press("#answer", "Enter")
    assert page.inner_text("#verdict").startswith("✓ right")
    for answer in ("2", "11", "4"):  # ∂L/∂b = 2; w again: 5 + 3·2 = 11, the sum; ∂L/∂x = 2·2
        page.click("#next")
        if answer == "11":
            assert page.inner_text("#prompt") == (
                "∂L/∂w = ? (w already has 5.000 from another user: add this step's share)")
        page.fill("#answer", answer)
        page.press("#answer", "Enter")
    assert page.inner_text("#counter") == "Step 6 / 6 — done"
    assert page.inner_text("#score") == "Score: 5 of 6 right — done"
    assert page.evaluate("() => [...document.querySelectorAll('#derivation li')].every(li => !li.hidden)")
    page.keyboard.press("Home")  # answered steps are shown again without asking
    page.keyboard.press("End")
    assert page.inner_text("#counter") == "Step 6 / 6 — done"
    assert page.inner_text("#score").startswith("Score: 5")
    assert blocked == []


def test_predict_mode_off_by_default_and_the_animate_command_turns_it_on(tmp_path):
    L, _ = neuron()
    plain = write_stepper_html(L, tmp_path / "plain.html").read_text()
    assert '"quiz":false' in plain
    r = subprocess.run([sys.executable, "-m", "tinygrad_edu", "animate", "x*y", "x=2", "y=3", "--quiz",
                        "-o", str(tmp_path / "q.html")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "q.html").read_text()
    assert '"quiz":true' in page and '"prompt":"∂L/∂x"' in page
    assert "predict mode" in r.stdout


# -- size, zoom and legibility (issue 20) --------------------------------------------------------
def neuron_of(n):
    """tanh(w0*x0 + ... + w{n-1}*x{n-1}): 4n nodes (2n leaves, n products, n − 1 sums, the tanh)."""
    values = ({f"w{i}": 0.1 * (i % 7) - 0.3 for i in range(n)}
              | {f"x{i}": 0.05 * (i % 5) + 0.1 for i in range(n)})
    return parse("tanh(" + " + ".join(f"w{i}*x{i}" for i in range(n)) + ")", **values)


def test_a_page_grows_with_the_graph_plus_the_steps_not_their_product(tmp_path):
    """Budgets: the 40-term neuron (160 nodes, 159 steps) under 1 MB, a 400-node graph under 5 MB
    (was 37.5 MB and 375 MB with a picture per step)."""
    forty = write_stepper_html(neuron_of(40), tmp_path / "forty.html")
    assert forty.stat().st_size < 1_000_000
    big = neuron_of(100)
    assert len(node_names(big)) == 400
    assert write_stepper_html(big, tmp_path / "big.html").stat().st_size < 5_000_000


ACTIVE_FONT = """() => {
    const g = document.querySelector('#graph g.node.active') || document.getElementById(%r);
    const t = g.querySelector('text'), view = document.getElementById('graph').getBoundingClientRect();
    const r = g.getBoundingClientRect();
    return {px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
            inside: r.left >= view.left && r.right <= view.right &&
                    r.top >= view.top && r.bottom <= view.bottom};
}"""


@pytest.mark.parametrize("width", [1280, 800])
def test_the_active_nodes_text_is_readable_and_in_view(browser, tmp_path, width):
    page, blocked, _ = browser
    page.set_viewport_size({"width": width, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    graphs = {"readme": parse("tanh(w*x + b)", w=-3, x=2, b=6.88), "sixty": neuron_of(15),
              "forty": neuron_of(40)}
    assert len(node_names(graphs["sixty"])) == 60
    for name, root in graphs.items():
        page.goto(write_stepper_html(root, tmp_path / f"{name}.html").as_uri())
        root_id = f"n{len(node_names(root)) - 1}"  # the output: the last node of the forward pass
        for step in range(4):  # the output at step 0, then the nodes the first steps process
            seen = page.evaluate(ACTIVE_FONT % root_id)
            assert seen["px"] >= 11 and seen["inside"], (name, step, seen)
            page.keyboard.press("ArrowRight")
    assert errors == [] and blocked == []
    page.set_viewport_size({"width": 1280, "height": 760})


VIEWBOX = "() => document.querySelector('#graph svg').getAttribute('viewBox').split(' ').map(Number)"


@pytest.mark.parametrize("width", [1280, 800])
def test_zoom_pan_and_fit_move_the_view(browser, tmp_path, width):
    page, blocked, _ = browser
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(write_stepper_html(neuron_of(10), tmp_path / "ten.html").as_uri())
    start = page.evaluate(VIEWBOX)
    page.click("#zoom-in")
    closer = page.evaluate(VIEWBOX)
    assert closer[2] == pytest.approx(start[2] / 1.25, rel=0.01)  # a smaller window on the drawing
    page.keyboard.press("-")
    assert page.evaluate(VIEWBOX)[2] == pytest.approx(start[2], rel=0.01)
    page.click("#fit")
    whole = page.evaluate("() => { const b = document.querySelector('#graph svg g.graph').getBBox();"
                          " return [b.width, b.height]; }")
    fitted = page.evaluate(VIEWBOX)
    assert fitted[2] >= whole[0] and fitted[3] >= whole[1]  # all of it in the window
    page.click("#zoom-in")
    page.click("#zoom-in")
    before = page.evaluate(VIEWBOX)
    page.keyboard.press("Shift+ArrowRight")  # pans
    assert page.evaluate(VIEWBOX)[0] != before[0]
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)  # the wheel zooms in
    assert page.evaluate(VIEWBOX)[2] < before[2]
    assert blocked == []
    page.set_viewport_size({"width": 1280, "height": 760})


def test_derivation_lines_appear_as_their_step_is_reached(browser, tmp_path):
    page, _, _ = browser
    page.goto(write_stepper_html(neuron()[0], tmp_path / "plain.html").as_uri())
    shown = "() => [...document.querySelectorAll('#derivation li')].filter(li => !li.hidden).length"
    assert page.evaluate(shown) == 0  # no answer ahead of its step
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(shown) == 2
    page.check("#show-all")
    assert page.evaluate(shown) == 6


VISIBLE_TEXT = """() => document.body.innerText + ' ' +
    [...document.querySelectorAll('#graph svg text')].map(t => t.textContent).join(' ')"""


@pytest.mark.parametrize("width", [1280, 800])
def test_predict_mode_shows_no_number_a_question_asks_for(browser, tmp_path, width):
    """The issue's case: the first question asks ∂L/∂(w*x + b) = 0.5010, which the edge into L showed
    as its local derivative. Each pending answer's number is nowhere on the page, unless it is a
    number the question is computed from (a local derivative of 1 passes the upstream gradient on)."""
    page, blocked, _ = browser
    page.set_viewport_size({"width": width, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    L = parse("tanh(w*x + b)", w=-3, x=2, b=6.88)
    page.goto(write_stepper_html(L, tmp_path / "quiz.html", quiz=True).as_uri())
    steps = shown_steps(trace_backward(L))
    for k, step in enumerate(steps):
        page.click("#next")  # asks step k + 1
        answer = step.parent_grad_after
        if step.local_grad != 1.0 and step.upstream_grad != 1.0 or k == 0:
            text = page.evaluate(VISIBLE_TEXT)
            for written in (number(answer), f"{answer:#.4g}", f"{answer:.3f}"):
                assert written not in text, (k, written)
        page.fill("#answer", repr(answer))
        page.press("#answer", "Enter")
    assert page.inner_text("#counter") == "Step 5 / 5 — done"
    assert blocked == [] and errors == []
    page.set_viewport_size({"width": 1280, "height": 760})
