"""The engine: a scalar ``Value`` that remembers how it was made, and ``backward()``.

Every op does two things in the forward pass, side by side:

    the value                 out = f(a, b)
    the local derivatives     ∂out/∂a, ∂out/∂b

and records its inputs. ``backward()`` is then nothing but the chain rule,

    ∂L/∂a += ∂out/∂a · ∂L/∂out

applied to every node once, from the output back to the leaves.

Why it is fast: a node is one object with ``__slots__`` (no ``__dict__``, no
closure, so no reference cycles and one object for Python's cycle collector to
scan, where micrograd makes about seven), its inputs live in two slots instead
of a tuple, and each node knows its ``depth`` (1 + the deepest input), so
``backward()`` orders the graph level by level in one pass, with no recursion
and no sort. (``python -m benchmarks`` measures it against micrograd and PyTorch.)
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Value", "no_grad", "is_grad_enabled"]


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

    # _a, _b: the inputs (None when absent); _da, _db: ∂self/∂_a, ∂self/∂_b;
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
        return self._a is None

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
        if self._a is None:  # a leaf on its own: ∂self/∂self = 1
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
                if a._visit is not visit:  # first meeting: reset an op's grad, schedule it
                    a._visit = visit
                    if a._a is not None:
                        a.grad = 0.0
                        levels[a.depth].append(a)
                a.grad += node._da * g  # the chain rule
                b = node._b
                if b is None:
                    continue
                if b._visit is not visit:  # the same two steps for the second input
                    b._visit = visit
                    if b._a is not None:
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
        """In Jupyter, a Value displays as the picture of its graph (when Graphviz is there)."""
        from .viz import repr_mimebundle

        return repr_mimebundle(self)


class _Constant(Value):
    """A number an op wrapped as a Value (the 2 in ``x * 2``). Same layout, no extra memory."""

    __slots__ = ()

    @property
    def is_constant(self) -> bool:
        return True


_new = object.__new__


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
