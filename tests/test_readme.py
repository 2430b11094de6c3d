"""The README's example prints exactly what the README says it prints."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_prints_what_the_readme_says():
    text = README.read_text(encoding="utf-8")
    example = text.split("## Example", 1)[1]
    code, printed = re.findall(r"```(?:python)?\n(.*?)```", example, flags=re.S)[:2]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README example", "exec"), {})
    assert out.getvalue() == printed


def test_readme_gives_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text


# -- every number the README states that the code can produce is produced here -----------------------
def _said(pattern: str) -> str:
    """The text the README's ``pattern`` (a regex with one group) captures; the README must say it."""
    found = re.search(pattern, README.read_text(encoding="utf-8"), flags=re.S)
    assert found, f"the README no longer says {pattern!r}: update this test with it"
    return found.group(1)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_readme_node_counts_of_the_lecture_network():
    from tinygrad_edu.nn import MLP
    from tinygrad_edu.trace import forward_order
    from tinygrad_edu.viz import DISPLAY_MAX_NODES

    model = MLP(3, [4, 4, 1], seed=0)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]  # the lecture's data
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum((model.output(x) - y) ** 2 for x, y in zip(xs, ys))
    assert _number(_said(r"more than (\d+) nodes \(`viz\.DISPLAY_MAX_NODES`")) == DISPLAY_MAX_NODES
    one_output = len(forward_order(model.output(xs[0])))
    assert _number(_said(r"`MLP\(3, \[4, 4, 1\]\)` has (\d+) and shows")) == one_output
    assert _number(_said(r"loss over 4 examples has (\d+),")) == len(forward_order(loss))
    assert len(forward_order(model.output(xs[0]))) <= DISPLAY_MAX_NODES < len(forward_order(loss))


def test_readme_limits_are_the_codes():
    from tinygrad_edu import exercises, expr, graphviz_backend

    assert _number(_said(r"the limits are ([\d,]+) characters")) == expr.MAX_LENGTH
    assert _number(_said(r"characters, ([\d,]+) parts")) == expr.MAX_NODES
    assert _number(_said(r"parts and (\d+) levels of real nesting")) == expr.MAX_DEPTH
    assert _number(_said(r"a layout is stopped after (\d+) seconds")) == graphviz_backend.TIMEOUT
    assert _number(_said(r"Answer with a number \(within ([\d.]+)%\)")) / 100 == exercises.TOLERANCE


def test_readme_digits_accuracy_is_what_the_walkthrough_reaches():
    import io

    from tinygrad_edu.walkthroughs import digits

    accuracy = _said(r"trained with Adam to ([\d.]+)% on \d+ held-out images")
    held_out = _said(r"trained with Adam to [\d.]+% on (\d+) held-out images")
    tour = digits.tour()
    tour.out = io.StringIO()
    assert tour.play(pause=False)
    assert f"Accuracy on the {held_out} held-out images: {accuracy}%" in tour.out.getvalue()

