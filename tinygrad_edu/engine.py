"""The engine: a scalar ``Value`` that remembers how it was made, and ``backward()``.

Every op does two things in the forward pass, side by side:

    the value                 out = f(x₁, ..., xₙ)
    the local derivatives     ∂out/∂x₁, ..., ∂out/∂xₙ

and records its inputs. ``backward()`` is then nothing but the chain rule,

    ∂L/∂xᵢ += ∂out/∂xᵢ · ∂L/∂out

applied to every edge once, from the output back to the leaves.

An op may have any number of inputs. Besides the unary and binary ops (``a + b``, ``a.tanh()``)
there are ``sum(values)``, ``dot(w, x)`` and ``linear(x, w, b)``: a neuron's pre-activation

    y = b + Σᵢ wᵢ·xᵢ        ∂y/∂wᵢ = xᵢ,   ∂y/∂xᵢ = wᵢ,   ∂y/∂b = 1

is one node, where a chain of ``*`` and ``+`` makes 2n of them.

Why it is fast: fewer, smaller objects. A node is one object with ``__slots__`` (no ``__dict__``,
no closure, so no reference cycles: Python's cycle collector scans one object where micrograd
makes about seven); a unary or binary op keeps its inputs in two slots instead of a tuple, and
an n-ary one keeps two tuples. Each node knows its ``depth`` (1 + the deepest input), so
``backward()`` orders the graph level by level in one pass, with no recursion and no sort.
(``python -m benchmarks`` measures it against micrograd and PyTorch.)
"""

from __future__ import annotations

import builtins
import itertools
import math
import numbers
import operator
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

# sum is left out on purpose: ``from tinygrad_edu.engine import *`` must not hide Python's sum.
__all__ = ["Value", "no_grad", "is_grad_enabled", "dot", "linear"]


# -- no_grad -------------------------------------------------------------------------
# Each thread / async task has its own switch (a ContextVar). Ops read the switch only
# while some no_grad() block is open anywhere, so the common path pays one global load.
_grad_enabled: ContextVar[bool] = ContextVar("tinygrad_edu_grad_enabled", default=True)
_open_no_grad_blocks = 0
_blocks_lock = threading.Lock()


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops compute values but record no inputs (nothing to backprop).

    Use it for inference and plotting: ``with no_grad(): score = model(x)``.
    """
    global _open_no_grad_blocks
    token = _grad_enabled.set(False)
    with _blocks_lock:
        _open_no_grad_blocks += 1
    try:
        yield
    finally:
        with _blocks_lock:
            _open_no_grad_blocks -= 1
        _grad_enabled.reset(token)


def is_grad_enabled() -> bool:
    """False inside a ``no_grad()`` block (in this thread), True otherwise."""
    return _grad_enabled.get()


# -- checking user input ---------------------------------------------------------------
def _as_float(x: object, what: str) -> float:
    """A real number as a float, or a TypeError that names the type."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}: {x!r}")


def _domain_error(op: str, message: str) -> ValueError:
    return ValueError(f"{op}: {message}")


class Value:
    """One scalar in a computation graph.

    ``data``   the number                      ``grad``   ∂L/∂self after ``L.backward()``
    ``op``     the op that made it ("" = leaf)  ``label``  a name for pictures and explanations
    ``parents``      the op's inputs            ``local_grads``  ∂self/∂parent, one per parent
    """

    # _a, _b: a unary or binary op's inputs (None when absent); _da, _db: ∂self/∂_a, ∂self/∂_b.
    # (An n-ary op is a _ManyInputs, whose two tuples take the place of these four.)
    # _visit: which backward() call last met this node.
    __slots__ = ("data", "grad", "label", "op", "depth", "_a", "_b", "_da", "_db", "_visit")

    def __init__(self, data: float, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data must be a real number, got a Value (use it directly)")
        self.data = _as_float(data, "Value(data)")
        self.grad = 0.0
        if not isinstance(label, str):
            raise TypeError(f"Value(label=...) must be a str, got {type(label).__name__}")
        self.label = label
        self.op = ""
        self.depth = 0
        self._a = self._b = None
        self._da = self._db = 0.0
        self._visit = None

    # -- the graph, as the rest of the library (and micrograd code) sees it ------------
    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this Value (empty for a leaf)."""
        if self._a is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, computed in the forward pass."""
        if self._a is None:
            return ()
        return (self._da,) if self._b is None else (self._da, self._db)

    @property
    def is_leaf(self) -> bool:
        return not self.op

    @property
    def is_constant(self) -> bool:
        """True for a number an op wrapped (the 2 in ``x * 2``), not a leaf the user made."""
        return False

    # micrograd's names, so code from the lecture runs unchanged.
    @property
    def _prev(self) -> set[Value]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    def _backward(self) -> None:
        """One chain-rule step, by hand: pass this node's grad to its inputs."""
        for parent, local in zip(self.parents, self.local_grads):
            parent.grad += local * self.grad

    # -- arithmetic: value and local derivatives side by side ---------------------------
    def __add__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "+")
        return _node(self.data + other.data, "+", self, 1.0, other, 1.0)  # ∂(a+b)/∂a = ∂(a+b)/∂b = 1

    def __radd__(self, other: float) -> Value:  # 2 + a, and Python's sum() starting at 0
        return _constant(other, "+") + self

    def __sub__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "-")
        return _node(self.data - other.data, "-", self, 1.0, other, -1.0)  # ∂(a−b)/∂b = −1

    def __rsub__(self, other: float) -> Value:
        return _constant(other, "-") - self

    def __mul__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "*")
        return _node(self.data * other.data, "*", self, other.data, other, self.data)  # ∂(ab)/∂a = b

    def __rmul__(self, other: float) -> Value:
        return _constant(other, "*") * self

    def __truediv__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise _domain_error("/", f"division by zero ({a!r} / 0.0)")
        # ∂(a/b)/∂b = −a/b², as (a/b)/b: b·b would underflow to 0 for a tiny b (PyTorch's order too)
        return _node(a / b, "/", self, 1.0 / b, other, -(a / b) / b)

    def __rtruediv__(self, other: float) -> Value:
        return _constant(other, "/") / self

    def __neg__(self) -> Value:
        return _node(-self.data, "neg", self, -1.0)  # ∂(−a)/∂a = −1

    def __pos__(self) -> Value:
        return self

    def __pow__(self, exponent: Value | float) -> Value:
        """a ** n:  ∂/∂a = n·a^(n−1);  with a Value exponent also ∂/∂n = a^n · ln a."""
        a = self.data
        if isinstance(exponent, Value):
            n = exponent.data
            out = _power(a, n)
            if a > 0.0:
                dn = out * math.log(a)
            elif a == 0.0 and n >= 0.0:
                dn = 0.0  # the limit of a^n·ln a as a → 0⁺, as PyTorch does
            else:
                raise _domain_error(
                    "**", f"{a!r} ** Value: a base <= 0 has no real derivative with respect to "
                    "the exponent; use a number as the exponent")
            return _node(out, "**", self, _power_grad(a, n), exponent, dn)
        n = _as_float(exponent, "the exponent of **")
        return _node(_power(a, n), "**", self, _power_grad(a, n), _constant(n, "**"))

    def __rpow__(self, base: float) -> Value:  # 2 ** v
        return _constant(base, "**") ** self

    # -- functions ----------------------------------------------------------------------
    def exp(self) -> Value:
        """d eˣ/dx = eˣ"""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp: overflow, exp({self.data!r}) is beyond the largest float") from None
        return _node(e, "exp", self, e)

    def log(self) -> Value:
        """d ln x/dx = 1/x   (x > 0)"""
        x = self.data
        if x <= 0.0:
            raise _domain_error("log", f"log of {x!r} is undefined; log needs a positive number")
        return _node(math.log(x), "log", self, 1.0 / x)

    def tanh(self) -> Value:
        """d tanh(x)/dx = 1 − tanh(x)²"""
        t = math.tanh(self.data)
        return _node(t, "tanh", self, 1.0 - t * t)

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ);  dσ/dx = σ(x)·(1 − σ(x))"""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # e⁻ˣ would overflow for very negative x; the same σ written with eˣ does not
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, "sigmoid", self, s * (1.0 - s))

    def relu(self) -> Value:
        """relu(x) = max(0, x);  d relu/dx = 1 if x > 0 else 0"""
        x = self.data
        return _node(x, "relu", self, 1.0) if x > 0.0 else _node(0.0, "relu", self, 0.0)

    # -- backward: the chain rule ---------------------------------------------------------
    def backward(self, gradient: float = 1.0) -> None:
        """Fill ``grad`` of every Value this one depends on:  ∂L/∂p += ∂node/∂p · ∂L/∂node.

        Gradients of intermediate nodes start from 0 on every call; leaves accumulate
        (as in PyTorch: call ``zero_grad()`` between training steps).

        A node is deeper than each of its inputs, so walking the graph one depth level at
        a time, deepest first, finishes every user of a node before the node itself: its
        grad is complete when its turn comes. Inputs are found as we go (one pass, no
        recursion, no sort); ``topological_order`` lists the same order.
        """
        gradient = _as_float(gradient, "backward(gradient)")
        if not self.op:  # a leaf on its own: ∂self/∂self = 1
            self.grad += gradient
            return
        self.grad = gradient
        levels: list[list[Value]] = [[] for _ in range(self.depth + 1)]  # levels[d]: depth-d nodes met
        levels[self.depth].append(self)
        visit = object()  # marks the nodes met in this call
        self._visit = visit
        for level in reversed(levels):
            for node in level:
                g = node.grad  # ∂L/∂node, complete: every user of node is done
                a = node._a
                if a is None:  # n-ary: the inputs and their local derivatives in two tuples
                    local_grads = node._locals
                    # g = 0 (a dead ReLU's neuron, say): every d·0 is 0, skip the products
                    # (unless some d is ±inf or nan: then d·0 is nan, as in PyTorch)
                    live = g != 0.0 or not math.isfinite(_add_up(local_grads))
                    for p, d in zip(node._inputs, local_grads):
                        if p._visit is not visit:  # first meeting: reset an op's grad, schedule it
                            p._visit = visit
                            if p.op:
                                p.grad = 0.0
                                levels[p.depth].append(p)
                        if live:
                            p.grad += d * g  # the chain rule
                    continue
                if a._visit is not visit:  # unary or binary: the same steps, inputs in two slots
                    a._visit = visit
                    if a.op:
                        a.grad = 0.0
                        levels[a.depth].append(a)
                a.grad += node._da * g  # the chain rule
                b = node._b
                if b is None:
                    continue
                if b._visit is not visit:  # the same two steps for the second input
                    b._visit = visit
                    if b.op:
                        b.grad = 0.0
                        levels[b.depth].append(b)
                b.grad += node._db * g

    # -- plumbing -------------------------------------------------------------------------
    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """In Jupyter, a Value displays as the picture of its graph (as text when that cannot be drawn)."""
        from .viz import repr_mimebundle

        return repr_mimebundle(self)


class _Constant(Value):
    """A number an op wrapped as a Value (the 2 in ``x * 2``). Same layout, no extra memory."""

    __slots__ = ()

    @property
    def is_constant(self) -> bool:
        return True


class _ManyInputs(Value):
    """A Value made by an op with any number of inputs (``sum``, ``dot``, ``linear``): the inputs
    and their local derivatives in two tuples, where unary and binary ops use four slots."""

    __slots__ = ("_inputs", "_locals")

    @property
    def parents(self) -> tuple[Value, ...]:
        return self._inputs

    @property
    def local_grads(self) -> tuple[float, ...]:
        return self._locals


_new = object.__new__
_depth = operator.attrgetter("depth")


def _node(data: float, op: str, a: Value, da: float, b: Value | None = None, db: float = 0.0) -> Value:
    """A Value made by op from inputs a (and b), with ∂out/∂a = da (and ∂out/∂b = db)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    if _open_no_grad_blocks and not _grad_enabled.get():
        out.op = ""  # no_grad: a value with no history, like a leaf
        out.depth = 0
        out._a = out._b = None
        out._da = out._db = 0.0
        out._visit = None
        return out
    out._a = a
    out._da = da
    out._b = b
    out._db = db
    depth = a.depth if b is None or a.depth >= b.depth else b.depth
    out.depth = depth + 1
    out._visit = None
    return out


def _many(data: float, op: str, inputs: tuple, local_grads: tuple, depth: int | None = None) -> Value:
    """A Value made by op from any number of inputs, with ∂out/∂inputs[i] = local_grads[i];
    ``depth`` is the deepest input's, when the caller knows it."""
    if _open_no_grad_blocks and not _grad_enabled.get():
        return _node(data, "", None, 0.0)  # no_grad: a leaf
    out = _new(_ManyInputs)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out.depth = 1 + (max(map(_depth, inputs)) if depth is None else depth)
    out._a = out._b = None
    out._inputs = inputs
    out._locals = local_grads
    out._visit = None
    return out


def _constant(x: object, op: str) -> Value:
    """A number x that is an operand of op, wrapped as a constant Value."""
    c = _new(_Constant)
    c.data = _as_float(x, f"the operand of {op}")
    c.grad = 0.0
    c.label = ""
    c.op = ""
    c.depth = 0
    c._a = c._b = None
    c._da = c._db = 0.0
    c._visit = None
    return c


# -- ops with any number of inputs -------------------------------------------------------------
# Plain numbers among the inputs are constants: they are folded into the value and get no input
# slot (nothing to differentiate). The value is added up left to right, in the order a chain of
# + and * adds it, so both give the same float.
def sum(values: Iterable[Value | float]) -> Value:  # torch.sum; not in __all__ (see there)
    """y = Σᵢ vᵢ   with   ∂y/∂vᵢ = 1 for every i: one node, however many values."""
    values = _sequence(values, "sum", "values")
    if _all_values(values):
        return _many(_add_up([v.data for v in values]), "sum", values, (1.0,) * len(values))
    inputs, total = [], 0.0
    for i, v in enumerate(values):
        if isinstance(v, Value):
            inputs.append(v)
            total += v.data
        else:
            total += _operand(v, "sum", f"values[{i}]")
    return _many(total, "sum", _some(inputs, "sum", "values"), (1.0,) * len(inputs))


def dot(w: Sequence[Value | float], x: Sequence[Value | float]) -> Value:
    """y = Σᵢ wᵢ·xᵢ   with   ∂y/∂wᵢ = xᵢ,  ∂y/∂xᵢ = wᵢ   (torch.dot): one node for n products."""
    return _affine("dot", w, x, None)


def linear(x: Sequence[Value | float], w: Sequence[Value | float], b: Value | float) -> Value:
    """y = b + Σᵢ wᵢ·xᵢ   with   ∂y/∂wᵢ = xᵢ,  ∂y/∂xᵢ = wᵢ,  ∂y/∂b = 1.

    A neuron's pre-activation as one node (torch.nn.functional.linear, for one output). Its
    inputs are w₁..wₙ, then x₁..xₙ, then b: those of them that are Values.
    """
    return _affine("linear", w, x, b)


def _affine(op: str, w, x, b) -> Value:
    """b + Σᵢ wᵢ·xᵢ for dot (b None: no bias) and linear, any of the inputs a number."""
    w, x = _sequence(w, op, "w"), _sequence(x, op, "x")
    if len(w) != len(x):
        raise ValueError(f"{op}: w has {len(w)} entries and x has {len(x)}; they must be the same length")
    if (b is None or isinstance(b, Value)) and _all_values(w):
        if _all_values(x) or all(type(v) is float for v in x):
            return _linear_layer(op, x, [w], [b])[0]
    total = 0.0 if b is None else b.data if isinstance(b, Value) else _operand(b, op, "b")
    w_in, w_d, x_in, x_d = [], [], [], []
    for i, (wi, xi) in enumerate(zip(w, x)):
        wf = wi.data if isinstance(wi, Value) else _operand(wi, op, f"w[{i}]")
        xf = xi.data if isinstance(xi, Value) else _operand(xi, op, f"x[{i}]")
        total += wf * xf
        if isinstance(wi, Value):
            w_in.append(wi)
            w_d.append(xf)  # ∂y/∂wᵢ = xᵢ
        if isinstance(xi, Value):
            x_in.append(xi)
            x_d.append(wf)  # ∂y/∂xᵢ = wᵢ
    inputs, local_grads = [*w_in, *x_in], [*w_d, *x_d]
    if isinstance(b, Value):
        inputs.append(b)
        local_grads.append(1.0)  # ∂y/∂b = 1
    return _many(total, op, _some(inputs, op, "w, x and b"), tuple(local_grads))


def _linear_layer(op: str, x: Sequence, weights: Sequence[Sequence[Value]],
                  biases: Sequence[Value | None]) -> list[Value]:
    """``linear(x, w, b)`` for each row w of weights with its b (None: ``dot``): a layer's
    pre-activations, one node each. Unchecked, for speed: x is a list of Values or a list of
    floats (the data: constants, no slots), each w an equally long list of Values (nn.Layer
    checks its input once and made its parameters; linear and dot check theirs).

    A few C-level passes per neuron instead of a Python loop per input: x's data is read once
    for the whole layer, and the local derivatives are the data swapped (∂y/∂wᵢ = xᵢ, ∂y/∂xᵢ = wᵢ).
    """
    if isinstance(x[0], Value):
        xd = [v.data for v in x]
        depth = max(map(_depth, x))
    else:
        xd, x, depth = x, (), 0  # constants: they take no slot, and have no derivative
    # One depth for the layer's nodes, deeper than all of its inputs: enough for backward()'s
    # order, and one C-level pass over the parameters instead of one per neuron.
    depth = max(depth, max(map(_depth, itertools.chain.from_iterable(weights))),
                0 if biases[0] is None else max(map(_depth, biases)))
    out = []
    for w, b in zip(weights, biases):
        wd = [v.data for v in w]
        x_grads = wd if x else ()  # ∂y/∂xᵢ = wᵢ, for the xᵢ that are Values
        if b is None:
            out.append(_many(_add_up(map(operator.mul, wd, xd)), op, (*w, *x), (*xd, *x_grads), depth))
        else:
            out.append(_many(_add_up(map(operator.mul, wd, xd), b.data), op, (*w, *x, b),
                             (*xd, *x_grads, 1.0), depth))  # ... and ∂y/∂b = 1
    return out


_add_up = builtins.sum  # Python's sum: in this module the name is the op above


def _all_values(items: Sequence) -> bool:
    return all(map(isinstance, items, itertools.repeat(Value, len(items))))


def _sequence(items: object, op: str, name: str) -> tuple:
    """items as a non-empty tuple, or an error naming op and the argument."""
    if isinstance(items, (Value, str, bytes)) or not isinstance(items, Iterable):
        raise TypeError(f"{op}: {name} must be a list of Values or numbers, got {type(items).__name__}: "
                        f"{items!r}")
    items = tuple(items)
    if not items:
        raise ValueError(f"{op}: {name} is empty; it needs at least one Value or number")
    return items


def _operand(x: object, op: str, where: str) -> float:
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{op}: {where} must be a Value or a real number (int or float), "
                    f"got {type(x).__name__}: {x!r}")


def _some(inputs: list[Value], op: str, names: str) -> tuple[Value, ...]:
    if not inputs:
        raise ValueError(f"{op}: {names} are all numbers; there is nothing to differentiate "
                         "(compute it with plain Python)")
    return tuple(inputs)


def _power(a: float, n: float) -> float:
    if a == 0.0 and n < 0.0:
        raise _domain_error("**", f"0.0 ** {n!r} is a division by zero")
    if a < 0.0 and not n.is_integer():
        raise _domain_error("**", f"{a!r} ** {n!r}: a negative base needs an integer exponent")
    try:
        return a**n
    except OverflowError:
        raise OverflowError(f"**: overflow, {a!r} ** {n!r} is larger than the largest float") from None


def _power_grad(a: float, n: float) -> float:
    """∂(aⁿ)/∂a = n·aⁿ⁻¹ (0 when n = 0, even at a = 0)."""
    if n == 0.0:
        return 0.0
    try:
        return n * a ** (n - 1.0)
    except (ZeroDivisionError, OverflowError):
        # A vertical slope (√a at a = 0, 1/a at a = 1e-200): ±inf, as PyTorch gives, not a crash.
        odd_power_of_negative = a < 0.0 and (n - 1.0) % 2.0 == 1.0
        return -math.copysign(math.inf, n) if odd_power_of_negative else math.copysign(math.inf, n)


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from root in the order ``backward()`` meets them: by depth,
    deepest first, and within a depth in the order they were found (first input first).
    Each node comes before its inputs. Pure: it changes no grad.
    """
    levels: list[list[Value]] = [[] for _ in range(root.depth + 1)]
    levels[root.depth].append(root)
    seen = {root}
    for level in reversed(levels):
        for node in level:
            for parent in node.parents:
                if parent not in seen:
                    seen.add(parent)
                    levels[parent.depth].append(parent)
    return [node for level in reversed(levels) for node in level]
