"""Watch it learn: record a training run step by step, and write one page that plays it.

Training is one line, repeated:  W ← W − α·∂L/∂W.  ``TrainingRecorder`` keeps, for every step,
what that line is made of: the loss L, each parameter's value W before the step, its gradient
∂L/∂W, its value after the step, and α. ``write_html(path)`` turns the run into one self-contained
page (no network, no script from a CDN) with a slider and play / pause over the steps; for the
step shown: the loss curve up to it, the decision boundary over the data (2-D inputs; a confusion
matrix otherwise), the ``draw_mlp`` picture with every weight and ∂L/∂w of that step, and the update
of one weight (the one clicked, or the one with the largest |∂L/∂w|) with its numbers,

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
values recorded. A long run keeps ``keep`` evenly spaced steps: every s-th (s = 1, 2, 4, ...: the
smallest power of two that fits) and the last, so memory and the page stay bounded.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .engine import Value
from .files import write_atomic
from .graphviz_backend import GraphvizNotFoundError
from .stepper import PAGE_HEAD

__all__ = ["TrainingRecorder", "Snapshot", "KEEP", "GRID"]

# 100 steps: the walkthroughs train 100 (moons) and 126 (digits) steps; a slider of ~600 px gives a
# step 6 px; playing at 8 steps a second takes 12 s; and each step costs the page 3 numbers per
# parameter (moons: 337 parameters, about 8 kB a step), so a page stays near 1 MB however long the run.
KEEP = 100
# The decision boundary: predictions at the centres of GRID × GRID cells, which the page blends into
# a smooth picture. 24² points × 100 steps through a 337-weight network is ~1 s of write_html.
GRID = 24
CURVE = 1000  # the loss curve: at most this many points (every step for runs up to 1000 steps)


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
    """Records a training run of an ``nn.MLP`` on data ``X`` with labels ``y``, one ``record`` a step.

    ``predict(outputs) -> label`` turns the model's outputs (a list of floats) into a label; by
    default one output is a score (the larger label when it is > 0, or > 0.5 after a sigmoid, the
    smaller otherwise) and several outputs are class scores 0, 1, ... (the largest wins). ``keep``
    is the number of steps held (and shown on the page), evenly spaced, plus the last.
    """

    def __init__(self, model, X: Sequence[Sequence[float]], y: Sequence, *, keep: int = KEEP,
                 predict: Callable[[list[float]], object] | None = None) -> None:
        self.model = model
        self._shapes, self._params = _structure(model)
        nin, nout = self._shapes[0][0], self._shapes[-1][1]
        self.X = [_point(x, nin, i) for i, x in enumerate(_sequence(X, "X"))]
        self.y = list(_sequence(y, "y"))
        if not self.X or len(self.X) != len(self.y):
            raise ValueError(f"TrainingRecorder: X and y must be non-empty and as long as each other, "
                             f"got {len(self.X)} points and {len(self.y)} labels")
        if not isinstance(keep, numbers.Integral) or isinstance(keep, bool) or keep < 2:
            raise ValueError(f"TrainingRecorder: keep must be a whole number ≥ 2, got {keep!r}")
        self.keep = int(keep)
        self.classes = sorted(set(self.y), key=_order)
        self.predict = predict or _default_predict(nout, self._shapes[-1][2], self.classes)
        self.names = [p.label or f"p{i}" for i, p in enumerate(self._params)]
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
            said = [self.predict(list(out)) for out in _forward(self._shapes, snapshot.before, self.X)]
            right = sum(s == t for s, t in zip(said, self.y))
            self._accuracy[snapshot.step] = (right / len(self.y), said)
        return self._accuracy[snapshot.step]

    def write_html(self, path: str | Path, title: str | None = None) -> Path:
        """Write the page that plays the run (see the module's docstring); returns the path."""
        shots = self.snapshots
        if not shots:
            raise ValueError("write_html: nothing recorded yet; call record(loss, lr) once per training step")
        parts = {"title": html.escape(title or f"Training {self.model!r}"),
                 "kept": html.escape(self._kept_note()), "picture": self._picture(shots[0]),
                 "data": _json(self._page_data(shots))}
        page = re.sub(r"\{(title|kept|picture|data)\}", lambda m: parts[m.group(1)], _PAGE)  # one pass
        return write_atomic(path, page, parents=True)

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

    def _picture(self, shot: Snapshot) -> str:
        """The network drawn once, with the first step's numbers; the page rewrites them per step."""
        from . import viz

        saved = [p.data for p in self._params]
        try:
            for p, w in zip(self._params, shot.before):
                p.data = w
            # draw_mlp computes each ∂L/∂w from the loss's graph, which the recorder does not keep (it
            # would hold every step's graph): L = Σ g·p has exactly the recorded ones, ∂L/∂p = g.
            loss = sum((p * g for p, g in zip(self._params, shot.grads)), Value(0.0))
            loss.data = shot.loss  # and the picture's L is the step's loss
            graph = viz.draw_mlp(self.model, loss=loss)
        finally:
            for p, w in zip(self._params, saved):
                p.data = w
        try:
            svg = viz.to_svg(graph)
        except GraphvizNotFoundError as missing:  # the rest of the page needs no Graphviz
            why = html.escape(str(missing).splitlines()[0])
            return f'<p class="note">(no picture of the network: {why})</p>'
        return svg[svg.index("<svg"):]  # no XML prolog inside HTML

    def _page_data(self, shots: list[Snapshot]) -> dict:
        two_d = self._shapes[0][0] == 2
        data = {
            "total": len(self.losses), "names": self.names,
            "classes": [str(c) for c in self.classes],
            "curve": [[k, _digits(self.losses[k - 1], 6)] for k in _curve_steps(len(self.losses))],
            "steps": [],
        }
        if two_d:
            box = _box(self.X)
            data["box"], data["grid"] = box, GRID
            data["points"] = [[x[0], x[1], self.classes.index(t)] for x, t in zip(self.X, self.y)]
            centres = _grid(box)
        for shot in shots:
            accuracy, said = self._predictions(shot)
            plain = shot.plain
            step = {"k": shot.step, "loss": _digits(shot.loss, 6), "lr": _digits(shot.lr), "acc": accuracy,
                    "plain": plain, "w": _list(shot.before), "g": _list(shot.grads), "a": _list(shot.after)}
            if not plain:
                step["d"] = [_digits(a - w) for w, a in zip(shot.before, shot.after)]
            if two_d:
                index = {c: _CELL[i] for i, c in enumerate(self.classes)}
                cells = (self.predict(list(out)) for out in _forward(self._shapes, shot.before, centres))
                step["cells"] = "".join(index.get(c, "?") for c in cells)
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


# -- the model, in floats -------------------------------------------------------------------
def _structure(model) -> tuple[list[tuple[int, int, str]], list[Value]]:
    """(nin, nout, activation) per layer, and the parameters in ``model.parameters()`` order,
    which must be each neuron's weights then its bias, layer by layer (as ``nn.MLP`` lists them)."""
    layers = getattr(model, "layers", None)
    try:
        shapes = [(len(layer.neurons[0].w), len(layer.neurons), layer.neurons[0].activation)
                  for layer in layers]
        expected = [p for layer in layers for n in layer.neurons for p in (*n.w, n.b)]
        ok = bool(shapes) and all(len({(len(n.w), n.activation) for n in layer.neurons}) == 1
                                  for layer in layers)
    except (TypeError, AttributeError, IndexError):
        ok = False
    if not ok or [id(p) for p in model.parameters()] != [id(p) for p in expected]:
        raise TypeError(f"TrainingRecorder: model must be a tinygrad_edu.nn.MLP, got {type(model).__name__}")
    return shapes, expected


def _forward(shapes: list[tuple[int, int, str]], values: Sequence[float],
             points: Sequence[Sequence[float]]) -> list[tuple[float, ...]]:
    """Every point's outputs, from parameter values in ``model.parameters()`` order.

    Each neuron is act(b + w₀·x₀ + w₁·x₁ + ...), added left to right from b as ``nn.Neuron`` adds
    it (up to Python 3.11 bit for bit; from 3.12 ``sum`` rounds more finely, which can matter only
    for a score within ~1e-16 of the threshold). In floats, all points at once, one weight at a time:
    the page needs ~600 grid points × 100 steps, which through Values would take minutes.
    """
    columns = [list(c) for c in zip(*points)]  # columns[i][p]: input i of point p
    at = 0
    for nin, nout, activation in shapes:
        f = _ACTIVATIONS[activation]
        outputs = []
        for _ in range(nout):
            z = [values[at + nin]] * len(points)  # the bias first, as nn.Neuron starts its sum
            for w, x in zip(values[at:at + nin], columns):
                z = [s + w * xi for s, xi in zip(z, x)]
            outputs.append(f(z))
            at += nin + 1
        columns = outputs
    return list(zip(*columns))


# The engine's activations on lists of floats: relu and tanh are one line each (Value.relu, Value.tanh);
# sigmoid goes through the engine itself (its two-branch formula is not worth a second copy).
_ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: [s if s > 0.0 else 0.0 for s in z],
    "tanh": lambda z: [math.tanh(s) for s in z],
    "sigmoid": lambda z: [Value(s).sigmoid().data for s in z],
}


def _default_predict(nout: int, activation: str, classes: list) -> Callable[[list[float]], object]:
    if nout == 1:
        if len(classes) > 2:
            raise ValueError(f"TrainingRecorder: one output cannot tell {len(classes)} classes apart; "
                             "pass predict=lambda outputs: ... (outputs is a list of floats)")
        low, high = classes[0], classes[-1]
        threshold = 0.5 if activation == "sigmoid" else 0.0
        return lambda outputs: high if outputs[0] > threshold else low
    if not all(isinstance(c, numbers.Integral) and 0 <= c < nout for c in classes):
        raise ValueError(f"TrainingRecorder: with {nout} outputs the labels must be the classes 0 to "
                         f"{nout - 1}, got {classes[:5]}; or pass predict=lambda outputs: ...")
    return lambda outputs: max(range(nout), key=outputs.__getitem__)  # the first of equal scores, as max()


# -- checking input --------------------------------------------------------------------------
def _real(x: object, what: str) -> float:
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"TrainingRecorder.record: {what} must be a Value or a real number, "
                    f"got {type(x).__name__}: {x!r}")


def _sequence(x: object, what: str) -> Sequence:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"TrainingRecorder: {what} must be a list, got {type(x).__name__}")
    return x


def _point(x: object, nin: int, i: int) -> list[float]:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence) or len(x) != nin:
        raise ValueError(f"TrainingRecorder: X[{i}] must be a list of the model's {nin} inputs, got {x!r}")
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in x):
        raise TypeError(f"TrainingRecorder: X[{i}] must hold numbers, got {x!r}")
    return [float(v) for v in x]


def _order(label: object) -> tuple:
    """Labels sort as numbers when they are numbers, else by their text."""
    return (0, label, "") if isinstance(label, numbers.Real) else (1, 0, str(label))


# -- the page's numbers ----------------------------------------------------------------------
def _digits(x: float, significant: int = 4) -> float | str:
    """x to ``significant`` digits, as the page shows it (draw_mlp's 4); not finite as text."""
    if not math.isfinite(x):
        return str(x)  # "inf", "-inf", "nan": JSON has no such numbers
    return float(format(x, f".{significant}g")) + 0.0


def _list(values: Sequence[float]) -> list:
    return [_digits(v) for v in values]


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


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


_PAGE = PAGE_HEAD + """\
  :root { --chosen: #f59e0b; }
  main { display: grid; grid-template-columns: 380px 340px minmax(0, 1fr); gap: 16px; padding: 16px 24px; }
  section { background: white; border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px;
            min-width: 0; }
  .wide { grid-column: 1 / -1; }
  nav { display: flex; align-items: center; gap: 10px; }
  button { font: inherit; padding: 5px 14px; border-radius: 8px; border: 1px solid #d1d5db;
           background: white; cursor: pointer; }
  button:hover { border-color: var(--accent); color: var(--accent); }
  #slider { flex: 1; }
  #counter { min-width: 150px; text-align: right; font-variant-numeric: tabular-nums; }
  #stats { margin: 6px 0 0; font-variant-numeric: tabular-nums; }
  #curve { width: 100%; height: auto; }
  #boundary { width: 100%; max-width: 312px; height: auto; border: 1px solid var(--line); }
  .mono { font: 14px/1.5 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
  #update { margin: 0 0 8px; padding: 10px 12px; border-left: 4px solid var(--chosen); background: #fffbeb;
            border-radius: 6px; overflow-x: auto; white-space: pre-wrap; }
  .note, .hint { color: var(--muted); font-size: 13px; margin: 4px 0; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
  th, td { padding: 2px 4px; border: 1px solid var(--line); text-align: right; }
  td.diagonal { background: #dcfce7; font-weight: 600; }
  #network { overflow: auto; max-height: 80vh; }
  #network.fit svg { width: 100%; height: auto; }
  #network g.edge, #network g.node { cursor: pointer; }
  #network g.chosen text { font-weight: bold; }
  #network g.chosen path, #network g.chosen ellipse { stroke: var(--chosen) !important; stroke-width: 5; }
  @media (max-width: 1100px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <p>Training is one line, repeated: w ← w − α·∂L/∂w for every weight w. {kept}</p>
</header>
<main>
  <section class="wide">
    <nav>
      <button id="first" type="button" title="first step (Home)">|◀</button>
      <button id="prev" type="button" title="previous step (←)">◀</button>
      <button id="play" type="button" title="play / pause (space)">▶ Play</button>
      <button id="next" type="button" title="next step (→)">▶</button>
      <button id="end" type="button" title="last step (End)">▶|</button>
      <input id="slider" type="range" min="0" max="0" value="0" aria-label="training step">
      <span id="counter"></span>
    </nav>
  </section>
  <section><h2>Loss</h2><svg id="curve" viewBox="0 0 360 200" role="img"></svg><p id="stats"></p></section>
  <section id="predictions"><h2 id="predictions-title"></h2></section>
  <section>
    <h2>The update of one weight</h2>
    <p id="update" class="mono"></p>
    <p id="why" class="note"></p>
    <p class="hint">Click a weight (an edge) or a neuron (its bias) in the picture below, or follow
      <button id="largest" type="button">the largest |∂L/∂w|</button></p>
  </section>
  <section class="wide">
    <h2>The network at this step: every weight w and ∂L/∂w</h2>
    <p class="hint">Blue: w &gt; 0, red: w &lt; 0, thicker: larger |w|; the chosen weight is orange.
      <label><input id="fit" type="checkbox" checked> whole picture in the page's width</label></p>
    <div id="network" class="fit">{picture}</div>
  </section>
</main>
<script type="application/json" id="data">{data}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var steps = data.steps, names = data.names, last = steps.length - 1, current = 0, timer = null;
  var chosen = null;  // a parameter's index, or null: the largest |∂L/∂w| of the step shown
  var COLOURS = {positive: "#2563eb", negative: "#dc2626", zero: "#9ca3af"};  // draw_mlp's
  var CLASS_FILL = ["#c7d7f0", "#f3d3c9", "#d5ecd4", "#efe3b8", "#e0d0ef", "#cdeaea", "#f0d0e0",
                    "#dddddd", "#e8dccb", "#d0e0b0"];
  var CLASS_INK = ["#1f4e9c", "#c0392b", "#2e7d32", "#a17800", "#6a1b9a", "#00838f", "#ad1457",
                   "#424242", "#6d4c41", "#558b2f"];
  var $ = function (id) { return document.getElementById(id); };

  function value(x) {  // a number of the data: not-finite ones are text
    return typeof x === "string" ? (x === "inf" ? Infinity : x === "-inf" ? -Infinity : NaN) : x;
  }
  function num(x) {  // Python's format(x, "#.4g"), the way draw_mlp writes numbers
    if (typeof x === "string") return x;
    if (x === 0) return "0.000";
    var parts = x.toExponential(3).split("e"), e = parseInt(parts[1], 10);
    if (e < -4 || e >= 4) {
      return parts[0] + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    }
    var fixed = x.toFixed(3 - e);
    return e === 3 ? fixed + "." : fixed;
  }
  function term(x) { var t = num(x); return t.charAt(0) === "-" ? "(" + t + ")" : t; }
  function svg(tag, attrs) {
    var el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    return el;
  }

  // -- the picture: find each parameter's texts and shapes once ---------------------------
  var index = {};
  names.forEach(function (name, i) { index[name] = i; });
  var drawn = names.map(function () { return null; }), lossText = null;
  document.querySelectorAll("#network g.edge").forEach(function (g) {
    var texts = g.querySelectorAll("text");
    if (texts.length < 2) return;  // the dashed edges into the loss
    var i = index[texts[0].textContent.split(" = ")[0]];
    if (i !== undefined) drawn[i] = {weight: true, g: g, value: texts[0], grad: texts[1]};
  });
  document.querySelectorAll("#network g.node").forEach(function (g) {
    var texts = [].slice.call(g.querySelectorAll("text"));
    texts.forEach(function (t) { if (t.textContent.indexOf("L = ") === 0) lossText = t; });
    if (!texts.length) return;
    var i = index["b" + texts[0].textContent.split(/\\s/)[0].slice(1)];  // neuron n1[0] has bias b1[0]
    var value = texts.filter(function (t) { return t.textContent.indexOf("b = ") === 0; })[0];
    var grad = texts.filter(function (t) { return t.textContent.indexOf("∂L/∂b = ") === 0; })[0];
    if (i !== undefined && value && grad) drawn[i] = {weight: false, g: g, value: value, grad: grad};
  });
  drawn.forEach(function (d, i) {
    if (!d) return;
    d.prefix = [d.value.textContent.split(" = ")[0] + " = ", d.grad.textContent.split(" = ")[0] + " = "];
    d.g.setAttribute("data-param", String(i));
    d.g.addEventListener("click", function () { chosen = i; show(current); });
  });

  function paint(s) {
    var biggest = 0;
    drawn.forEach(function (d, i) {
      if (d && d.weight) biggest = Math.max(biggest, Math.abs(value(s.w[i])));
    });
    biggest = biggest || 1;
    drawn.forEach(function (d, i) {
      if (!d) return;
      var w = value(s.w[i]);
      d.value.textContent = d.prefix[0] + num(s.w[i]);
      d.grad.textContent = d.prefix[1] + num(s.g[i]);
      if (!d.weight) return;
      // draw_mlp's rule: blue when w > 0, red when w < 0, width 0.5 + 3.5·|w| / max |w|
      var colour = w > 0 ? COLOURS.positive : w < 0 ? COLOURS.negative : COLOURS.zero;
      var width = (0.5 + 3.5 * Math.min(1, Math.abs(w) / biggest)).toFixed(2);
      d.g.querySelectorAll("path, polygon, polyline").forEach(function (shape) {
        shape.setAttribute("stroke", colour);
        if (shape.tagName !== "polyline") shape.setAttribute("stroke-width", width);
        if (shape.tagName === "polygon") shape.setAttribute("fill", colour);
      });
      d.g.querySelectorAll("text").forEach(function (t) { t.setAttribute("fill", colour); });
    });
    if (lossText) lossText.textContent = "L = " + num(s.loss);
  }

  // -- the loss curve ---------------------------------------------------------------------
  var curve = $("curve"), W = 360, H = 200, left = 46, right = 10, top = 10, bottom = 26;
  var finite = data.curve.map(function (p) { return value(p[1]); }).filter(isFinite);
  var high = Math.max.apply(null, finite), low = Math.min.apply(null, finite);
  // a loss that falls by more than 20× reads better on a log scale (else the first steps flatten the rest)
  var log = low > 0 && high / low > 20;
  if (!log) low = Math.min(low, 0);
  var scale = log ? Math.log : function (v) { return v; };
  if (!(high > low)) { high = low + 1; }
  function cx(k) { return left + (W - left - right) * (data.total > 1 ? (k - 1) / (data.total - 1) : 0.5); }
  function cy(v) {
    var at = (scale(high) - scale(Math.min(high, Math.max(low, v)))) / (scale(high) - scale(low));
    return top + (H - top - bottom) * at;
  }
  function points(upto) {
    return data.curve.filter(function (p) { return p[0] <= upto && isFinite(value(p[1])); })
      .map(function (p) { return cx(p[0]).toFixed(1) + "," + cy(value(p[1])).toFixed(1); }).join(" ");
  }
  [[left, H - bottom, W - right, H - bottom], [left, top, left, H - bottom]].forEach(function (l) {
    curve.appendChild(svg("line", {x1: l[0], y1: l[1], x2: l[2], y2: l[3], stroke: "#9ca3af"}));
  });
  [[high, top + 4], [low, H - bottom]].forEach(function (t) {
    var label = svg("text", {x: left - 4, y: t[1], "text-anchor": "end", "font-size": 10, fill: "#6b7280"});
    label.textContent = num(t[0]); curve.appendChild(label);
  });
  if (log) {
    var note = svg("text", {x: W - right, y: top + 4, "text-anchor": "end", "font-size": 10,
                            fill: "#6b7280"});
    note.textContent = "log scale"; curve.appendChild(note);
  }
  [[1, "start"], [data.total, "end"]].forEach(function (t) {
    var label = svg("text", {x: cx(t[0]), y: H - 8, "text-anchor": t[1], "font-size": 10, fill: "#6b7280"});
    label.textContent = "step " + t[0]; curve.appendChild(label);
  });
  curve.appendChild(svg("polyline", {points: points(data.total), fill: "none", stroke: "#e5e7eb",
                                     "stroke-width": 1.5}));
  var done = svg("polyline", {id: "curve-done", fill: "none", stroke: "#2563eb", "stroke-width": 1.8});
  var dot = svg("circle", {id: "curve-dot", r: 4, fill: "#dc2626"});
  curve.appendChild(done); curve.appendChild(dot);

  // -- the predictions: a decision boundary (2-D inputs) or a confusion matrix ---------------
  var box = $("predictions"), canvas = null, table = null;
  if (data.grid) {
    $("predictions-title").textContent = "Decision boundary";
    canvas = document.createElement("canvas");
    canvas.id = "boundary"; canvas.width = 312; canvas.height = 312;
    box.appendChild(canvas);
    var legend = document.createElement("p");
    legend.className = "note";
    legend.textContent = "Shade: the class the model says there. Dots: the data, coloured by label; " +
      "a black ring marks one it gets wrong.";
    box.appendChild(legend);
  } else {
    $("predictions-title").textContent = "Confusion matrix (row: true label, column: predicted)";
    table = document.createElement("table");
    table.id = "confusion";
    box.appendChild(table);
  }
  var cells = document.createElement("canvas");  // one pixel a grid cell, scaled up smoothly
  cells.width = cells.height = data.grid || 1;
  function boundary(s) {
    var ctx = canvas.getContext("2d"), n = data.grid, b = data.box;
    var small = cells.getContext("2d"), image = small.createImageData(n, n);
    for (var i = 0; i < n * n; i++) {
      var hex = CLASS_FILL[parseInt(s.cells.charAt(i), 36) % CLASS_FILL.length] || "#ffffff";
      for (var c = 0; c < 3; c++) image.data[4 * i + c] = parseInt(hex.substr(1 + 2 * c, 2), 16);
      image.data[4 * i + 3] = 255;
    }
    small.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;  // blends neighbouring cells: the boundary runs between centres
    ctx.drawImage(cells, 0, 0, canvas.width, canvas.height);
    var wrong = {};
    s.wrong.forEach(function (i) { wrong[i] = true; });
    data.points.forEach(function (p, i) {
      var x = (p[0] - b[0]) / (b[1] - b[0]) * canvas.width, y = (b[3] - p[1]) / (b[3] - b[2]) * canvas.height;
      ctx.beginPath(); ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = CLASS_INK[p[2] % CLASS_INK.length]; ctx.fill();
      ctx.lineWidth = wrong[i] ? 2 : 0.5; ctx.strokeStyle = wrong[i] ? "#000000" : "#ffffff"; ctx.stroke();
    });
  }
  function confusion(s) {
    var head = data.classes.map(function (c) { return "<th>" + c + "</th>"; }).join("");
    var rows = ["<tr><th></th>" + head + "</tr>"];
    s.confusion.forEach(function (row, t) {
      rows.push("<tr><th>" + data.classes[t] + "</th>" + row.map(function (n, p) {
        return "<td" + (p === t ? ' class="diagonal"' : "") + ">" + (n || "·") + "</td>";
      }).join("") + "</tr>");
    });
    table.innerHTML = rows.join("");
  }

  // -- the update of one weight -------------------------------------------------------------
  function largest(s) {
    var best = 0;
    s.g.forEach(function (g, i) { if (Math.abs(value(g)) > Math.abs(value(s.g[best]))) best = i; });
    return best;
  }
  function update(s) {
    var i = chosen === null ? largest(s) : chosen, name = names[i];
    var p = name.charAt(0) === "b" ? "b" : "w";  // a bias b1[0] updates as b ← b − α·∂L/∂b
    var head = name + ":  " + p + " ← " + p, grad = "∂L/∂" + p;
    var why = chosen === null ? "The parameter with the largest |∂L/∂w| at this step. " : "";
    if (s.plain) {
      $("update").textContent = head + " − α·" + grad + " = " + num(s.w[i]) + " − " + num(s.lr) + " × " +
        term(s.g[i]) + " = " + num(s.a[i]);
      $("why").textContent = why + "Gradient descent: the step against the gradient, scaled by the " +
        "learning rate α.";
    } else {
      $("update").textContent = head + " + Δ" + p + " = " + num(s.w[i]) + " + " + term(s.d[i]) + " = " +
        num(s.a[i]);
      $("why").textContent = why + "Δ" + p + " is the step the optimizer took (momentum, Adam or weight " +
        "decay): plain gradient descent would take −α·" + grad + " = −" + num(s.lr) + " × " +
        term(s.g[i]) + ".";
    }
    drawn.forEach(function (d, j) { if (d) d.g.classList.toggle("chosen", j === i); });
    if (i !== shown && drawn[i]) { shown = i; reveal(drawn[i].g); }
  }
  var shown = null;  // the parameter last scrolled to
  function reveal(g) {  // scroll the picture's box (not the page) so the chosen weight is in view
    var net = $("network"), at = g.getBoundingClientRect(), frame = net.getBoundingClientRect();
    net.scrollTop += at.top - frame.top - (frame.height - at.height) / 2;
    net.scrollLeft += at.left - frame.left - (frame.width - at.width) / 2;
  }
  $("fit").addEventListener("change", function () {
    $("network").classList.toggle("fit", $("fit").checked);
    if (drawn[shown]) reveal(drawn[shown].g);
  });

  // -- the controls -----------------------------------------------------------------------
  var slider = $("slider");
  slider.max = String(last);
  function show(k) {
    current = Math.max(0, Math.min(last, k));
    var s = steps[current];
    slider.value = String(current);
    $("counter").textContent = "Step " + s.k + " of " + data.total;
    $("stats").textContent = "loss " + num(s.loss) + " · accuracy " + (100 * s.acc).toFixed(1) + "%" +
      " · α = " + num(s.lr);
    done.setAttribute("points", points(s.k));
    if (isFinite(value(s.loss))) {
      dot.setAttribute("cx", cx(s.k));
      dot.setAttribute("cy", cy(value(s.loss)));
    }
    paint(s);
    if (canvas) boundary(s); else confusion(s);
    update(s);
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    $("play").textContent = "▶ Play";
  }
  function play() {
    if (current === last) show(0);
    $("play").textContent = "⏸ Pause";
    timer = setInterval(function () { if (current >= last) pause(); else show(current + 1); }, 125);
  }
  $("play").addEventListener("click", function () { if (timer === null) play(); else pause(); });
  $("first").addEventListener("click", function () { pause(); show(0); });
  $("prev").addEventListener("click", function () { pause(); show(current - 1); });
  $("next").addEventListener("click", function () { pause(); show(current + 1); });
  $("end").addEventListener("click", function () { pause(); show(last); });
  $("largest").addEventListener("click", function () { chosen = null; show(current); });
  slider.addEventListener("input", function () { pause(); show(parseInt(slider.value, 10)); });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return;  // the slider's own
    if (e.key === " ") { e.preventDefault(); if (timer === null) play(); else pause(); return; }
    var to = {ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last}[e.key];
    if (to !== undefined) { e.preventDefault(); pause(); show(to); }
  });
  show(0);
})();
</script>
</body>
</html>
"""
