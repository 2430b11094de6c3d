"""The layer equations of a network: backpropagation one matrix at a time, with your numbers.

A layer l of an ``nn.MLP`` computes, for an input a⁰ = x,

    zˡ = Wˡ·aˡ⁻¹ + bˡ        aˡ = f(zˡ)

and the backward pass is four matrix equations, whatever the sizes (L is the output layer):

    δᴸ = ∂J/∂aᴸ ⊙ f′(zᴸ)              (a − t for sigmoid + log loss, softmax(z) − t for cross-entropy)
    δˡ = (Wˡ⁺¹ᵀ·δˡ⁺¹) ⊙ f′(zˡ)        the error sent back through the weights
    ∂J/∂Wˡ = δˡ·aˡ⁻¹ᵀ    ∂J/∂bˡ = δˡ    and the update  Wˡ ← Wˡ − α·∂J/∂Wˡ

with δˡ = ∂Jᵢ/∂zˡ, one example's error. A mini-batch of m examples has J = (1/m)·Σᵢ Jᵢ, so its
gradient is the mean of the examples' (the Jacobian product [1/m … 1/m]·∂(J₁…Jₘ)/∂θ): the same
equations with a matrix of examples in place of each vector.

``explain_network(model, X, targets, loss)`` writes them with the network's numbers, in Andrew
Ng's layout (Θˡ = [bˡ | Wˡ], one row per neuron and the bias in column 0, a column per example) or
CS231n's (z = x·W + b: one column of W per neuron, a row per example), as text, Markdown or LaTeX.
Every equation is checked against the engine's scalar gradients (``trace.gradients`` of J: pure, no
``.grad`` changes) and says so with ✓ (or ✗); every number is printed (by ``mathpage``) with as
many significant digits (4 at least) as make each line's arithmetic hold at its printed precision.
``network_equations`` gives the same numbers as data, and ``layer_questions`` asks them back (shapes
and entries of δˡ).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import engine, losses
from .engine import Value, real
from .exercises import Exercise, Point, Question
from .mathpage import Matrix, Page, number, text_math
from .nn import MLP
from .trace import gradients, jacobian

__all__ = ["LOSSES", "LAYOUTS", "LayerNumbers", "NetworkEquations", "network_equations",
           "explain_network", "layer_questions", "example"]

LAYOUTS = ("ng", "cs231n")


# -- the losses: per example, Jᵢ summed over the outputs (one class index for cross-entropy) -----
@dataclass(frozen=True)
class _Loss:
    formula: str  # Jᵢ in the output a and target t (in the markup of _text_math)
    derivative: str  # ∂Jᵢ/∂a
    build: Callable[[list[Value], list[float]], Value]  # Jᵢ from the engine's outputs
    value: Callable[[list[float], list[float]], float]  # Jᵢ, by the formula
    gradient: Callable[[list[float], list[float]], list[float]]  # ∂Jᵢ/∂a, by the formula
    collapse: tuple[str, str] | None = None  # (activation, δᴸ's formula) where f′ cancels


def _softmax(a: list[float]) -> list[float]:
    top = max(a)
    exps = [math.exp(x - top) for x in a]
    total = math.fsum(exps)
    return [e / total for e in exps]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _each(loss: Callable[[Value, float], Value]) -> Callable[[list[Value], list[float]], Value]:
    """Jᵢ = Σₖ loss(aₖ, tₖ): the walkthroughs' convention (Ng's), so δᴸ = a − t has no 1/n."""
    return lambda a, t: engine.sum([loss(ak, tk) for ak, tk in zip(a, t)])


def _log_loss(a: list[float], t: list[float]) -> float:
    """−Σₖ (tₖ·log aₖ + (1 − tₖ)·log(1 − aₖ)), a term of weight 0 left out (as losses.log_loss)."""
    return -math.fsum((tk * math.log(ak) if tk else 0.0) + ((1 - tk) * math.log(1 - ak) if tk != 1 else 0.0)
                      for ak, tk in zip(a, t))


def _softplus(x: float) -> float:
    return x + math.log1p(math.exp(-x)) if x >= 0 else math.log1p(math.exp(x))


LOSSES: dict[str, _Loss] = {
    "mse": _Loss("Σ_k (a_k − t_k)^2", "2·(a − t)", _each(losses.mse),
                 lambda a, t: math.fsum((ak - tk) ** 2 for ak, tk in zip(a, t)),
                 lambda a, t: [2.0 * (ak - tk) for ak, tk in zip(a, t)]),
    "log_loss": _Loss("−Σ_k (t_k·log a_k + (1 − t_k)·log(1 − a_k))", "(a − t) / (a ⊙ (1 − a))",
                      _each(losses.log_loss), _log_loss,
                      lambda a, t: [(ak - tk) / (ak * (1.0 - ak)) for ak, tk in zip(a, t)],
                      ("sigmoid", "a − t")),
    "bce_with_logits": _Loss("Σ_k (log(1 + exp(a_k)) − t_k·a_k)", "σ(a) − t", _each(losses.bce_with_logits),
                             lambda a, t: math.fsum(_softplus(ak) - tk * ak for ak, tk in zip(a, t)),
                             lambda a, t: [_sigmoid(ak) - tk for ak, tk in zip(a, t)],
                             ("linear", "σ(z) − t")),
    "cross_entropy": _Loss("−log softmax(a)_y", "softmax(a) − t",
                           lambda a, t: losses.cross_entropy(a, t.index(1.0)),
                           lambda a, t: -math.log(_softmax(a)[t.index(1.0)]),
                           lambda a, t: [p - tk for p, tk in zip(_softmax(a), t)],
                           ("linear", "softmax(z) − t")),
    "hinge": _Loss("Σ_k max(0, 1 − t_k·a_k)", "−t ⊙ [t ⊙ a < 1]", _each(losses.hinge),
                   lambda a, t: math.fsum(max(0.0, 1.0 - tk * ak) for ak, tk in zip(a, t)),
                   lambda a, t: [-tk if tk * ak < 1.0 else 0.0 for ak, tk in zip(a, t)]),
}

# f′(z) of each activation, written in a (or z) and computed from them
_SLOPES: dict[str, tuple[str, Callable[[float, float], float]]] = {
    "sigmoid": ("a ⊙ (1 − a)", lambda z, a: a * (1.0 - a)),
    "tanh": ("1 − a ⊙ a", lambda z, a: 1.0 - a * a),
    "relu": ("[z > 0]", lambda z, a: 1.0 if z > 0.0 else 0.0),
    "linear": ("1", lambda z, a: 1.0),
}
_ACTIVATIONS: dict[str, Callable[[float], float]] = {  # f(z), for checking a printed line
    "sigmoid": _sigmoid, "tanh": math.tanh, "relu": lambda z: max(z, 0.0), "linear": lambda z: z}


# -- the numbers -------------------------------------------------------------------------------
@dataclass
class LayerNumbers:
    """One layer's numbers: the activations and errors with a row per example (CS231n's way of
    holding a batch), the parameters with a row per neuron (nn's: ``W[j][i]`` is neuron j's weight
    on input i). ``engine_*`` are the engine's: m·∂J/∂z (so δ per example), ∂J/∂W and ∂J/∂b."""

    number: int
    activation: str
    W: Matrix  # n × n_in
    b: list[float]
    a_in: Matrix  # m × n_in: the layer's input aˡ⁻¹
    z: Matrix  # m × n
    a: Matrix  # m × n
    slope: Matrix  # f′(z)
    back: Matrix  # ∂Jᵢ/∂a: the loss's derivative (output layer) or (Wˡ⁺¹ᵀ·δˡ⁺¹)ᵀ (hidden)
    delta: Matrix  # δ = ∂Jᵢ/∂z
    dW: Matrix  # ∂J/∂W = (1/m)·Σᵢ δᵢ·aᵢᵀ, n × n_in
    db: list[float]  # ∂J/∂b = (1/m)·Σᵢ δᵢ
    engine_delta: Matrix = field(repr=False)
    engine_dW: Matrix = field(repr=False)
    engine_db: list[float] = field(repr=False)
    z_nodes: list[list[Value]] = field(repr=False)  # the engine's zˡ, [example][neuron]


@dataclass
class NetworkEquations:
    """What ``network_equations`` computed: each layer's numbers by the equations and by the
    engine; J and the examples' Jᵢ as the engine's nodes; ∂J/∂(J₁…Jₘ) and ∂(J₁…Jₘ)/∂θ by
    ``trace.jacobian`` (θ: ``model.parameters()``) next to the engine's ∂J/∂θ."""

    model: MLP
    loss: str
    X: Matrix  # m × n₀
    T: Matrix  # m × n_L (one-hot rows for cross-entropy)
    J: Value
    example_losses: list[Value]
    layers: list[LayerNumbers]
    mean_row: list[float]
    example_jacobian: Matrix
    engine_grads: list[float]

    @property
    def m(self) -> int:
        return len(self.X)

    @property
    def batch_mean(self) -> list[float]:
        """∂J/∂θ as the Jacobian product ∂J/∂(J₁…Jₘ) · ∂(J₁…Jₘ)/∂θ."""
        return [math.fsum(r * g for r, g in zip(self.mean_row, col)) for col in zip(*self.example_jacobian)]


def _transpose(A: Matrix) -> Matrix:
    return [list(col) for col in zip(*A)]


def _matmul(A: Matrix, B: Matrix) -> Matrix:
    columns = _transpose(B)
    return [[math.fsum(x * y for x, y in zip(row, col)) for col in columns] for row in A]


def _elementwise(f: Callable[..., float], *matrices: Matrix) -> Matrix:
    return [[f(*xs) for xs in zip(*rows)] for rows in zip(*matrices)]


def network_equations(model: MLP, X: Sequence, targets: object, loss: str | Callable) -> NetworkEquations:
    """The layer equations' numbers for ``model`` on one example ``X`` (a list of numbers) or a
    batch (a list of such lists), with ``targets`` as ``loss`` takes them: a number per output
    (a list of them), or a class index for cross-entropy; a list of those for a batch. ``loss``
    is a name in ``LOSSES`` or the function of ``tinygrad_edu.losses``. Pure: no ``.grad`` changes."""
    name = _loss_name(loss)
    if not isinstance(model, MLP):
        raise TypeError(f"network_equations(model): an nn.MLP, got {type(model).__name__}: {model!r:.80}")
    rows, batch = _inputs(X, len(model.layers[0].neurons[0].w))
    T = _targets(targets, batch, len(rows), len(model.layers[-1].neurons), name)
    m, rule = len(rows), LOSSES[name]
    z_nodes: list[list[list[Value]]] = [[] for _ in model.layers]  # [layer][example][neuron]
    a_nodes: list[list[list[Value]]] = [[] for _ in model.layers]
    example_losses = []
    for x, t in zip(rows, T):  # the engine: each example's forward pass and Jᵢ
        inputs: list = x
        for l, layer in enumerate(model.layers):
            outputs = layer.outputs(inputs)
            linear = layer.neurons[0].activation == "linear"
            z_nodes[l].append(outputs if linear else [o.parents[0] for o in outputs])
            a_nodes[l].append(outputs)
            inputs = outputs
        example_losses.append(rule.build(inputs, t))
    J = example_losses[0] if m == 1 else engine.sum(example_losses) / m  # J = (1/m)·Σᵢ Jᵢ
    grads = gradients(J)
    layers: list[LayerNumbers] = []
    for l in reversed(range(len(model.layers))):  # the equations, from the output layer back
        neurons = model.layers[l].neurons
        act = neurons[0].activation
        W = [[w.data for w in n.w] for n in neurons]
        z = [[v.data for v in ex] for ex in z_nodes[l]]
        a = [[v.data for v in ex] for ex in a_nodes[l]]
        slope = _elementwise(_SLOPES[act][1], z, a)
        if not layers:  # the output layer: the loss's derivative
            back = [rule.gradient(ar, t) for ar, t in zip(a, T)]
            if act == "sigmoid" and rule.collapse == ("sigmoid", "a − t"):
                delta = _elementwise(lambda ak, tk: ak - tk, a, T)  # σ′ cancels: exactly a − t
            else:
                delta = _elementwise(lambda g, s: g * s, back, slope)
        else:
            back = _matmul(layers[0].delta, layers[0].W)  # row i: (Wˡ⁺¹ᵀ·δˡ⁺¹ᵢ)ᵀ
            delta = _elementwise(lambda g, s: g * s, back, slope)
        a_in = rows if l == 0 else [[v.data for v in ex] for ex in a_nodes[l - 1]]
        layers.insert(0, LayerNumbers(
            l + 1, act, W, [n.b.data for n in neurons], a_in, z, a, slope, back, delta,
            [[v / m for v in row] for row in _matmul(_transpose(delta), a_in)],
            [math.fsum(col) / m for col in zip(*delta)],
            [[m * grads.get(v, 0.0) for v in ex] for ex in z_nodes[l]],
            [[grads.get(w, 0.0) for w in n.w] for n in neurons],
            [grads.get(n.b, 0.0) for n in neurons], z_nodes[l]))
    params = model.parameters()
    return NetworkEquations(model, name, rows, T, J, example_losses, layers, jacobian(J, example_losses)[0],
                            jacobian(example_losses, params), [grads.get(p, 0.0) for p in params])


def _loss_name(loss: object) -> str:
    for name in LOSSES:
        if loss == name or loss is getattr(losses, name):
            return name
    raise ValueError(f"explain_network: loss must be one of {', '.join(LOSSES)} (a name, or the function "
                     f"of tinygrad_edu.losses), got {loss!r:.80}")


def _real(x: object, what: str) -> float:
    number = real(x, f"explain_network: {what}", "a finite number")
    if not math.isfinite(number):
        raise TypeError(f"explain_network: {what} must be a finite number, got {x!r}")
    return number


def _inputs(X: object, nin: int) -> tuple[Matrix, bool]:
    """X as a list of example rows, and whether it was a batch."""
    if not isinstance(X, (list, tuple)) or not X:
        raise TypeError(f"explain_network: X must be a list of {nin} numbers (one example) or a non-empty "
                        f"list of such lists (a batch), got {type(X).__name__}: {X!r:.80}")
    batch = isinstance(X[0], (list, tuple))
    rows = list(X) if batch else [X]
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or len(row) != nin:
            raise ValueError(f"explain_network: example {i} of X must be a list of {nin} numbers (the "
                             f"model's inputs), got {row!r:.80}")
    return [[_real(x, f"X[{i}][{j}]" if batch else f"X[{j}]") for j, x in enumerate(row)]
            for i, row in enumerate(rows)], batch


def _targets(targets: object, batch: bool, m: int, nout: int, loss: str) -> Matrix:
    """The targets as rows of numbers, one per example (a class index as a one-hot row)."""
    if batch:
        if not isinstance(targets, (list, tuple)) or len(targets) != m:
            raise ValueError(f"explain_network: a batch of {m} examples needs a list of {m} targets, "
                             f"got {targets!r:.80}")
        given = list(targets)
    else:
        given = [targets]
    rows = []
    for i, t in enumerate(given):
        if loss == "cross_entropy":
            if not (isinstance(t, int) and not isinstance(t, bool) and 0 <= t < nout):
                raise ValueError(f"explain_network: cross_entropy's target is a class index from 0 to "
                                 f"{nout - 1}, got {t!r:.80}")
            rows.append([1.0 if k == t else 0.0 for k in range(nout)])
            continue
        if nout == 1 and not isinstance(t, (list, tuple)):
            t = [t]
        if not isinstance(t, (list, tuple)) or len(t) != nout:
            raise ValueError(f"explain_network: each target must be a list of {nout} numbers (one per "
                             f"output), got {t!r:.80}")
        rows.append([_real(x, f"target {i}") for x in t])
    return rows


# -- the equations of a network, in a layout ----------------------------------------------------
_LOSS_NAMES = {"mse": "mean squared error", "log_loss": "log loss",
               "bce_with_logits": "log loss on the logit", "cross_entropy": "cross-entropy",
               "hinge": "hinge loss"}


def explain_network(model: MLP, X: Sequence, targets: object, loss: str | Callable, layout: str = "ng",
                    style: str = "text", lr: float | None = None) -> str:
    """The layer equations of ``model`` on ``X`` (one example, or a batch: a list of examples) and
    ``targets`` with ``loss``, each with the network's numbers and checked against the engine:

        δᴸ = ∂J/∂aᴸ ⊙ f′(zᴸ)     δˡ = (Wˡ⁺¹ᵀ·δˡ⁺¹) ⊙ f′(zˡ)     ∂J/∂Wˡ = δˡ·aˡ⁻¹ᵀ     ∂J/∂bˡ = δˡ

    and, with a learning rate ``lr``, the update Wˡ ← Wˡ − α·∂J/∂Wˡ (written down only: no
    parameter changes). ``layout``: "ng" (Andrew Ng's Θˡ = [bˡ | Wˡ], a row per neuron, the bias
    in column 0; vectors are columns) or "cs231n" (z = a·W + b, a column of W per neuron; vectors
    are rows). A batch's matrices have a column (ng) or a row (cs231n) per example, and its
    gradients are the mean over the examples. ``style``: "text", "markdown" or "latex". Matrices
    bigger than 8×8 are shown by their shape and corners. Each check line says ✓ or ✗ FAILED;
    the last line counts them. Pure: no ``.grad`` or ``.data`` changes.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"explain_network: layout must be 'ng' or 'cs231n', got {layout!r:.80}")
    if style not in ("text", "markdown", "latex"):
        raise ValueError(f"explain_network: style must be 'text', 'markdown' or 'latex', got {style!r:.80}")
    if lr is not None:
        lr = _real(lr, "the learning rate lr")
        if lr <= 0:
            raise ValueError(f"explain_network: the learning rate lr must be positive, got {lr!r}")
    eq = network_equations(model, X, targets, loss)
    page = Page()
    (_write_ng if layout == "ng" else _write_cs231n)(eq, page, lr)
    return page.write(style)


def _write_ng(eq: NetworkEquations, page: Page, lr: float | None) -> None:
    """Andrew Ng's layout: aˡ = f(Θˡ·[1; aˡ⁻¹]), a column per example."""
    m, L = eq.m, len(eq.layers)
    mean = "(1/m)·" if m > 1 else ""
    Theta = [[[b, *w] for b, w in zip(layer.b, layer.W)] for layer in eq.layers]
    ones = [[1.0] * m]
    _heading(eq, page, "Andrew Ng's layout: $Θ^l = [b^l | W^l]$ has a row per neuron and the bias in "
             "column 0; " + ("vectors are columns" if m == 1 else "a column per example"), lr)
    for layer, P in zip(eq.layers, Theta):
        page.equation([f"Θ^{layer.number}"], [P])
    x, t = _transpose(eq.X), _transpose(eq.T)
    page.equation(["a^0 = x"], [x])
    page.equation(["t"], [t])
    page.heading("Forward pass:")
    for layer, P in zip(eq.layers, Theta):
        l = layer.number
        a_in, z, a = _transpose(layer.a_in), _transpose(layer.z), _transpose(layer.a)
        page.equation([f"z^{l} = Θ^{l}·[1; a^{l - 1}]"], [z])
        page.relation(lambda P, a_in: _matmul(P, ones + a_in), (P, a_in), z)
        page.equation([f"a^{l} = {layer.activation}(z^{l})"], [a])
        page.relation(lambda z, f=_ACTIVATIONS[layer.activation]: _elementwise(f, z), (z,), a)
    _loss_line(eq, page, lambda M: _transpose(M))
    page.heading("Backward pass, from the output layer back:")
    for k in reversed(range(L)):
        layer, l = eq.layers[k], eq.layers[k].number
        delta = _transpose(layer.delta)
        if k == L - 1:
            _output_error(eq, page, _transpose)
        else:
            above = eq.layers[k + 1]
            back = _transpose(layer.back)
            page.equation([f"W^{l + 1}ᵀ·δ^{l + 1}"], [back])
            page.note(f"($W^{l + 1}$ is $Θ^{l + 1}$ without its bias column)")
            page.relation(lambda P, d: _matmul(_transpose([row[1:] for row in P]), d),
                          (Theta[k + 1], _transpose(above.delta)), back)
            _slope(page, layer, _transpose)
            slope = _transpose(layer.slope)
            page.equation([f"δ^{l} = (W^{l + 1}ᵀ·δ^{l + 1}) ⊙ f′(z^{l})"], [back, "⊙", slope], [delta])
            page.relation(lambda g, s: _elementwise(lambda x, y: x * y, g, s), (back, slope), delta)
            page.check(f"δ^{l} = {f'{m}·' if m > 1 else ''}∂J/∂z^{l}", layer.engine_delta, layer.delta)
        grad = [[b, *w] for b, w in zip(layer.db, layer.dW)]
        page.equation([f"∂J/∂Θ^{l} = {mean}δ^{l}·[1; a^{l - 1}]ᵀ"], [grad])
        page.relation(lambda d, a_in: [[v / m for v in row] for row in _matmul(d, _transpose(ones + a_in))],
                      (delta, _transpose(layer.a_in)), grad)
        page.check(f"∂J/∂Θ^{l}", [[b, *w] for b, w in zip(layer.engine_db, layer.engine_dW)], grad)
        page.note(f"($∂J/∂b^{l}$ = {'' if m == 1 else 'the mean of the columns of '}$δ^{l}$: column 0)")
        if lr is not None:
            new = [[p - lr * g for p, g in zip(prow, grow)] for prow, grow in zip(Theta[k], grad)]
            page.equation([f"Θ^{l} ← Θ^{l} − α·∂J/∂Θ^{l}"], [new])
            page.relation(lambda P, G: [[p - lr * g for p, g in zip(pr, gr)] for pr, gr in zip(P, G)],
                          (Theta[k], grad), new)
    _batch_mean(eq, page)


def _write_cs231n(eq: NetworkEquations, page: Page, lr: float | None) -> None:
    """CS231n's layout: aˡ = f(aˡ⁻¹·Wˡ + bˡ), a row per example."""
    m, L = eq.m, len(eq.layers)
    mean = "(1/m)·" if m > 1 else ""
    Ws = [_transpose(layer.W) for layer in eq.layers]
    _heading(eq, page, "CS231n's layout: $z = a·W + b$, $W^l$ has a column per neuron; "
             + ("vectors are rows" if m == 1 else "a row per example"), lr)
    for layer, W in zip(eq.layers, Ws):
        page.equation([f"W^{layer.number}"], [W])
        page.equation([f"b^{layer.number}"], [[layer.b]])
    page.equation(["a^0 = x"], [eq.X])
    page.equation(["t"], [eq.T])
    page.heading("Forward pass:")
    for layer, W in zip(eq.layers, Ws):
        l = layer.number
        page.equation([f"z^{l} = a^{l - 1}·W^{l} + b^{l}"], [layer.z])
        page.relation(lambda a_in, W, b: [[v + bk for v, bk in zip(row, b[0])] for row in _matmul(a_in, W)],
                      (layer.a_in, W, [layer.b]), layer.z)
        page.equation([f"a^{l} = {layer.activation}(z^{l})"], [layer.a])
        page.relation(lambda z, f=_ACTIVATIONS[layer.activation]: _elementwise(f, z), (layer.z,), layer.a)
    _loss_line(eq, page, lambda M: M)
    page.heading("Backward pass, from the output layer back:")
    for k in reversed(range(L)):
        layer, l = eq.layers[k], eq.layers[k].number
        if k == L - 1:
            _output_error(eq, page, lambda M: M)
        else:
            page.equation([f"δ^{l + 1}·W^{l + 1}ᵀ"], [layer.back])
            page.relation(lambda d, W: _matmul(d, _transpose(W)), (eq.layers[k + 1].delta, Ws[k + 1]),
                          layer.back)
            _slope(page, layer, lambda M: M)
            page.equation([f"δ^{l} = (δ^{l + 1}·W^{l + 1}ᵀ) ⊙ f′(z^{l})"], [layer.back, "⊙", layer.slope],
                          [layer.delta])
            page.relation(lambda g, s: _elementwise(lambda x, y: x * y, g, s), (layer.back, layer.slope),
                          layer.delta)
            page.check(f"δ^{l} = {f'{m}·' if m > 1 else ''}∂J/∂z^{l}", layer.engine_delta, layer.delta)
        dW = _transpose(layer.dW)
        page.equation([f"∂J/∂W^{l} = {mean}a^{l - 1}ᵀ·δ^{l}"], [dW])
        page.relation(lambda a_in, d: [[v / m for v in row] for row in _matmul(_transpose(a_in), d)],
                      (layer.a_in, layer.delta), dW)
        page.check(f"∂J/∂W^{l}", _transpose(layer.engine_dW), dW)
        page.equation([f"∂J/∂b^{l} = {mean}Σ_i δ^{l}_i" if m > 1 else f"∂J/∂b^{l} = δ^{l}"], [[layer.db]])
        page.relation(lambda d: [[math.fsum(col) / m for col in zip(*d)]], (layer.delta,), [layer.db])
        page.check(f"∂J/∂b^{l}", layer.engine_db, layer.db)
        if lr is not None:
            for name, P, G in ((f"W^{l}", Ws[k], dW), (f"b^{l}", [layer.b], [layer.db])):
                new = [[p - lr * g for p, g in zip(pr, gr)] for pr, gr in zip(P, G)]
                page.equation([f"{name} ← {name} − α·∂J/∂{name}"], [new])
                page.relation(lambda P, G: [[p - lr * g for p, g in zip(pr, gr)] for pr, gr in zip(P, G)],
                              (P, G), new)
    _batch_mean(eq, page)


def _heading(eq: NetworkEquations, page: Page, layout: str, lr: float | None) -> None:
    examples = "one example" if eq.m == 1 else f"a batch of m = {eq.m} examples"
    page.heading(f"The layer equations of {eq.model!r} on {examples}, {_LOSS_NAMES[eq.loss]}.")
    page.note(f"{layout}.")
    rate = "." if lr is None else f"; the updates use the learning rate $α$ = {lr:g}."
    page.note("$δ^l = ∂J_i/∂z^l$ is one example's error" + rate)


def _loss_line(eq: NetworkEquations, page: Page, orient: Callable[[Matrix], Matrix]) -> None:
    rule, L = LOSSES[eq.loss], len(eq.layers)
    formula = rule.formula.replace("a_k", f"a^{L}_k").replace("softmax(a)", f"softmax(a^{L})")
    if eq.m == 1:
        page.equation([f"J = {formula}"], [eq.J.data])
    else:
        page.note(f"${eq.m}$ examples, each with its loss $J_i = {formula}$:")
        page.equation(["J = (1/m)·Σ_i J_i"], [eq.J.data])
    page.relation(lambda a, t: math.fsum(rule.value(ar, tr) for ar, tr in zip(orient(a), orient(t))) / eq.m,
                  (orient(eq.layers[-1].a), orient(eq.T)), eq.J.data)


def _output_error(eq: NetworkEquations, page: Page, orient: Callable[[Matrix], Matrix]) -> None:
    layer, rule = eq.layers[-1], LOSSES[eq.loss]
    l, act = layer.number, layer.activation
    a, t, delta = orient(layer.a), orient(eq.T), orient(layer.delta)
    if rule.collapse is not None and rule.collapse[0] == act:
        formula = rule.collapse[1].replace("z", f"z^{l}").replace("a", f"a^{l}", 1)
        why = {"sigmoid": "$f′(z) = a ⊙ (1 − a)$ cancels the log loss's $1/(a ⊙ (1 − a))$",
               "linear": "a linear output, $f′(z) = 1$"}[act]
        if act == "sigmoid":
            page.equation([f"δ^{l} = {formula}"], [a, "−", t], [delta])
            page.relation(lambda a, t: _elementwise(lambda x, y: x - y, a, t), (a, t), delta)
        else:
            p = orient([rule.gradient(zr, [0.0] * len(zr)) for zr in layer.z])  # σ(z) or softmax(z)
            page.equation([f"δ^{l} = {formula}"], [p, "−", t], [delta])
            page.relation(lambda z: orient([rule.gradient(zr, [0.0] * len(zr)) for zr in orient(z)]),
                          (orient(layer.z),), p)
            page.relation(lambda p, t: _elementwise(lambda x, y: x - y, p, t), (p, t), delta)
        page.note(f"(the general $δ^{l} = ∂J_i/∂a^{l} ⊙ f′(z^{l})$ collapses: {why})")
    else:
        back = orient(layer.back)
        page.equation([f"∂J_i/∂a^{l} = {rule.derivative.replace('a', f'a^{l}')}"], [back])
        page.relation(lambda a, t: orient([rule.gradient(ar, tr) for ar, tr in zip(orient(a), orient(t))]),
                      (a, t), back)
        if act == "linear":
            page.equation([f"δ^{l} = ∂J_i/∂a^{l}"], [delta])
            page.note("(a linear output: $f′(z) = 1$)")
        else:
            _slope(page, layer, orient)
            slope = orient(layer.slope)
            page.equation([f"δ^{l} = ∂J_i/∂a^{l} ⊙ f′(z^{l})"], [back, "⊙", slope], [delta])
            page.relation(lambda g, s: _elementwise(lambda x, y: x * y, g, s), (back, slope), delta)
    page.check(f"δ^{l} = {f'{eq.m}·' if eq.m > 1 else ''}∂J/∂z^{l}", layer.engine_delta, layer.delta)


def _slope(page: Page, layer: LayerNumbers, orient: Callable[[Matrix], Matrix]) -> None:
    l, act = layer.number, layer.activation
    formula = _SLOPES[act][0].replace("a", f"a^{l}").replace("z", f"z^{l}")
    slope = orient(layer.slope)
    page.equation([f"f′(z^{l}) = {formula}"], [slope])
    rule = _SLOPES[act][1]
    page.relation(lambda z, a: _elementwise(rule, z, a), (orient(layer.z), orient(layer.a)), slope)


def _batch_mean(eq: NetworkEquations, page: Page) -> None:
    if eq.m == 1:
        return
    m, P = eq.m, len(eq.engine_grads)
    page.heading("The mean over the batch as a Jacobian product:")
    page.equation(["∂J/∂(J_1 … J_m)"], [[eq.mean_row]])
    page.note(f"(by trace.jacobian: $J = (1/m)·Σ_i J_i$, each example weighs 1/{m})")
    page.note(f"$∂J/∂θ = ∂J/∂(J_1 … J_m)·∂(J_1 … J_m)/∂θ$ for all {P} parameters $θ$, with the ${m}×{P}$")
    page.note("Jacobian of the examples' losses (by trace.jacobian: one reverse pass per example)")
    page.check("∂J/∂θ = ∂J/∂(J_1 … J_m)·∂(J_1 … J_m)/∂θ", eq.engine_grads, eq.batch_mean)


# -- asked back: the layer equations as questions ------------------------------------------------
def layer_questions(model: MLP, X: Sequence, targets: object, loss: str | Callable,
                    layout: str = "ng") -> list[Question]:
    """Questions at the level of layers, from the output layer back, each checked by the engine
    (``exercises``: a number, within its tolerance): for each layer l, how many rows and columns
    δˡ and ∂J/∂Θˡ (Ng's layout) or ∂J/∂Wˡ (CS231n's) have, and the first neuron's entry of δˡ for
    the first example (m·∂J/∂zˡ from the engine's backward pass)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layer_questions: layout must be 'ng' or 'cs231n', got {layout!r:.80}")
    eq = network_equations(model, X, targets, loss)
    exercise = Exercise(eq.J)
    m, ng = eq.m, layout == "ng"
    where = "Ng's layout: a column per example" if ng else "CS231n's layout: a row per example"
    asked: list[Question] = []

    def shape(name: str, rows: int, columns: int, topic: str, hint: str, context: str) -> None:
        for what, n in (("rows", rows), ("columns", columns)):
            asked.append(exercise.ask(f"the number of {what} of {name}", _always(float(n)),
                                      topic=topic, hint=hint, context=context,
                                      solution=f"{name} is {rows}×{columns}: {hint}"))

    for layer in reversed(eq.layers):
        l, n, n_in = layer.number, len(layer.W), len(layer.W[0])
        d, grad = text_math(f"δ^{l}"), text_math(f"∂J/∂Θ^{l}" if ng else f"∂J/∂W^{l}")
        context = f"layer {l} has {n} neurons and {n_in} inputs; the batch has {m} example{'s' * (m > 1)}"
        shape(d, *((n, m) if ng else (m, n)), f"the shape of δˡ ({'Ng' if ng else 'CS231n'})",
              f"δˡ holds one error per neuron and example ({where})", context)
        shape(grad, *((n, n_in + 1) if ng else (n_in, n)), f"the shape of {'∂J/∂Θˡ' if ng else '∂J/∂Wˡ'}",
              "a row per neuron and a column per input, the bias in column 0" if ng else
              "a row per input and a column per neuron, like W", context)
        node = layer.z_nodes[0][0]
        asked.append(exercise.ask(
            f"{d}₁" + (" of example 1" if m > 1 else ""), _error(node, m),
            kind="grad", topic="an entry of δˡ", context=_entry_context(eq, layer),
            hint=_entry_hint(eq, layer),
            solution=f"{d}₁ = {number(layer.delta[0][0], exact=True)}"))
    return asked


def _always(n: float) -> Callable[[Point], float]:
    """A question's truth that is the same at every point: a shape."""
    return lambda point: n


def _error(z: Value, m: int) -> Callable[[Point], float]:
    """δ = m·∂J/∂z at a point: one example's error, from the engine's gradient of the batch's mean."""
    return lambda point: m * point.grad(z)


def _entry_context(eq: NetworkEquations, layer: LayerNumbers) -> str:
    l = layer.number
    shown = [f"a{text_math(f'^{l}')}₁ = {number(layer.a[0][0], exact=True)}",
             f"z{text_math(f'^{l}')}₁ = {number(layer.z[0][0], exact=True)}"]
    if layer is eq.layers[-1]:
        shown.append(f"t₁ = {number(eq.T[0][0], exact=True)}")
    else:
        above = eq.layers[l]  # layer l + 1
        gathered = ", ".join(f"{number(w[0], exact=True)}·{number(d, exact=True)}"
                             for w, d in zip(above.W, above.delta[0]))
        shown.append(f"the weights out of neuron 1 times δ{text_math(f'^{l + 1}')}: {gathered}")
    return ", ".join(shown)


def _entry_hint(eq: NetworkEquations, layer: LayerNumbers) -> str:
    slope = text_math(_SLOPES[layer.activation][0])
    if layer is eq.layers[-1]:
        rule = LOSSES[eq.loss]
        if rule.collapse is not None and rule.collapse[0] == layer.activation:
            return f"δᴸ = {text_math(rule.collapse[1])}: the activation's slope cancels"
        return f"δᴸ = ∂Jᵢ/∂a ⊙ f′(z), with ∂Jᵢ/∂a = {text_math(rule.derivative)} and f′(z) = {slope}"
    return (f"δˡ = (Wˡ⁺¹ᵀ·δˡ⁺¹) ⊙ f′(zˡ): the errors above gathered back along the weights, "
            f"times f′(z) = {slope}")


def example(sizes: Sequence[int], activation: str = "sigmoid", loss: str = "log_loss", batch: int = 1,
            seed: int = 0, output_activation: str | None = None) -> tuple[MLP, list, object]:
    """A small network and data to explain: ``MLP(sizes[0], sizes[1:])`` with biases drawn too
    (nn starts them at 0), inputs uniform in [0, 1), and targets ``loss`` takes (0/1 for the log
    losses and mse, ±1 for hinge, a class index for cross-entropy); one example (batch 1) or a
    list of ``batch``. The output activation defaults to what the loss expects: sigmoid for log
    loss, linear otherwise."""
    name = _loss_name(loss)
    out = output_activation or ("sigmoid" if name == "log_loss" else "linear")
    model = MLP(sizes[0], list(sizes[1:]), activation=activation, output_activation=out, seed=seed)
    rng = random.Random(seed)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.b.data = round(rng.uniform(-0.5, 0.5), 2)
    nout = sizes[-1]

    def target() -> object:
        if name == "cross_entropy":
            return rng.randrange(nout)
        if name == "hinge":
            return [rng.choice((-1.0, 1.0)) for _ in range(nout)]
        return [float(rng.random() < 0.5) for _ in range(nout)]

    X = [[round(rng.uniform(0, 1), 2) for _ in range(sizes[0])] for _ in range(batch)]
    T = [target() for _ in range(batch)]
    return (model, X[0], T[0]) if batch == 1 else (model, X, T)
