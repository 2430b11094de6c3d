"""The one class every walkthrough is made of: a ``Tour`` is a list of short, titled steps.

A demo subclasses ``Tour`` and marks methods with ``@step("title")``; they run in the order they are
written, sharing what they compute through ``self``. Inside a step, ``say`` prints prose, ``table``
and ``matrix`` print numbers, ``check`` compares the engine's gradient with a formula and prints the
verdict, ``show_graph`` adds the picture the step is about (``show_graphs`` a sequence of them, such
as the frames of a backward pass), ``progress`` reports training as it goes, and ``ask`` (in quiz
mode) asks for a formula before the step shows it.

From the shell, ``walkthroughs.command.main(tour)`` runs every step (``tinygrad-edu demo NAME --help``,
or from the repository root ``python -m demos.NAME --help``). In a REPL:

    >>> from tinygrad_edu.walkthroughs import chain_rule
    >>> tour = chain_rule.tour()
    >>> tour.next()          # runs and prints step 1, returns it
    >>> tour.back()          # shows the previous step again
    >>> tour.graph()         # the current step's graph: inline in Jupyter, else written as SVG
    >>> len(tour), tour.steps
    >>> tour.quiz()          # your turn: from now on a step asks for a formula before showing it
"""

from __future__ import annotations

import math
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinygrad_edu import Value
from tinygrad_edu.exercises import Question
from tinygrad_edu.quiz import Quiz, ask

__all__ = ["Check", "Step", "Tour", "step"]

TOLERANCE = 1e-12  # how close the engine's gradient and a formula must be: float round-off, no more
# A demo's graph goes on a slide: left to right (draw_dot's default) a small neuron is 13:1 across,
# top to bottom about square.
RANKDIR = "TB"


def step(title: str) -> Callable:
    """Mark a method of a Tour as one step, titled ``title``; its docstring says what the step is
    about (a notebook's Markdown cell shows it above the step)."""

    def mark(method: Callable) -> Callable:
        setattr(method, "step_title", title)  # noqa: B010 (a function's attribute, which mypy cannot type)
        return method

    return mark


@dataclass
class Check:
    """One claim the demo verified: ``ok``, and what was compared (for a formula: the largest error)."""

    claim: str
    ok: bool
    detail: str = ""
    error: float | None = None  # for a formula: the largest |engine − formula|


@dataclass
class Step:
    """One step of a tour: its title, and once it has run, what it printed, checked and drew."""

    number: int
    title: str
    run: Callable[[], None] = field(repr=False)
    done: bool = False
    output: str = field(default="", repr=False)
    checks: list[Check] = field(default_factory=list, repr=False)
    graphs: list = field(default_factory=list, repr=False)  # its pictures (graphviz.Digraph), in order
    first_picture: int = field(default=1, repr=False)  # the number of the first in its file names
    about: str = field(default="", repr=False)  # what the step is about: its method's docstring

    @property
    def graph(self) -> Any:
        """The step's picture (the last, when it shows a sequence), or None."""
        return self.graphs[-1] if self.graphs else None

    def __repr__(self) -> str:
        if not self.done:
            return f"<step {self.number}: {self.title}>"
        failed = sum(not c.ok for c in self.checks)
        verdict = f", {failed} of {_checks(len(self.checks))} FAILED" if failed else (
            f", {_checks(len(self.checks))} passed" if self.checks else "")
        return f"<step {self.number}: {self.title}{verdict}>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """In Jupyter a step that ran shows its graph, when it has one (and its summary line); drawn
        by viz's backend, and as text with the reason when nothing can draw (a display never raises)."""
        if self.graph is None:
            return {"text/plain": repr(self)}
        from tinygrad_edu import viz

        shown = viz.repr_mimebundle(_drawn(self.graph))
        if "image/svg+xml" in shown:
            return {"image/svg+xml": shown["image/svg+xml"], "text/plain": repr(self)}
        reason = shown["text/plain"].split("\n", 1)[1]  # after the graph's own repr: "(no picture: ...)"
        return {"text/plain": f"{repr(self)}\n{reason}"}


class Tour:
    """A walkthrough: ``next()``, ``back()``, ``graph()``, ``play()``; ``len(tour)``, ``tour.steps``."""

    title = "A walkthrough"
    name = "tour"  # the demo's module name: python -m demos.<name>, and the file names it writes

    def __init__(self) -> None:
        methods = [m for m in type(self).__dict__.values() if hasattr(m, "step_title")]
        self.steps = [Step(i + 1, m.step_title, m.__get__(self), about=_about(m))
                      for i, m in enumerate(methods)]
        self.index = -1  # the step on screen; -1 before the first
        self.svg_dir: Path | None = None  # where each step's graph is written as SVG, when set
        self.pictures: list[Path] = []  # the files written to svg_dir
        self._scratch: Path | None = None  # where tour.graph() writes in a terminal without svg_dir
        self.out = None  # where the tour prints; None: sys.stdout at the time of printing
        self._current: Step | None = None  # the step that is running
        self._last_kind = "top"  # what the running step printed last: "top", "text", "table", "check"
        self._quiz: Quiz | None = None  # quiz mode (quiz(), --quiz): the questions asked so far
        self._answers: Iterator[str] | None = None  # answers from a file (--answers); None: typed

    # -- walking through --------------------------------------------------------------------
    def next(self) -> Step | None:
        """Run the next step (or show it again, if it ran before), print it and return it."""
        if self.index + 1 >= len(self.steps):
            self._write(f"(that was the last of {len(self.steps)} steps; tour.back() goes back)\n")
            return None
        self.index += 1
        current = self.steps[self.index]
        if current.done:
            self._write(current.output)
        else:
            self._run(current)
            if self._quiz is not None and self.index == len(self.steps) - 1:
                self._write(f"\n{self._quiz.score()}\n")
        return current

    def back(self) -> Step | None:
        """Show the previous step again and return it; on the first step, show it again."""
        if self.index < 0:
            self._write("(no step shown yet; tour.next() starts)\n")
            return None
        at_first = self.index == 0
        self.index = max(0, self.index - 1)
        current = self.steps[self.index]
        self._write(current.output)
        if at_first:  # no step before it: the first is shown again, and said to be the first
            self._write("(step 1 is the first; tour.next() goes on)\n")
        return current

    def graph(self) -> Any:
        """The current step's picture. In Jupyter it is returned as a graphviz.Digraph and shows
        inline (a sequence: each one shown, the last returned). Elsewhere a terminal cannot show
        it: it is written as SVG (to svg_dir, or a temporary folder), each path printed, and the
        last path returned. None, and a line saying so, when the step has no picture."""
        current = self.steps[self.index] if self.index >= 0 else None
        if current is None or not current.graphs:
            self._write("(this step has no graph to draw)\n")
            return None
        if _in_notebook():
            from IPython.display import display

            for graph in current.graphs[:-1]:
                display(graph)
            return current.graphs[-1]
        folder = self.svg_dir or self._scratch
        if folder is None:
            folder = self._scratch = Path(tempfile.mkdtemp(prefix=f"tinygrad_edu-{self.name}-"))
        if (reason := _cannot_draw()) is not None:
            self._write(f"(no picture: {reason})\n")
            return None
        paths = [_write_svg(graph, folder / name)
                 for graph, name in zip(current.graphs, self._names(current))]
        what, them = ("pictures", "them") if len(paths) > 1 else ("picture", "it")
        self._write(f"(wrote step {current.number}'s {what} to {_files(paths)}: open {them} in a browser)\n")
        return paths[-1]

    def quiz(self, answers: Iterable[str] | None = None, tries: int = 3) -> None:
        """Your turn: from now on, before a step shows a formula, you are asked for it (typed, or
        taken from ``answers``) and the engine checks it; ``tour.score()`` says how it went."""
        self._quiz = Quiz([], tries=tries)
        self._answers = None if answers is None else iter(answers)
        self._write("(quiz mode: the steps ask before they show; a number or a formula in the names shown, "
                    f"{tries} tries each)\n")

    def score(self) -> str:
        """The quiz's score so far (quiz mode), and which kinds of step were missed."""
        return self._quiz.score() if self._quiz is not None else "(not in quiz mode: tour.quiz() starts it)"

    def ask(self, question: Question) -> None:
        """In quiz mode, ask ``question`` (tinygrad_edu.quiz) now, before the step shows its
        answer; otherwise do nothing. When the answers run out, the tour goes on without asking."""
        if self._quiz is None or self._answers is _NO_MORE:
            return
        self._quiz.add(question)
        self._last_kind = "text"
        if not ask(self._quiz, self._read, self._write, f"Your turn ({len(self._quiz.records)}):"):
            self._answers = _NO_MORE
            self._write("\n(no more answers: the walkthrough goes on without questions)\n")

    def _read(self, prompt: str) -> str | None:
        if self._answers is None:
            text = input(prompt)
            if self._current is not None:  # the terminal showed them; a step shown again shows them too
                self._current.output += f"{prompt}{text}\n"
            return text
        answer = next(self._answers, None)
        self._write(prompt + ("" if answer is None else answer) + "\n")
        return answer

    def play(self, pause: bool = False) -> bool:
        """Run the steps that are left (with ``pause``, wait for Enter between them); True if all pass."""
        while self.index + 1 < len(self.steps):
            if pause and self.index >= 0:
                input("\n[Enter: next step]")
            self.next()
        failed = [c for c in self.checks if not c.ok]
        made = _checks(len(self.checks))
        if failed:
            self._write(f"\n{len(failed)} of {made} FAILED.\n")
        else:
            self._write(f"\n{'The' if len(self.checks) == 1 else 'All'} {made} passed.\n")
        return not failed

    @property
    def checks(self) -> list[Check]:
        """Every check made so far, in order."""
        return [c for s in self.steps for c in s.checks]

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        lines = [f"{self.title} — {len(self.steps)} steps (tour.next(), tour.back(), tour.graph())"]
        for s in self.steps:
            marker = "→" if s.number - 1 == self.index else " "
            lines.append(f" {marker} {s!r}")
        return "\n".join(lines)

    # -- what a step uses -------------------------------------------------------------------
    def say(self, text: str) -> None:
        """Print a paragraph (indentation of the source removed), after a blank line."""
        self._write(self._gap() + textwrap.dedent(text).strip("\n") + "\n")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 6) -> None:
        """Print rows under a header: numbers right-aligned with ``digits`` decimals, text left-aligned."""
        cells = [[_cell(x, digits) for x in row] for row in rows]
        widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
        numeric = [not isinstance(x, str) for x in rows[0]]
        align = lambda text, i: text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i])  # noqa: E731
        lines = [header, *cells]
        text = "\n".join("  " + "  ".join(align(c, i) for i, c in enumerate(line)).rstrip() for line in lines)
        self._write(self._gap("table") + text + "\n")

    def matrix(self, name: str, rows: Sequence[Sequence[float]], digits: int = 4) -> None:
        """Print a matrix (or a vector, as one row) with its name, in brackets."""
        cells = [[_cell(x, digits) for x in row] for row in rows]
        width = max(len(c) for row in cells for c in row)
        lines = ["[ " + " ".join(c.rjust(width) for c in row) + " ]" for row in cells]
        label = f"  {name} = "
        pad = " " * len(label)
        middle = len(lines) // 2
        text = "\n".join((label if i == middle else pad) + line for i, line in enumerate(lines))
        self._write(self._gap("vector" if len(lines) == 1 else "matrix") + text + "\n")

    def check(self, claim: str, engine: Any, formula: Any, tol: float = TOLERANCE) -> bool:
        """Compare the engine's numbers with a formula's (a number, or lists of them); print the verdict."""
        got, want = _flatten(engine), _flatten(formula)
        if len(got) != len(want):
            raise ValueError(f"check {claim!r}: the engine gave {len(got)} numbers, the formula {len(want)}")
        errors = [abs(g - w) for g, w in zip(got, want)]
        error = math.nan if any(map(math.isnan, errors)) else max(errors, default=0.0)
        if len(got) == 1:
            detail = f"engine {got[0]:.12g}, formula {want[0]:.12g}, differ by {error:.1g}"
        else:
            detail = f"{len(got)} numbers, largest |engine − formula| = {error:.1g}"
        ok = error <= tol  # False for NaN
        if not ok or tol != TOLERANCE:
            detail += f" {'≤' if ok else '>'} tolerance {tol:g}"
        return self._record(Check(claim, ok, detail, error), "check")

    def verify(self, claim: str, ok: bool, detail: str = "") -> bool:
        """Record and print a claim that is true or false (a loss went down, an accuracy was reached)."""
        return self._record(Check(claim, bool(ok), detail), "verify")

    def _record(self, check: Check, method: str) -> bool:
        self._running(method).checks.append(check)
        mark = "✓" if check.ok else "✗ FAILED:"
        detail = f"   ({check.detail})" if check.detail else ""
        self._write(f"{self._gap('check')}  {mark} {check.claim}{detail}\n")
        return check.ok

    def show_graph(self, graph: Any, about: str = "this graph", **draw_options) -> None:
        """Add a picture to the step: a Value (its computation graph, drawn now, top to bottom, with
        ``draw_options`` for draw_dot) or a drawn graphviz.Digraph. Drawn now, it keeps the numbers
        of this step whatever later steps change. ``tour.graph()`` shows it; with ``svg_dir`` set
        (--svg-dir) it is written there as SVG, the step in its name (chain_rule-step2.svg)."""
        self.show_graphs([graph], about, **draw_options)

    def show_graphs(self, graphs: Sequence[Any], about: str, first: int = 1, **draw_options) -> None:
        """Add a sequence of pictures to the step (the frames of a backward pass), as show_graph
        does for one; in svg_dir they are numbered within the step from ``first`` (chain_rule-step3-01.svg,
        ...; a backward pass's frames from 0, so that -05 is the frame captioned "Step 5 of ...")."""
        current = self._running("show_graph")
        if not current.graphs:
            current.first_picture = first
        current.graphs.extend(_drawn(graph, **draw_options) for graph in graphs)
        what = f"picture{'s' if len(graphs) > 1 else ''} of {about}"
        if self.svg_dir is None:
            self._write(f"{self._gap()}({what}: tour.graph() shows {'them' if len(graphs) > 1 else 'it'}, "
                        "or run with --svg-dir DIR)\n")
            return
        if (reason := _cannot_draw()) is not None:  # say so and go on: the numbers need no picture
            self._write(f"{self._gap()}(no {what}: {reason})\n")
            return
        new = list(zip(current.graphs, self._names(current)))[-len(graphs):]
        paths = [_write_svg(graph, self.svg_dir / name) for graph, name in new]
        self.pictures += paths
        self._write(f"{self._gap()}{what[0].upper()}{what[1:]}: {_files(paths)}\n")

    def _names(self, step: Step) -> list[str]:
        """The file names of a step's pictures: NAME-stepN.svg for one, NAME-stepN-01.svg, ... for several."""
        n, first = len(step.graphs), step.first_picture
        if n == 1:
            return [f"{self.name}-step{step.number}.svg"]
        width = len(str(first + n - 1))
        return [f"{self.name}-step{step.number}-{k:0{width}d}.svg" for k in range(first, first + n)]

    def progress(self, k: int, total: int, text: str) -> None:
        """Report training progress: one refreshing line in a terminal, about ten plain lines otherwise."""
        current = self._running("progress")
        line = f"  [{k:>{len(str(total))}}/{total}] {text}"
        stream = self.out or sys.stdout
        if not stream.isatty():
            if k == total or k % max(1, total // 10) == 0:
                self._write(self._gap("progress") + line + "\n")
            return
        self._write(self._gap("progress"))  # a blank line before the first report only
        stream.write("\r" + line + "\033[K")  # \033[K clears what a longer line left behind
        if k == total:
            stream.write("\n")
            current.output += line + "\n"  # the final line is what a step shown again shows
        stream.flush()

    # -- plumbing ---------------------------------------------------------------------------
    def _run(self, current: Step) -> None:
        if current.number == 1:
            self._write(f"{self.title}\n{'=' * len(self.title)}\n")
            self._write(f"✓ marks a formula that the engine's numbers match to {TOLERANCE:g}.\n")
        header = f"── Step {current.number}/{len(self.steps)}: {current.title} "
        self._current, self._last_kind = current, "top"
        try:
            self._write(f"\n{header}{'─' * max(3, 78 - len(header))}\n")
            current.run()
        finally:
            self._current = None
        current.done = True

    def _running(self, method: str) -> Step:
        """The step that is running, which ``method`` adds to; a RuntimeError outside a step."""
        if self._current is None:
            raise RuntimeError(f"tour.{method}() adds to the step that is running: "
                               "call it inside a @step method, which tour.next() runs")
        return self._current

    def _gap(self, kind: str = "text") -> str:
        """A blank line between blocks; none at the top of a step, nor before a check that follows
        a table or matrix, nor between checks, progress reports or vectors."""
        previous, self._last_kind = self._last_kind, kind
        if previous == "top" or (kind == "check" and previous in ("table", "vector", "matrix")):
            return ""
        if kind == previous and kind in ("check", "progress", "vector"):
            return ""
        return "\n"

    def _write(self, text: str) -> None:
        stream = self.out or sys.stdout
        stream.write(text)
        stream.flush()
        if self._current is not None:
            self._current.output += text


_NO_MORE: Iterator[str] = iter(())  # the answers ran out: ask no more


def _drawn(graph: Any, **draw_options) -> Any:
    """A step's picture as a graphviz.Digraph: a Value's graph is drawn top to bottom."""
    if isinstance(graph, Value):
        from tinygrad_edu.viz import draw_dot

        return draw_dot(graph, rankdir=RANKDIR, **draw_options)
    if draw_options:
        raise TypeError(f"show_graph: {', '.join(draw_options)} apply to a Value, not to a drawn graph")
    return graph


def _about(method: Callable) -> str:
    """What a step is about: its method's docstring, as one paragraph."""
    return " ".join((method.__doc__ or "").split())


def _files(paths: list[Path]) -> str:
    """Where pictures went: the one path, or the first and last of a numbered sequence."""
    return str(paths[0]) if len(paths) == 1 else f"{paths[0]} … {paths[-1].name} ({len(paths)} files)"


def _cannot_draw() -> str | None:
    """Why no picture can be drawn here (graphviz_backend.backend()'s first line), or None when one can."""
    from tinygrad_edu.graphviz_backend import GraphvizNotFoundError, backend

    try:
        backend()
    except GraphvizNotFoundError as missing:
        return str(missing).splitlines()[0]
    return None


def _write_svg(graph: Any, path: Path) -> Path:
    """Write a drawn graph to ``path`` as SVG (render makes its folder)."""
    from tinygrad_edu.viz import render

    return render(graph, path)


def _in_notebook() -> bool:
    """True inside a Jupyter kernel, where a Digraph shows itself inline; False in a terminal
    (plain Python, or IPython's terminal shell, which has no kernel)."""
    IPython = sys.modules.get("IPython")  # only a running IPython has imported it
    shell = IPython.get_ipython() if IPython is not None else None
    return getattr(shell, "kernel", None) is not None


def _checks(n: int) -> str:
    return f"{n} check" if n == 1 else f"{n} checks"


def _cell(x: Any, digits: int) -> str:
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, float):
        return f"{x:+.{digits}f}"
    return str(x)


def _flatten(x: Any) -> list[float]:
    """A number, a Value or nested lists of them, as a flat list of floats."""
    if isinstance(x, Value):
        return [x.data]
    if isinstance(x, (int, float)):
        return [float(x)]
    return [v for item in x for v in _flatten(item)]
