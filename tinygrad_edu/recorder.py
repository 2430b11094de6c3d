"""Watch it learn: record a training run step by step, and write one page that plays it.

Training is one line, repeated:  W ← W − α·∂L/∂W.  ``TrainingRecorder`` keeps, for every step,
what that line is made of: the loss L, each parameter's value W before the step, its gradient
∂L/∂W, its value after the step, and α. ``write_html(path)`` turns the run into one self-contained
page (``web/training.html`` filled by the page kit, ``tinygrad_edu.pages``; no network, no script
from a CDN) with a slider and play / pause over the steps; for the step shown: the loss curve up to
it, the decision boundary over the data (2-D inputs; a confusion matrix otherwise; for a model that
is no MLP, its first examples and what it says of them), the whole network (``draw_mlp(model,
numbers=False)``, fitted to its panel, zoomable; an MLP's) with every weight as colour and width,
its w, ∂L/∂w and update where the pointer is, and the update of one weight (the one clicked, or the
one with the largest |∂L/∂w|) with its numbers,

    w ← w − α·∂L/∂w = 0.5700 − 0.1000 × 0.9700 = 0.4730

One call per step, *after* ``optimizer.step()``: the grads still hold this step's ∂L/∂W, the
parameters their new values, and the recorder the old ones, so the update it shows is the one
applied, whatever the optimizer (with momentum, Adam or weight decay it is not −α·∂L/∂W, and the
page says so):

    rec = TrainingRecorder(model, X, y)
    for k in range(steps):
        loss = ...                       # forward pass
        optimizer.zero_grad(); loss.backward(); optimizer.step()
        rec.record(loss, optimizer.lr)
    rec.write_html("training.html")

Nothing changes in a loop that does not call it. A call copies two numbers per parameter: about
0.1 ms, against 100 ms or more for a step of the moons walkthrough (``python -m benchmarks.recorder``
measures both). The page's predictions (accuracy, boundary) are computed by ``write_html``, from the
values recorded, by the model's float forward pass (``model.describe().forward``), and every number
it shows is written by ``mathpage.number``. A long run keeps ``keep`` evenly spaced steps: every s-th
(s = 1, 2, 4, ...: the smallest power of two that fits) and the last, so memory and the page stay
bounded.
"""

from __future__ import annotations

import math
import numbers
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import viz
from .engine import Value, real
from .files import write_atomic
from .graphviz_backend import RenderError
from .mathpage import number
from .nn import MLP
from .pages import build, inline_svg

__all__ = ["TrainingRecorder", "Snapshot", "KEEP", "GRID"]

# 100 steps: the walkthroughs train 100 (moons) and 126 (digits) steps; a slider of ~600 px gives a
# step 6 px; playing at 8 steps a second takes 12 s; and each step costs the page 3 numbers per
# parameter (moons: 337 parameters, about 8 kB a step), so a page stays near 1 MB however long the run.
KEEP = 100
# The decision boundary: predictions at the centres of GRID × GRID cells, which the page blends into
# a smooth picture. 24² points × 100 steps through a 337-weight network is ~1 s of write_html.
GRID = 24
CURVE = 1000  # the loss curve: at most this many points (every step for runs up to 1000 steps)
EXAMPLES = 8  # a model that is no MLP: the examples whose answers the page shows at each step


@dataclass(frozen=True)
class Snapshot:
    """One training step: the loss, α, and every parameter before, its gradient, and after.

    ``step`` counts from 1. ``before[i]``, ``grads[i]`` and ``after[i]`` belong to the i-th
    parameter of ``model.parameters()``; the loss was computed with ``before``.
    """

    step: int
    loss: float
    lr: float
    before: array
    grads: array
    after: array

    @property
    def plain(self) -> bool:
        """True when the update was plain gradient descent, after = before − α·∂L/∂W, for every
        parameter (exactly, as ``SGD`` computes it); False after momentum, Adam or weight decay."""
        lr = self.lr
        return all(a == w - lr * g for w, g, a in zip(self.before, self.grads, self.after))


class TrainingRecorder:
    """Records a training run of a model on data ``X`` with labels ``y``, one ``record`` a step.

    For an ``nn.MLP``, ``predict(outputs) -> label`` turns the model's outputs (a list of floats) into
    a label; by default one output is a score (the larger label when it is > 0, or > 0.5 after a
    sigmoid, the smaller otherwise) and several outputs are class scores 0, 1, ... (the largest wins).
    Any other model with ``parameters()`` and ``predict(x) -> label`` (the attention walkthrough's
    ``Reverser``) is recorded too: its page has no picture of a network, and shows its first examples
    with what the model says at each step (``predict`` run with the step's parameter values). ``keep``
    is the number of steps held (and shown on the page), evenly spaced, plus the last.
    """

    def __init__(self, model: object, X: Sequence, y: Sequence, *, keep: int = KEEP,
                 predict: Callable[[list[float]], object] | None = None) -> None:
        self.model = model
        self.structure = model.describe() if isinstance(model, MLP) else None
        if self.structure is not None:
            nin = self.structure.sizes[0]
            self.X = [_point(x, nin, i) for i, x in enumerate(_sequence(X, "X"))]
        else:
            if not all(callable(getattr(model, name, None)) for name in ("parameters", "predict")):
                raise TypeError(f"TrainingRecorder: model must be a tinygrad_edu.nn.MLP, or have "
                                f"parameters() and predict(x) -> label; got {type(model).__name__}")
            if predict is not None:
                raise TypeError("TrainingRecorder: predict= turns an nn.MLP's outputs into a label; "
                                f"a {type(model).__name__} predicts with its own predict(x)")
            self.X = list(_sequence(X, "X"))
        self._params = list(model.parameters())  # type: ignore[attr-defined]
        self.y = list(_sequence(y, "y"))
        if not self.X or len(self.X) != len(self.y):
            raise ValueError(f"TrainingRecorder: X and y must be non-empty and as long as each other, "
                             f"got {len(self.X)} points and {len(self.y)} labels")
        whole: object = keep  # typed int, but a caller may pass anything
        if isinstance(whole, bool) or not isinstance(whole, numbers.Integral) or int(whole) < 2:
            raise ValueError(f"TrainingRecorder: keep must be a whole number ≥ 2, got {keep!r}")
        self.keep = int(whole)
        self.classes = sorted(set(self.y), key=_order)
        if self.structure is not None:
            nout = self.structure.sizes[-1]
            self.predict = predict or _default_predict(nout, self.structure.activations[-1], self.classes)
            self.names = list(self.structure.names)
        else:
            self.predict = model.predict  # type: ignore[attr-defined]
            self.names = [p.label or f"parameter {k}" for k, p in enumerate(self._params)]
        self.losses: list[float] = []  # every step's loss
        self.lrs: list[float] = []  # every step's α
        self.stride = 1  # the steps held are 1, 1 + stride, 1 + 2·stride, ...
        self._held: list[Snapshot] = []
        self._last: Snapshot | None = None
        self._before = array("d", [p.data for p in self._params])  # where the next step starts
        self._accuracy: dict[int, tuple[float, list]] = {}

    def record(self, loss: Value | float, lr: float) -> None:
        """Record one step, after ``optimizer.step()``: ``loss`` (a Value or its number) and α."""
        loss = loss.data if isinstance(loss, Value) else _real(loss, "loss")
        lr = _real(lr, "lr")
        params = self._params
        step = len(self.losses) + 1
        after = array("d", [p.data for p in params])
        snapshot = Snapshot(step, loss, lr, self._before, array("d", [p.grad for p in params]), after)
        if step == 1:  # a call in the wrong place shows at once: the numbers would be wrong for every step
            _check_placement(snapshot)
        self.losses.append(loss)
        self.lrs.append(lr)
        self._before, self._last = after, snapshot
        if (step - 1) % self.stride == 0:
            self._held.append(snapshot)
            if len(self._held) > self.keep:  # twice the stride: drop every other step held
                self.stride *= 2
                self._held = [s for s in self._held if (s.step - 1) % self.stride == 0]

    @property
    def snapshots(self) -> list[Snapshot]:
        """The steps kept: evenly spaced (every ``stride``-th from step 1) and the last one."""
        last = self._last
        return self._held + ([last] if last is not None and last is not self._held[-1] else [])

    def accuracy(self, snapshot: Snapshot) -> float:
        """The fraction of ``X`` that the model with ``snapshot.before`` labels as ``y`` does."""
        return self._predictions(snapshot)[0]

    def _predictions(self, snapshot: Snapshot) -> tuple[float, list]:
        if snapshot.step not in self._accuracy:
            said = self._said(snapshot, self.X)
            right = sum(s == t for s, t in zip(said, self.y))
            self._accuracy[snapshot.step] = (right / len(self.y), said)
        return self._accuracy[snapshot.step]

    def _said(self, snapshot: Snapshot, points: list) -> list:
        """What the model says at each point, with the parameters before ``snapshot``'s step: an
        MLP's float forward pass, or another model's own predict() with those values put in place
        for the call (and the values of now put back)."""
        if self.structure is not None:
            outputs = zip(*self.structure.forward(snapshot.before, points)[-1])
            return [self.predict(list(out)) for out in outputs]
        now = [p.data for p in self._params]
        try:
            for p, v in zip(self._params, snapshot.before):
                p.data = v
            return [self.predict(x) for x in points]
        finally:
            for p, v in zip(self._params, now):
                p.data = v

    def write_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write the page that plays the run (see the module's docstring); returns the path."""
        shots = self.snapshots
        if not shots:
            raise ValueError("write_html: nothing recorded yet; call record(loss, lr) once per training step")
        data = self._page_data(shots)
        data["kept"] = self._kept_note()
        picture, data["missing"] = "", "(a picture of the network is drawn for an nn.MLP)"
        if isinstance(self.model, MLP):
            try:
                # drawn once, structure only: the page colours each weight per step and shows its numbers
                picture, data["missing"] = inline_svg(viz.to_svg(viz.draw_mlp(self.model, numbers=False))), ""
            except RenderError as missing:  # no Graphviz, or too slow: the rest of the page needs no picture
                data["missing"] = f"(no picture of the network: {str(missing).splitlines()[0]})"
        page = build("training", title or f"Training {self.model!r}", data, picture)
        return write_atomic(path, page)

    def _kept_note(self) -> str:
        total, shots = len(self.losses), self.snapshots
        if len(shots) == total:
            return f"All {total} steps are kept."
        held = [s.step for s in self._held]
        listed = ", ".join(map(str, held[:3])) + f", …, {held[-1]}"
        extra = f" and the last ({total})" if shots[-1] is not self._held[-1] else ""
        return (f"Of {total} steps the page keeps every {_ordinal(self.stride)} ({listed}: "
                f"{len(held)} steps){extra}; the loss curve shows "
                f"{'every step' if total <= CURVE else f'{len(_curve_steps(total))} of them'}.")

    def _page_data(self, shots: list[Snapshot]) -> dict:
        """Everything the page shows, its words and numbers written here (``mathpage.number``)."""
        structure = self.structure
        two_d = structure is not None and structure.sizes[0] == 2
        # the weights (the rest are biases); every parameter of a model that is no MLP
        weights = (list(range(len(self._params))) if structure is None else
                   [structure.position(l, j, i) for l in range(1, len(structure.sizes))
                    for j in range(structure.sizes[l]) for i in range(structure.sizes[l - 1])])
        examples = self.X[:EXAMPLES] if structure is None else []
        steps = _curve_steps(len(self.losses))
        finite = [x for x in self.losses if math.isfinite(x)] or [0.0]
        low, high = min(finite), max(finite)
        log = low > 0 and high / low > 20  # a loss that falls 20× reads better on a log scale
        data: dict = {
            "total": len(self.losses), "names": self.names, "weights": weights,
            "palette": [viz.POSITIVE, viz.NEGATIVE, viz.ZERO], "classes": [str(c) for c in self.classes],
            "curve": [[k, _finite(self.losses[k - 1])] for k in steps],
            "axis": {"low": min(low, 0.0) if not log else low, "high": high, "log": log,
                     "lowText": number(min(low, 0.0) if not log else low), "highText": number(high)},
            "steps": [],
        }
        if examples:
            data["examples"] = [[_label(x), _label(t)] for x, t in zip(examples, self.y)]
        if two_d:
            box = _box(self.X)
            data["box"], data["grid"] = box, GRID
            data["points"] = [[x[0], x[1], self.classes.index(t)] for x, t in zip(self.X, self.y)]
            centres = _grid(box)
        for shot in shots:
            accuracy, said = self._predictions(shot)
            step = {"k": shot.step, "loss": number(shot.loss), "lossValue": _finite(shot.loss),
                    "lr": number(shot.lr),
                    "acc": f"{100 * accuracy:.1f}%", "plain": shot.plain,
                    "w": _texts(shot.before), "g": _texts(shot.grads), "a": _texts(shot.after),
                    "largest": max(range(len(shot.grads)), key=lambda i: _magnitude(shot.grads[i]))}
            if structure is not None:  # each weight's pen in the picture
                biggest = max((abs(shot.before[k]) for k in weights if math.isfinite(shot.before[k])),
                              default=0.0)
                pens = [viz.weight_pen(shot.before[k], biggest or 1.0) for k in weights]
                step["colour"] = "".join(str(data["palette"].index(colour)) for colour, _ in pens)
                step["width"] = [float(width) for _, width in pens]
            if not shot.plain:
                step["d"] = [number(a - w) for w, a in zip(shot.before, shot.after)]
            if examples:
                step["said"] = [_label(s) for s in said[:len(examples)]]
            elif two_d:
                index = {c: _CELL[i] for i, c in enumerate(self.classes)}
                step["cells"] = "".join(index.get(c, "?") for c in self._said(shot, centres))
                step["wrong"] = [i for i, (s, t) in enumerate(zip(said, self.y)) if s != t]
            else:
                where = {c: i for i, c in enumerate(self.classes)}
                confusion = [[0] * len(self.classes) for _ in self.classes]
                for s, t in zip(said, self.y):
                    if s in where:
                        confusion[where[t]][where[s]] += 1
                step["confusion"] = confusion
            data["steps"].append(step)
        return data


def _check_placement(shot: Snapshot) -> None:
    moved, pushed = shot.after != shot.before, any(shot.grads)
    if pushed and shot.lr > 0.0 and not moved:
        raise ValueError("TrainingRecorder.record: no parameter changed since the recorder was made; "
                         "call record(loss, lr) after optimizer.step(), which it records")
    if moved and not pushed:
        raise ValueError("TrainingRecorder.record: every gradient is 0 but the parameters changed; "
                         "call record(loss, lr) after optimizer.step() and before the next zero_grad()")


def _default_predict(nout: int, activation: str, classes: list) -> Callable[[list[float]], object]:
    if nout == 1:
        if len(classes) > 2:
            raise ValueError(f"TrainingRecorder: one output cannot tell {len(classes)} classes apart; "
                             "pass predict=lambda outputs: ... (outputs is a list of floats)")
        low, high = classes[0], classes[-1]
        threshold = 0.5 if activation == "sigmoid" else 0.0
        return lambda outputs: high if outputs[0] > threshold else low
    if not all(isinstance(c, numbers.Integral) and 0 <= int(c) < nout for c in classes):
        raise ValueError(f"TrainingRecorder: with {nout} outputs the labels must be the classes 0 to "
                         f"{nout - 1}, got {classes[:5]}; or pass predict=lambda outputs: ...")
    return lambda outputs: max(range(nout), key=outputs.__getitem__)  # the first of equal scores, as max()


# -- checking input --------------------------------------------------------------------------
def _real(x: object, what: str) -> float:
    return real(x, f"TrainingRecorder.record: {what}", "a Value or a real number")


def _sequence(x: object, what: str) -> Sequence:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"TrainingRecorder: {what} must be a list, got {type(x).__name__}")
    return x


def _point(x: object, nin: int, i: int) -> list[float]:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence) or len(x) != nin:
        raise ValueError(f"TrainingRecorder: X[{i}] must be a list of the model's {nin} inputs, got {x!r}")
    return [real(v, f"TrainingRecorder: X[{i}][{j}]") for j, v in enumerate(x)]


def _label(x: object) -> str:
    """An example or a label as the page writes it: a sequence as its items with spaces (2 0 4 1)."""
    if isinstance(x, Sequence) and not isinstance(x, str):
        return " ".join(map(str, x))
    return str(x)


def _order(label: object) -> tuple:
    """Labels sort as numbers when they are numbers, else by their text."""
    return (0, label, "") if isinstance(label, numbers.Real) else (1, 0, str(label))


# -- the page's numbers ----------------------------------------------------------------------
def _texts(values: Sequence[float]) -> list[str]:
    return [number(v) for v in values]


def _finite(x: float) -> float | None:
    """A number for the page's geometry (JSON has no NaN or infinity: None)."""
    return x if math.isfinite(x) else None


def _magnitude(g: float) -> float:
    """|g| for choosing the largest gradient, NaN counted as the smallest."""
    return abs(g) if not math.isnan(g) else -1.0


def _curve_steps(total: int) -> list[int]:
    stride = -(-total // CURVE)
    return sorted({*range(1, total + 1, stride), total})


def _box(X: list[list[float]]) -> list[float]:
    """x from, x to, y from, y to: the data and a margin of a tenth of its extent."""
    box = []
    for column in zip(*X):
        low, high = min(column), max(column)
        margin = (high - low) / 10 or 1.0
        box += [low - margin, high + margin]
    return box


def _grid(box: list[float]) -> list[list[float]]:
    """The centres of the GRID × GRID cells, row by row from the top (largest y) down."""
    x0, x1, y0, y1 = box
    return [[x0 + (c + 0.5) * (x1 - x0) / GRID, y1 - (r + 0.5) * (y1 - y0) / GRID]
            for r in range(GRID) for c in range(GRID)]


_CELL = "0123456789abcdefghijklmnopqrstuvwxyz"  # a grid cell's class as one character


def _ordinal(n: int) -> str:
    if n == 1:
        return "step"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
