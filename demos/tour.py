"""The one class every walkthrough is made of: a ``Tour`` is a list of short, titled steps.

A demo subclasses ``Tour`` and marks methods with ``@step("title")``; they run in the order they are
written, sharing what they compute through ``self``. Inside a step, ``say`` prints prose, ``table``
and ``matrix`` print numbers, ``check`` compares the engine's gradient with a formula and prints the
verdict, ``show_graph`` names the computation graph the step is about, and ``progress`` reports
training as it goes.

From the shell, ``main(Demo)`` runs every step (``python -m demos.NAME --help``). In a REPL:

    >>> from demos import chain_rule
    >>> tour = chain_rule.tour()
    >>> tour.next()          # runs and prints step 1, returns it
    >>> tour.back()          # shows the previous step again
    >>> tour.graph()         # the current step's graph as a graphviz.Digraph (inline in Jupyter)
    >>> len(tour), tour.steps
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinygrad_edu import Value

__all__ = ["Check", "Step", "Tour", "main", "step"]

TOLERANCE = 1e-12  # how close the engine's gradient and a formula must be: float round-off, no more


def step(title: str) -> Callable:
    """Mark a method of a Tour as one step, titled ``title``."""

    def mark(method: Callable) -> Callable:
        method.step_title = title
        return method

    return mark


@dataclass
class Check:
    """One formula compared with the engine: the largest |engine − formula| and the tolerance."""

    claim: str
    error: float
    tol: float

    @property
    def ok(self) -> bool:
        return self.error <= self.tol  # False for NaN


@dataclass
class Step:
    """One step of a tour: its title, and once it has run, what it printed, checked and drew."""

    number: int
    title: str
    run: Callable[[], None] = field(repr=False)
    done: bool = False
    output: str = field(default="", repr=False)
    checks: list[Check] = field(default_factory=list, repr=False)
    graph_root: Value | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        if not self.done:
            return f"<step {self.number}: {self.title}>"
        failed = sum(not c.ok for c in self.checks)
        verdict = f", {failed} of {len(self.checks)} checks FAILED" if failed else (
            f", {len(self.checks)} checks passed" if self.checks else "")
        return f"<step {self.number}: {self.title}{verdict}>"


class Tour:
    """A walkthrough: ``next()``, ``back()``, ``graph()``, ``play()``; ``len(tour)``, ``tour.steps``."""

    title = "A walkthrough"
    name = "tour"  # the demo's module name: python -m demos.<name>, and the file names it writes

    def __init__(self) -> None:
        methods = [m for m in type(self).__dict__.values() if hasattr(m, "step_title")]
        self.steps = [Step(i + 1, m.step_title, m.__get__(self)) for i, m in enumerate(methods)]
        self.index = -1  # the step on screen; -1 before the first
        self.svg_dir: Path | None = None  # where each step's graph is written as SVG, when set
        self.out = None  # where the tour prints; None: sys.stdout at the time of printing
        self._current: Step | None = None  # the step that is running

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
        return current

    def back(self) -> Step | None:
        """Show the previous step again and return it."""
        if self.index <= 0:
            self._write("(this is the first step; tour.next() goes on)\n")
            return self.steps[0] if self.index == 0 else None
        self.index -= 1
        current = self.steps[self.index]
        self._write(current.output)
        return current

    def graph(self) -> Any:
        """The current step's computation graph as a graphviz.Digraph (it displays itself in Jupyter)."""
        current = self.steps[self.index] if self.index >= 0 else None
        if current is None or current.graph_root is None:
            self._write("(this step has no graph to draw)\n")
            return None
        from tinygrad_edu.viz import draw_dot

        return draw_dot(current.graph_root)

    def play(self, pause: bool = False) -> bool:
        """Run the steps that are left (with ``pause``, wait for Enter between them); True if all pass."""
        while self.index + 1 < len(self.steps):
            if pause and self.index >= 0:
                input("\n[Enter: next step]")
            self.next()
        failed = [c for c in self.checks if not c.ok]
        if failed:
            self._write(f"\n{len(failed)} of {len(self.checks)} checks FAILED.\n")
        else:
            self._write(f"\nAll {len(self.checks)} checks passed.\n")
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
        """Print a paragraph (indentation of the source removed)."""
        self._write(textwrap.dedent(text).strip("\n") + "\n")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 6) -> None:
        """Print rows under a header, numbers right-aligned with ``digits`` decimals."""
        cells = [[_cell(x, digits) for x in row] for row in rows]
        widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
        lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths))]
        lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
        self._write("\n".join("  " + line for line in lines) + "\n")

    def matrix(self, name: str, rows: Sequence[Sequence[float]], digits: int = 4) -> None:
        """Print a matrix (or a vector, as one row) with its name, in brackets."""
        cells = [[_cell(x, digits) for x in row] for row in rows]
        width = max(len(c) for row in cells for c in row)
        lines = ["[ " + " ".join(c.rjust(width) for c in row) + " ]" for row in cells]
        label = f"  {name} = "
        pad = " " * len(label)
        middle = len(lines) // 2
        self._write("\n".join((label if i == middle else pad) + line for i, line in enumerate(lines)) + "\n")

    def check(self, claim: str, engine: Any, formula: Any, tol: float = TOLERANCE) -> bool:
        """Compare the engine's numbers with a formula's (a number, or lists of them); print the verdict."""
        got, want = _flatten(engine), _flatten(formula)
        if len(got) != len(want):
            raise ValueError(f"check {claim!r}: the engine gave {len(got)} numbers, the formula {len(want)}")
        error = max((abs(g - w) for g, w in zip(got, want)), default=0.0)
        if any(math.isnan(g) or math.isnan(w) for g, w in zip(got, want)):
            error = math.nan
        result = Check(claim, error, tol)
        self._current.checks.append(result)
        mark = "✓" if result.ok else "✗ FAILED:"
        if len(got) == 1:
            detail = f"engine {got[0]:+.12f}, formula {want[0]:+.12f}, |difference| {error:.1e}"
        else:
            detail = f"{len(got)} numbers, largest |engine − formula| {error:.1e}"
        self._write(f"  {mark} {claim}   ({detail} ≤ {tol:g})\n" if result.ok else
                    f"  {mark} {claim}   ({detail} > {tol:g})\n")
        return result.ok

    def show_graph(self, root: Value, about: str = "this graph") -> None:
        """Make ``root``'s graph the step's picture: written as SVG with --svg-dir, ``tour.graph()`` else."""
        self._current.graph_root = root
        if self.svg_dir is None:
            self._write(f"  (picture of {about}: tour.graph() in a notebook, or run with --svg-dir DIR)\n")
            return
        if shutil.which("dot") is None:
            self._write(f"  (no picture of {about}: Graphviz's `dot` is not installed)\n")
            return
        from tinygrad_edu.viz import draw_dot

        self.svg_dir.mkdir(parents=True, exist_ok=True)
        path = self.svg_dir / f"{self.name}-step{self._current.number}.svg"
        path.write_bytes(draw_dot(root).pipe(format="svg"))
        self._write(f"  picture of {about}: {path}\n")

    def progress(self, k: int, total: int, text: str) -> None:
        """Report training progress: one refreshing line in a terminal, about ten plain lines otherwise."""
        line = f"  [{k:>{len(str(total))}}/{total}] {text}"
        stream = self.out or sys.stdout
        if stream.isatty():
            stream.write("\r" + line + "\033[K")  # \033[K clears what a longer line left behind
            if k == total:
                stream.write("\n")
            stream.flush()
            if k == total:
                self._current.output += line + "\n"
        elif k == total or k % max(1, total // 10) == 0:
            self._write(line + "\n")

    # -- plumbing ---------------------------------------------------------------------------
    def _run(self, current: Step) -> None:
        if current.number == 1:
            self._write(f"{self.title}\n{'=' * len(self.title)}\n")
        header = f"── Step {current.number}/{len(self.steps)}: {current.title} "
        self._current = current
        try:
            self._write(f"\n{header}{'─' * max(3, 78 - len(header))}\n")
            current.run()
        finally:
            self._current = None
        current.done = True

    def _write(self, text: str) -> None:
        stream = self.out or sys.stdout
        stream.write(text)
        stream.flush()
        if self._current is not None:
            self._current.output += text


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


def main(make_tour: Callable[..., Tour], argv: Sequence[str] | None = None) -> int:
    """Run a demo from the shell: every step, waiting for Enter between steps in a terminal."""
    doc = sys.modules[make_tour.__module__].__doc__ or ""
    name = make_tour.__module__.rsplit(".", 1)[-1]
    parser = argparse.ArgumentParser(
        prog=f"python -m demos.{name}",
        description=doc.strip().split("\n\n")[0],
        epilog="Waits for Enter between steps only when standard input is a terminal.",
    )
    parser.add_argument("--no-pause", action="store_true", help="never wait for Enter between steps")
    parser.add_argument("--svg-dir", type=Path, metavar="DIR", help="write each step's graph there as SVG")
    parser.add_argument("--seed", type=int, help="seed for the random numbers (the demo's default otherwise)")
    args = parser.parse_args(argv)
    tour = make_tour() if args.seed is None else make_tour(seed=args.seed)
    tour.svg_dir = args.svg_dir
    try:
        ok = tour.play(pause=not args.no_pause and sys.stdin.isatty())
    except (KeyboardInterrupt, EOFError):
        print("\n(stopped)")
        return 130
    return 0 if ok else 1
