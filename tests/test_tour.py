"""The Tour every walkthrough is made of: its checks, its REPL interface (next, back, graph, score),
progress reports, and what each walkthrough inherits from it."""

import importlib
import io
import sys
import tempfile

import pytest

from tinygrad_edu.walkthroughs import DEMOS, chain_rule, gradient_descent
from tinygrad_edu.walkthroughs.command import main
from tinygrad_edu.walkthroughs.tour import Tour, step

NOT_IN_QUIZ = "(not in quiz mode: tour.quiz() starts it)"


def play(tour: Tour) -> str:
    """Run every step without pausing; return what the tour printed."""
    tour.out = io.StringIO()
    assert tour.play() is True, tour.out.getvalue()
    return tour.out.getvalue()


# -- a check that is wrong is caught ----------------------------------------------------
class Wrong(Tour):
    title = "a tour with a wrong formula"

    @step("wrong")
    def wrong(self):
        self.check("1 + 1 = 3", 1.0 + 1.0, 3.0)
        self.check("nearly right is not right", [1.0, 2.0], [1.0, 2.0 + 1e-9])
        self.verify("a false claim", False)


def test_a_wrong_formula_fails_and_says_so():
    tour = Wrong()
    tour.out = io.StringIO()
    assert tour.play() is False
    assert [c.ok for c in tour.checks] == [False, False, False]
    assert tour.checks[1].error == pytest.approx(1e-9)
    out = tour.out.getvalue()
    assert out.count("✗ FAILED") == 3 and "3 of 3 checks FAILED" in out


def test_check_rejects_numbers_of_different_lengths():
    class Mismatch(Tour):
        @step("mismatch")
        def mismatch(self):
            self.check("lengths", [1.0, 2.0], [1.0])

    tour = Mismatch()
    tour.out = io.StringIO()
    with pytest.raises(ValueError, match="the engine gave 2 numbers, the formula 1"):
        tour.next()


# -- the REPL interface --------------------------------------------------------------------
def test_repl_next_back_len_steps():
    tour = chain_rule.tour()
    tour.out = io.StringIO()
    assert len(tour) == 7 and [s.number for s in tour.steps] == [1, 2, 3, 4, 5, 6, 7]
    assert tour.steps[0].title == "The neuron and its loss (the forward pass)"
    first = tour.next()
    assert first is tour.steps[0] and first.done and "Step 1/7" in first.output
    second = tour.next()
    assert second.number == 2 and "grad = ∂J/∂node" in second.output
    printed = len(tour.out.getvalue())
    assert tour.back() is first
    assert tour.out.getvalue()[printed:] == first.output  # shown again, not run again
    assert tour.next() is second and second.checks == []
    assert "→ <step 2: backward(): every gradient at once>" in repr(tour)
    assert tour.back().number == 1
    printed = len(tour.out.getvalue())
    assert tour.back() is first  # stays at the first step, and shows it again
    assert tour.out.getvalue()[printed:] == first.output + "(step 1 is the first; tour.next() goes on)\n"


def test_repl_back_before_the_first_step_says_there_is_none():
    tour = chain_rule.tour()
    tour.out = io.StringIO()
    assert tour.back() is None
    assert tour.out.getvalue() == "(no step shown yet; tour.next() starts)\n"


def test_repl_next_past_the_end_and_step_summary():
    tour = gradient_descent.tour()
    tour.out = io.StringIO()
    for _ in range(len(tour)):
        tour.next()
    assert tour.next() is None and "last of 4 steps" in tour.out.getvalue()
    assert repr(tour.steps[3]).endswith("3 checks passed>")
    assert repr(tour.steps[1]).endswith("1 check passed>")


class OneCheck(Tour):
    name = "one_check"

    @step("one claim")
    def claim(self):
        self.verify("1 + 1 = 2", 1 + 1 == 2)


def test_one_check_is_singular():
    tour = OneCheck()
    assert play(tour).endswith("\nThe 1 check passed.\n")
    assert repr(tour.steps[0]) == "<step 1: one claim, 1 check passed>"


def test_repl_graph_in_a_terminal_writes_the_svg_and_says_where(graphviz_backend, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its scratch folder goes here, not /tmp
    tour = chain_rule.tour()
    tour.out = io.StringIO()
    assert tour.graph() is None and "no graph" in tour.out.getvalue()  # before the first step
    tour.next()  # the README's snippet: next, back, graph
    tour.back()
    tour.out = io.StringIO()
    path = tour.graph()
    assert path.name == "chain_rule-step1.svg" and path.read_text().lstrip().startswith("<?xml")
    assert tour.out.getvalue() == f"(wrote step 1's picture to {path}: open it in a browser)\n"
    for _ in range(2):
        tour.next()
    tour.out = io.StringIO()
    last = tour.graph()
    frames = len(tour.steps[2].graphs)
    assert last.name == f"chain_rule-step3-{frames - 1}.svg" and last.parent == path.parent
    assert sorted(p.name for p in path.parent.glob("*step3*")) == [  # frame 0 is the forward pass
        f"chain_rule-step3-{k:02d}.svg" for k in range(frames)]
    assert tour.out.getvalue() == (f"(wrote step 3's pictures to {path.parent}/chain_rule-step3-00.svg … "
                                   f"{last.name} ({frames} files): open them in a browser)\n")


def test_repl_graph_in_jupyter_stays_inline(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the last call writes, as in a terminal
    import types

    import graphviz

    shown = []
    kernel = types.SimpleNamespace(kernel=object())  # what get_ipython() is inside a Jupyter kernel
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    monkeypatch.setitem(sys.modules, "IPython.display", types.SimpleNamespace(display=shown.append))
    tour = chain_rule.tour()
    tour.out = io.StringIO()
    tour.next()
    tour.next()
    graph = tour.graph()
    assert isinstance(graph, graphviz.Digraph) and graph is tour.steps[1].graph and shown == []
    assert "w1" in graph.source and "sigmoid" in graph.source
    tour.next()
    frames = tour.steps[2].graphs
    assert tour.graph() is frames[-1] and shown == frames[:-1]  # each frame inline, in order
    assert "wrote" not in tour.out.getvalue()
    assert graph._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")  # as Jupyter shows it
    kernel.kernel = None  # IPython's terminal shell: no kernel, so not inline
    assert not isinstance(tour.graph(), graphviz.Digraph)


# -- progress --------------------------------------------------------------------------------
class Counting(Tour):
    @step("count")
    def count(self):
        for k in range(1, 101):
            self.progress(k, 100, f"loss {1 / k:.3f}")


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_about_ten_plain_lines_when_not_a_terminal():
    tour = Counting()
    tour.out = io.StringIO()
    tour.next()
    lines = [line for line in tour.out.getvalue().splitlines() if line.startswith("  [")]
    assert len(lines) == 10 and lines[-1] == "  [100/100] loss 0.010"
    assert "\r" not in tour.out.getvalue()


def test_progress_refreshes_one_line_in_a_terminal():
    tour = Counting()
    tour.out = FakeTerminal()
    tour.next()
    written = tour.out.getvalue()
    assert written.count("\r") == 100 and written.endswith("[100/100] loss 0.010\x1b[K\n")
    assert tour.steps[0].output.endswith("  [100/100] loss 0.010\n")  # what back() shows


# -- run by the command line ----------------------------------------------------------------
def test_main_exits_1_when_a_check_fails(capsys):
    assert main(lambda: Wrong(), ["--no-pause"]) == 1


def test_svg_dir_with_a_demo_that_draws_nothing_says_so(tmp_path, capsys):
    assert main(OneCheck, ["--no-pause", "--svg-dir", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out.endswith(f"(one_check draws no pictures: nothing was written to {tmp_path / 'out'})\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("method, call", [
    ("check", lambda tour: tour.check("1 = 1", 1.0, 1.0)), ("verify", lambda tour: tour.verify("true", True)),
    ("show_graph", lambda tour: tour.show_graph(chain_rule.Value(1.0))),
    ("progress", lambda tour: tour.progress(1, 10, "loss 1")),
])
def test_what_adds_to_a_step_outside_one_says_where_it_belongs(method, call):
    tour = Tour()
    tour.out = io.StringIO()
    with pytest.raises(RuntimeError, match=rf"^tour\.{method}\(\) adds to the step that is running: call it "
                                           r"inside a @step method"):
        call(tour)
    assert tour.out.getvalue() == ""


# -- the quiz score, as every walkthrough inherits it -----------------------------------------
@pytest.mark.parametrize("name", DEMOS)
def test_every_walkthrough_keeps_the_tours_quiz_score(name, capsys):
    """moons once defined score(x) for its plot, so moons.tour().score() raised TypeError."""
    tour = importlib.import_module(f"tinygrad_edu.walkthroughs.{name}").tour()
    assert isinstance(tour, Tour)
    assert tour.score() == NOT_IN_QUIZ
    tour.quiz(answers=[])
    assert tour.score() == "No questions were asked."
