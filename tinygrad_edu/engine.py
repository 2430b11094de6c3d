"""The engine: a scalar ``Value`` that remembers how it was made, and ``backward()``.

Every op does two things in the forward pass, side by side:

    the value                 out = f(x₁, ..., xₙ)
    the local derivatives     ∂out/∂x₁, ..., ∂out/∂xₙ

and records its inputs: ``_node(out, op, a, b, ∂out/∂a, ∂out/∂b)``, the inputs then their local
derivatives, one line per op (Karpathy's microgpt writes ``Value(out, (a, b), (da, db))``).
``backward()`` is then nothing but the chain rule,

    ∂L/∂xᵢ += ∂out/∂xᵢ · ∂L/∂out

applied to every edge once, from the output back to the leaves.

An op may have any number of inputs. Besides the unary and binary ops (``a + b``, ``a.tanh()``)
there are ``sum(values)``, ``dot(w, x)`` and ``linear(x, w, b)``: a neuron's pre-activation

    y = b + Σᵢ wᵢ·xᵢ        ∂y/∂wᵢ = xᵢ,   ∂y/∂xᵢ = wᵢ,   ∂y/∂b = 1

is one node, where a chain of ``*`` and ``+`` makes 2n of them.

What each op *is* besides its numbers (its symbol, formula, LaTeX, hint, name in the expression
language, whether nn offers it, how to recompute it from floats) is declared once, in ``OPS``
(``Op``), and every other module reads it from there. A node also says what each input is to its
op (``node.roles``: ("w", i), ("x", i), ("b", 0) for dot and linear, ("term", i) for sum) and which
numbers an n-ary op folded in (``node.constants``); ``arguments(node, inputs)`` puts them together
again, so ``OPS[node.op].replay(*arguments(node, [p.data for p in node.parents]))`` is
``node.data``. ``with scope("attention"):`` names every node made inside (``node.scope``).

The file reads top to bottom: ``Value`` and its ops, ``backward()``, how a node is made, the ops
with any number of inputs, the op table, ``no_grad`` and ``scope``, the checks of user input.

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
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, ContextDecorator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

# sum is left out on purpose: ``from tinygrad_edu.engine import *`` must not hide Python's sum.
__all__ = ["Value", "no_grad", "is_grad_enabled", "scope", "dot", "linear", "linear_layer",
           "constant", "real", "topological_order", "OPS", "Op", "arguments"]


class Value:
    """One scalar in a computation graph.

    ``data``   the number                      ``grad``   ∂L/∂self after ``L.backward()``
    ``op``     the op that made it ("" = leaf)  ``label``  a name for pictures and explanations
    ``parents``      the op's inputs            ``local_grads``  ∂self/∂parent, one per parent
    ``depth``  1 + the deepest parent's (0 for a leaf)   ``scope``  the scope it was made in

    ``Value(2.0, label="w")`` makes a leaf; ops make the other nodes.
    """

    # _a, _b: a unary or binary op's inputs (None when absent); _da, _db: ∂self/∂_a, ∂self/∂_b.
    # (An n-ary op is a _ManyInputs, whose two tuples take the place of these four.)
    # _visit: which backward() call last met this node.
    # _names: the label, or (label, scope) for a node made in a scope. They share a slot because ten
    # slots make a node 128 bytes with the collector's header, two cache lines: an eleventh slot made
    # every garbage collection of a big graph ~40% slower (measured on the chain benchmark).
    __slots__ = ("data", "grad", "op", "depth", "_a", "_b", "_da", "_db", "_visit", "_names")
    data: float
    grad: float
    op: str
    depth: int
    _a: Value | None
    _b: Value | None
    _da: float
    _db: float
    _visit: object
    _names: str | tuple[str, str]

    def __init__(self, data: float, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data must be a real number, got a Value (use it directly)")
        if not isinstance(label, str):
            raise TypeError(f"Value(label=...) must be a str, got {type(label).__name__}")
        _leaf(self, real(data, "Value(data)"))
        if label:
            self.label = label

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

    @property
    def roles(self) -> tuple[tuple[str, int], ...]:
        """What each input is to the op, one (role, index) per parent: ("a", 0), ("b", 0) for a
        binary op, ("u", 0) for a unary one (the letters of ``OPS[op].partials``); ("term", i) for
        ``sum``; ("w", i), ("x", i), ("b", 0) for ``dot`` and ``linear``. Empty for a leaf."""
        if not self.op:
            return ()
        return tuple((role, 0) for role in OPS[self.op].roles[:len(self.parents)])

    @property
    def constants(self) -> tuple[tuple[tuple[str, int], float], ...]:
        """The numbers an n-ary op folded into its value, that are not inputs: ((role, index),
        number) each, e.g. ((("x", 0), 2.0),) for ``dot([w], [2.0])``. Empty for every other op
        (a unary or binary op keeps a number as a constant parent: ``is_constant``)."""
        return ()

    @property
    def label(self) -> str:
        """A name for pictures and explanations ("" = none: they name the node by its expression)."""
        names = self._names
        return names if type(names) is str else names[0]

    @label.setter
    def label(self, text: str) -> None:
        names = self._names
        self._names = text if type(names) is str else (text, names[1])

    @property
    def scope(self) -> str:
        """The scope the node was made in ("block1/attention"), "" outside any: see ``scope()``."""
        names = self._names
        return "" if type(names) is str else names[1]

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
            other = constant(other, "+")
        return _node(self.data + other.data, "+", self, other, 1.0, 1.0)  # ∂(a+b)/∂a = ∂(a+b)/∂b = 1

    def __radd__(self, other: float) -> Value:  # 2 + a, and Python's sum() starting at 0
        return constant(other, "+") + self

    def __sub__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = constant(other, "-")
        return _node(self.data - other.data, "-", self, other, 1.0, -1.0)  # ∂(a−b)/∂b = −1

    def __rsub__(self, other: float) -> Value:
        return constant(other, "-") - self

    def __mul__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = constant(other, "*")
        return _node(self.data * other.data, "*", self, other, other.data, self.data)  # ∂(ab)/∂a = b

    def __rmul__(self, other: float) -> Value:
        return constant(other, "*") * self

    def __truediv__(self, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = constant(other, "/")
        a, b = self.data, other.data
        q = _divide(a, b)
        # ∂(a/b)/∂a = 1/b, kept as "divide by b" where 1/b overflows (b subnormal), so that
        # backward's ∂L/∂a = ∂L/∂q / b is finite where it is (PyTorch computes g/b too);
        # ∂(a/b)/∂b = −a/b², as (a/b)/b: b·b would underflow to 0 for a tiny b (PyTorch's order too)
        return _node(q, "/", self, other, _reciprocal(b), -q / b)

    def __rtruediv__(self, other: float) -> Value:
        return constant(other, "/") / self

    def __neg__(self) -> Value:
        return _node(-self.data, "neg", self, None, -1.0)  # ∂(−a)/∂a = −1

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
            return _node(out, "**", self, exponent, _power_grad(a, n), dn)
        n = real(exponent, "the exponent of **")
        return _node(_power(a, n), "**", self, constant(n, "**"), _power_grad(a, n), 0.0)

    def __rpow__(self, base: float) -> Value:  # 2 ** v
        return constant(base, "**") ** self

    # -- functions ----------------------------------------------------------------------
    def exp(self) -> Value:
        """d eˣ/dx = eˣ"""
        e = _exp(self.data)
        return _node(e, "exp", self, None, e)

    def log(self) -> Value:
        """d ln x/dx = 1/x   (x > 0)"""
        x = self.data
        return _node(_log(x), "log", self, None, 1.0 / x)

    def tanh(self) -> Value:
        """d tanh(x)/dx = 1 − tanh(x)²"""
        t = math.tanh(self.data)
        return _node(t, "tanh", self, None, 1.0 - t * t)

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ);  dσ/dx = σ(x)·(1 − σ(x))"""
        s = _sigmoid(self.data)
        return _node(s, "sigmoid", self, None, s * (1.0 - s))

    def relu(self) -> Value:
        """relu(x) = max(0, x);  d relu/dx = 1 if x > 0 else 0 (0 at x = 0; NaN stays NaN, with
        derivative 1, as in PyTorch)."""
        x = self.data
        if x <= 0.0:
            return _node(0.0, "relu", self, None, ZERO)  # an exact 0: ∞·0 is 0 here, as PyTorch's mask
        return _node(x, "relu", self, None, 1.0)

    # -- backward: the chain rule ---------------------------------------------------------
    def backward(self, gradient: float = 1.0) -> None:
        """Fill ``grad`` of every Value this one depends on:  ∂L/∂p += ∂node/∂p · ∂L/∂node.

        The specification, as a textbook (and micrograd) writes it:

            topo = topological_order(self)        # each node before its inputs
            for v in topo:
                if v.op: v.grad = 0.0             # ops start from 0; leaves accumulate
            self.grad = gradient
            for v in topo:                        # every user of v is done: v.grad is complete
                for p, d in zip(v.parents, v.local_grads):
                    p.grad += d * v.grad          # the chain rule, once per edge

        Gradients of intermediate nodes start from 0 on every call; leaves accumulate (as in
        PyTorch: call ``zero_grad()`` between training steps).

        The loop below computes exactly that, in one pass: a node is deeper than each of its
        inputs, so walking the graph one depth level at a time, deepest first, finishes every
        user of a node before the node itself. Each node is found when an edge first reaches it
        (the first meeting: start its grad from 0, put it on its level), so there is no separate
        topological sort, no recursion and no tuple per node. The first meeting is written out at
        each input slot (n-ary, a, b) rather than called: a call per node costs ~15% of
        backward() on the mlp benchmark (measured).
        """
        gradient = real(gradient, "backward(gradient)")
        if type(self) is _Detached:
            raise RuntimeError("backward(): this Value was computed inside no_grad(), so it remembers "
                               "no inputs to differentiate (PyTorch: element 0 of tensors does not "
                               "require grad); compute it outside no_grad() to get gradients")
        if not self.op:  # a leaf on its own: ∂self/∂self = 1
            self.grad += gradient
            return
        self.grad = gradient
        levels: list[list[Any]] = [[] for _ in range(self.depth + 1)]  # levels[d]: depth-d nodes met
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
                        if p._visit is not visit:  # the first meeting: an op's grad starts from 0,
                            p._visit = visit  # and it waits on its level
                            if p.op:
                                p.grad = 0.0
                                levels[p.depth].append(p)
                        if live:
                            p.grad += d * g  # the chain rule
                    continue
                # unary or binary: the same two steps, inputs in two slots (no tuple to build)
                if a._visit is not visit:  # the first meeting
                    a._visit = visit
                    if a.op:
                        a.grad = 0.0
                        levels[a.depth].append(a)
                a.grad += node._da * g  # the chain rule
                b = node._b
                if b is not None:
                    if b._visit is not visit:  # the first meeting
                        b._visit = visit
                        if b.op:
                            b.grad = 0.0
                            levels[b.depth].append(b)
                    b.grad += node._db * g

    # -- plumbing -------------------------------------------------------------------------
    def item(self) -> float:
        """The number (``data``), as ``tensor.item()``."""
        return self.data

    def __float__(self) -> float:
        # micrograd raises here too: float(v) and math.exp(v) would quietly drop the gradient
        raise TypeError("a Value is not a float: float(v) or a math function (math.exp(v)) would drop "
                        "its gradient; use the Value's own ops (v.exp(), v.log(), v.tanh(), v ** 0.5) to "
                        "keep it, or v.data (v.item()) for the number")

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats the number, as PyTorch's scalars do; ``f"{v}"`` is the repr."""
        return format(self.data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


class _Number(Value):
    """A number an op wrapped as a Value (the 2 in ``x * 2``). Same layout, no extra memory."""

    __slots__ = ()

    @property
    def is_constant(self) -> bool:
        return True


class _Detached(Value):
    """What an op makes inside ``no_grad()``: a leaf with its value and no history, which
    ``backward()`` refuses (there is nothing to differentiate)."""

    __slots__ = ()


class _ManyInputs(Value):
    """A Value made by an op with any number of inputs (``sum``, ``dot``, ``linear``): the inputs
    and their local derivatives in two tuples, where unary and binary ops use four slots."""

    # _layout: None when the inputs are the op's arguments in order, all Values (sum: the terms;
    # dot: w then x; linear: w, x, b); _X_NUMBERS when the x are numbers (kept as w's local
    # derivatives); else (roles, constants) as ``roles`` and ``constants`` give them.
    __slots__ = ("_inputs", "_locals", "_layout")
    _inputs: tuple[Value, ...]
    _locals: tuple[float, ...]
    _layout: object

    @property
    def parents(self) -> tuple[Value, ...]:
        return self._inputs

    @property
    def local_grads(self) -> tuple[float, ...]:
        return self._locals

    @property
    def roles(self) -> tuple[tuple[str, int], ...]:
        layout = self._layout
        if layout is None:
            return _plain_roles(self.op, len(self._inputs))
        if isinstance(layout, tuple):
            return layout[0]
        n = len(self._inputs) - (self.op == "linear")  # _X_NUMBERS: w (then b) are the inputs
        return (*(("w", i) for i in range(n)), *((("b", 0),) if self.op == "linear" else ()))

    @property
    def constants(self) -> tuple[tuple[tuple[str, int], float], ...]:
        layout = self._layout
        if layout is None:
            return ()
        if isinstance(layout, tuple):
            return layout[1]
        n = len(self._inputs) - (self.op == "linear")  # _X_NUMBERS: each xᵢ is wᵢ's local derivative
        return tuple((("x", i), self._locals[i]) for i in range(n))


# -- making a node ------------------------------------------------------------------------------
_new = object.__new__  # a node without __init__'s checks: the op checked its inputs
_depth = operator.attrgetter("depth")  # max(map(_depth, inputs)): the deepest input in one C-level pass


def _node(data: float, op: str, a: Value, b: Value | None, da: float, db: float = 0.0) -> Value:
    """The node ``op`` makes from inputs (a, b) with local derivatives (∂out/∂a, ∂out/∂b): every
    unary (b None) and binary op's node is made here. microgpt writes it
    ``Value(data, (a, b), (da, db))``; here the two pairs are four arguments, because building
    two tuples per op costs about 8% of a training step (measured), and backward reads the slots."""
    if _open_blocks:  # some no_grad() or scope() block is open (in some thread)
        enabled, names = _blocks_say.get()
        if not enabled:
            return _detached(data)
        out = _new(Value)
        out._names = names  # ("", scope): one tuple per scope block, none per node
    else:
        out = _new(Value)
        out._names = ""
    out.data = data
    out.grad = 0.0
    out.op = op
    out._a = a
    out._b = b
    out._da = da
    out._db = db
    depth = a.depth if b is None or a.depth >= b.depth else b.depth
    out.depth = depth + 1
    out._visit = None
    return out


def _many(data: float, op: str, inputs: tuple[Value, ...], local_grads: tuple[float, ...],
          depth: int | None = None, layout: object = None) -> Value:
    """The node of an op with any number of inputs: the same as ``_node``, with the inputs and
    local derivatives in two tuples. ``depth`` is the deepest input's, when the caller knows it;
    ``layout`` as ``_ManyInputs`` keeps it."""
    if _open_blocks:
        enabled, names = _blocks_say.get()
        if not enabled:
            return _detached(data)
        out = _new(_ManyInputs)
        out._names = names
    else:
        out = _new(_ManyInputs)
        out._names = ""
    out.data = data
    out.grad = 0.0
    out.op = op
    out._a = out._b = None
    out._inputs = inputs
    out._locals = local_grads
    out._layout = layout
    out.depth = 1 + (max(map(_depth, inputs)) if depth is None else depth)
    out._visit = None
    return out


def _leaf(out: Value, data: float) -> Value:
    """A leaf's fields: a Value the user made, a constant, or an op's value inside no_grad()."""
    out.data = data
    out.grad = 0.0
    out._names = _blocks_say.get()[1] if _open_blocks else ""
    out.op = ""
    out.depth = 0
    out._a = out._b = None
    out._da = out._db = 0.0
    out._visit = None
    return out


def _detached(data: float) -> Value:
    """An op's value inside no_grad(): a leaf with no history."""
    return _leaf(_new(_Detached), data)


def constant(x: object, op: str = "an op") -> Value:
    """The number x as a constant Value, as an op wraps it (the 2 in ``x * 2``): ``is_constant``,
    no gradient shown. ``op`` names the op in the TypeError when x is not a real number."""
    return _leaf(_new(_Number), x if type(x) is float else real(x, f"the operand of {op}"))


# -- ops with any number of inputs -------------------------------------------------------------
# Plain numbers among the inputs are constants: they are folded into the value and get no input
# slot (nothing to differentiate). The value is added up left to right, in the order a chain of
# + and * adds it, so both give the same float.
def sum(values: Iterable[Value | float]) -> Value:  # torch.sum; not in __all__ (see there)
    """y = Σᵢ vᵢ   with   ∂y/∂vᵢ = 1 for every i: one node, however many values."""
    values = _sequence(values, "sum", "values")
    if _all_values(values):
        return _many(_add_up([v.data for v in values]), "sum", values, (1.0,) * len(values))
    inputs, roles, constants, terms = [], [], [], []
    for i, v in enumerate(values):
        if isinstance(v, Value):
            inputs.append(v)
            roles.append(("term", i))
            terms.append(v.data)
        else:
            terms.append(real(v, f"sum: values[{i}]", _OPERAND))
            constants.append((("term", i), terms[-1]))
    return _many(_add_up(terms), "sum", _some(inputs, "sum", "values"), (1.0,) * len(inputs),
                 layout=(tuple(roles), tuple(constants)))


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
            return linear_layer(x, [w], [b], op)[0]
    bf = 0.0 if b is None else b.data if isinstance(b, Value) else real(b, f"{op}: b", _OPERAND)
    wfs, xfs = [], []
    w_in, w_d, x_in, x_d, w_roles, x_roles, constants = [], [], [], [], [], [], []
    for i, (wi, xi) in enumerate(zip(w, x)):
        wf = wi.data if isinstance(wi, Value) else real(wi, f"{op}: w[{i}]", _OPERAND)
        xf = xi.data if isinstance(xi, Value) else real(xi, f"{op}: x[{i}]", _OPERAND)
        wfs.append(wf)
        xfs.append(xf)
        if isinstance(wi, Value):
            w_in.append(wi)
            w_d.append(xf)  # ∂y/∂wᵢ = xᵢ
            w_roles.append(("w", i))
        else:
            constants.append((("w", i), wf))
        if isinstance(xi, Value):
            x_in.append(xi)
            x_d.append(wf)  # ∂y/∂xᵢ = wᵢ
            x_roles.append(("x", i))
        else:
            constants.append((("x", i), xf))
    inputs, local_grads, roles = [*w_in, *x_in], [*w_d, *x_d], [*w_roles, *x_roles]
    if isinstance(b, Value):
        inputs.append(b)
        local_grads.append(1.0)  # ∂y/∂b = 1
        roles.append(("b", 0))
    elif b is not None:
        constants.append((("b", 0), bf))
    return _many(_add_up(map(operator.mul, wfs, xfs), bf), op, _some(inputs, op, "w, x and b"),
                 tuple(local_grads), layout=(tuple(roles), tuple(constants)))


# The layout of a dot or linear node whose x are all numbers and whose w (and b) are all Values:
# its inputs are w (then b), and each xᵢ is wᵢ's local derivative (∂y/∂wᵢ = xᵢ): nothing to store.
_X_NUMBERS = "the x are numbers"


def linear_layer(x: Sequence[Any], weights: Sequence[Sequence[Value]], biases: Sequence[Value | None],
                 op: str = "linear") -> list[Value]:
    """``linear(x, w, b)`` for each row w of weights with its b (op "dot", b None: ``dot(w, x)``): a layer's
    pre-activations, one node each. Unchecked, for speed: x is a list of Values or a list of
    floats (the data: constants, no slots), each w an equally long list of Values (nn.Layer
    checks its input once and made its parameters; linear and dot check theirs).

    A few C-level passes per neuron instead of a Python loop per input: x's data is read once
    for the whole layer, and the local derivatives are the data swapped (∂y/∂wᵢ = xᵢ, ∂y/∂xᵢ = wᵢ).
    """
    xd: Sequence[float]
    if isinstance(x[0], Value):
        xd = [v.data for v in x]
        depth = max(map(_depth, x))
        layout = None
    else:
        xd, x, depth = x, (), 0  # constants: they take no slot, and have no derivative
        layout = _X_NUMBERS
    # One depth for the layer's nodes, deeper than all of its inputs: enough for backward()'s
    # order, and one C-level pass over the parameters instead of one per neuron.
    depth = max(depth, max(map(_depth, itertools.chain.from_iterable(weights))),
                0 if biases[0] is None else max(map(_depth, biases)))
    out = []
    for w, b in zip(weights, biases):
        wd = [v.data for v in w]
        x_grads = wd if x else ()  # ∂y/∂xᵢ = wᵢ, for the xᵢ that are Values
        if b is None:
            out.append(_many(_add_up(map(operator.mul, wd, xd)), op, (*w, *x), (*xd, *x_grads), depth,
                             layout))
        else:
            out.append(_many(_add_up(map(operator.mul, wd, xd), b.data), op, (*w, *x, b),
                             (*xd, *x_grads, 1.0), depth, layout))  # ... and ∂y/∂b = 1
    return out


def _plain_roles(op: str, count: int) -> tuple[tuple[str, int], ...]:
    """The roles of an n-ary node's ``count`` inputs when they are its arguments in order, all Values."""
    if op == "sum":
        return tuple(("term", i) for i in range(count))
    n = count // 2  # dot: w then x; linear: w, x, then b
    return (*(("w", i) for i in range(n)), *(("x", i) for i in range(n)), *((("b", 0),) if count % 2 else ()))


_add_up = builtins.sum  # Python's sum: in this module the name is the op above


def _all_values(items: Sequence) -> bool:
    return all(map(isinstance, items, itertools.repeat(Value, len(items))))  # one C-level pass, no generator


def _sequence(items: object, op: str, name: str) -> tuple:
    """items as a non-empty tuple, or an error naming op and the argument."""
    if isinstance(items, (Value, str, bytes)) or not isinstance(items, Iterable):
        raise TypeError(f"{op}: {name} must be a list of Values or numbers, got {type(items).__name__}: "
                        f"{items!r}")
    items = tuple(items)
    if not items:
        raise ValueError(f"{op}: {name} is empty; it needs at least one Value or number")
    return items
# -- the ops' numbers on floats: each op's value (and the derivatives that need care) ------------
def _divide(a: float, b: float) -> float:
    if b == 0.0:
        raise _domain_error("/", f"division by zero ({a!r} / 0.0)")
    return a / b


class _Reciprocal(float):
    """∂(a/b)/∂a = 1/b for a b so small (subnormal) that 1/b overflows: the float is ±inf, but
    multiplied by a gradient g it divides, g/b, which is finite wherever the true product is (as
    PyTorch computes ∂L/∂a = g/b). Only such divisions make one; every other 1/b is a plain float."""

    __slots__ = ("b",)
    b: float

    def __new__(cls, b: float) -> _Reciprocal:
        self = super().__new__(cls, math.copysign(math.inf, b))
        self.b = b
        return self

    def __mul__(self, g: object) -> float:
        return g / self.b if isinstance(g, (int, float)) else float.__mul__(self, g)  # type: ignore[operator]

    __rmul__ = __mul__


def _reciprocal(b: float) -> float:
    r = 1.0 / b
    return _Reciprocal(b) if r in (math.inf, -math.inf) else r


class _ExactZero(float):
    """A local derivative that is 0 by selection, not by arithmetic (relu where x ≤ 0, ∂(aⁿ)/∂a at
    n = 0): 0 times any gradient, ±inf and NaN included, is 0, as PyTorch's masks give (a plain
    0·inf is NaN). A float 0.0 everywhere else."""

    __slots__ = ()

    def __mul__(self, g: object) -> float:
        return 0.0 if isinstance(g, (int, float)) else float.__mul__(self, g)  # type: ignore[operator]

    __rmul__ = __mul__


ZERO = _ExactZero(0.0)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp: overflow, exp({x!r}) is beyond the largest float") from None


def _log(x: float) -> float:
    if x <= 0.0:
        raise _domain_error("log", f"log of {x!r} is undefined; log needs a positive number")
    return math.log(x)


def _sigmoid(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # e⁻ˣ would overflow for very negative x; the same σ written with eˣ does not
    return e / (1.0 + e)


def _relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # NaN stays NaN, as in PyTorch


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
    """∂(aⁿ)/∂a = n·aⁿ⁻¹ (an exact 0 when n = 0, even at a = 0)."""
    if n == 0.0:
        return ZERO
    try:
        return n * a ** (n - 1.0)
    except (ZeroDivisionError, OverflowError):
        # A vertical slope (√a at a = 0, 1/a at a = 1e-200): ±inf, as PyTorch gives, not a crash.
        odd_power_of_negative = a < 0.0 and (n - 1.0) % 2.0 == 1.0
        return -math.copysign(math.inf, n) if odd_power_of_negative else math.copysign(math.inf, n)


def _sum_data(terms: Sequence[float]) -> float:
    return _add_up(terms)


def _dot_data(w: Sequence[float], x: Sequence[float]) -> float:
    return _add_up(map(operator.mul, w, x))


def _linear_data(x: Sequence[float], w: Sequence[float], b: float) -> float:
    return _add_up(map(operator.mul, w, x), b)


# -- the op table: what each op is, for everything that shows, asks or recomputes it ------------
@dataclass(frozen=True)
class Op:
    r"""One op, declared once: everything the library says about it besides its value and local
    derivatives (those are its method or function above). ``OPS[node.op]`` finds a node's.

    ``name``         ``Value.op`` ("*", "tanh", "linear")
    ``arity``        how many inputs: 1, 2, or None for any (sum, dot, linear)
    ``symbol``       how a picture writes it: "+", "·", "tanh", "Σ", "w·x + b"
    ``text``         the node's formula in the expression language, str.format style in its inputs:
                     "{0}*{1}", "tanh({0})"; an n-ary op's formula in its roles: "w·x + b" (``write``)
    ``latex``        the same in LaTeX math: r"{0} \cdot {1}", r"\tanh({0})"
    ``roles``        what the letters of ``partials`` stand for, one per entry: ("a", "b"), ("u",);
                     ("term",) for sum; ("w", "x", "b") for linear (``Value.roles`` gives each input's)
    ``partials``     each local derivative written in terms of the op, one per role:
                     ("∂(a·b)/∂a", "∂(a·b)/∂b"), ("∂tanh(u)/∂u",), ("∂(w·x + b)/∂wᵢ", ...)
    ``derivatives``  what each of them is, in the same letters: ("b", "a"), ("1 − tanh(u)²",)
    ``rule``         the hint, in words: "d tanh(u)/du = 1 − tanh(u)²: one minus the node's value squared"
    ``expr_name``    its name in the expression language (``expr.parse``): "tanh", "*"; None if none
    ``activation``   whether ``nn`` offers it as a neuron's activation
    ``apply``        the engine's function that makes the node: ``operator.mul``, ``Value.tanh``,
                     ``linear`` (called as ``apply(*arguments(node, inputs))``)
    ``replay``       the same on floats, the op's value from its inputs' values: the quiz's moved
                     points use it, and a test checks it gives the engine's value for every op
    """

    name: str
    arity: int | None
    symbol: str
    text: str
    latex: str
    roles: tuple[str, ...]
    partials: tuple[str, ...]
    derivatives: tuple[str, ...]
    rule: str
    expr_name: str | None
    activation: bool
    apply: Callable[..., Value]
    replay: Callable[..., float]

    def write(self, operands: Sequence[str], latex: bool = False) -> str:
        """The node's formula with its inputs written as ``operands``: "v1*w", "tanh(v3)"; a sum
        "a + b + c"; dot and linear by their formula ("w·x + b"), whatever the operands."""
        if self.name == "sum":
            return " + ".join(operands)
        if self.arity is None:
            return self.latex if latex else self.text
        return (self.latex if latex else self.text).format(*operands)

    def edge_rule(self, role: str) -> str:
        """The local derivative of the input with this role: "∂(a·b)/∂a = b"."""
        k = self.roles.index(role)
        return f"{self.partials[k]} = {self.derivatives[k]}"


OPS: dict[str, Op] = {op.name: op for op in (
    Op("+", 2, "+", "{0} + {1}", "{0} + {1}", ("a", "b"), ("∂(a + b)/∂a", "∂(a + b)/∂b"), ("1", "1"),
       "∂(a + b)/∂a = 1 and ∂(a + b)/∂b = 1: a sum passes the gradient on unchanged",
       "+", False, operator.add, operator.add),
    Op("-", 2, "−", "{0} - {1}", "{0} - {1}", ("a", "b"), ("∂(a − b)/∂a", "∂(a − b)/∂b"), ("1", "−1"),
       "∂(a − b)/∂a = 1 and ∂(a − b)/∂b = −1", "-", False, operator.sub, operator.sub),
    Op("*", 2, "·", "{0}*{1}", r"{0} \cdot {1}", ("a", "b"), ("∂(a·b)/∂a", "∂(a·b)/∂b"), ("b", "a"),
       "∂(a·b)/∂a = b and ∂(a·b)/∂b = a: the local derivative of a product is the other factor",
       "*", False, operator.mul, operator.mul),
    Op("/", 2, "/", "{0}/{1}", r"\frac{{{0}}}{{{1}}}", ("a", "b"), ("∂(a/b)/∂a", "∂(a/b)/∂b"),
       ("1/b", "−a/b²"), "∂(a/b)/∂a = 1/b and ∂(a/b)/∂b = −a/b²", "/", False, operator.truediv,
       _divide),
    Op("**", 2, "**", "{0}**{1}", "{0}^{{{1}}}", ("a", "n"), ("∂(aⁿ)/∂a", "∂(aⁿ)/∂n"), ("n·aⁿ⁻¹", "aⁿ·ln a"),
       "∂(aⁿ)/∂a = n·aⁿ⁻¹ and ∂(aⁿ)/∂n = aⁿ·ln a", "**", False, operator.pow, _power),
    Op("neg", 1, "−", "-{0}", "-{0}", ("u",), ("∂(−u)/∂u",), ("−1",), "∂(−u)/∂u = −1", "-", False,
       operator.neg, operator.neg),
    Op("exp", 1, "exp", "exp({0})", r"\exp({0})", ("u",), ("∂eᵘ/∂u",), ("eᵘ",),
       "d eᵘ/du = eᵘ: the node's own value", "exp", False, Value.exp, _exp),
    Op("log", 1, "log", "log({0})", r"\log({0})", ("u",), ("∂ln u/∂u",), ("1/u",), "d ln u/du = 1/u",
       "log", False, Value.log, _log),
    Op("tanh", 1, "tanh", "tanh({0})", r"\tanh({0})", ("u",), ("∂tanh(u)/∂u",), ("1 − tanh(u)²",),
       "d tanh(u)/du = 1 − tanh(u)²: one minus the node's value squared", "tanh", True, Value.tanh,
       math.tanh),
    Op("sigmoid", 1, "sigmoid", "sigmoid({0})", r"\sigma({0})", ("u",), ("∂σ(u)/∂u",), ("σ(u)·(1 − σ(u))",),
       "dσ(u)/du = σ(u)·(1 − σ(u)), with σ(u) the node's value", "sigmoid", True, Value.sigmoid, _sigmoid),
    Op("relu", 1, "relu", "relu({0})", r"\operatorname{{relu}}({0})", ("u",), ("∂relu(u)/∂u",),
       ("1 if u > 0, else 0",), "d relu(u)/du = 1 where u > 0, and 0 where u ≤ 0", "relu", True,
       Value.relu, _relu),
    Op("sum", None, "Σ", "v₁ + … + vₙ", r"v_1 + \dots + v_n", ("term",), ("∂(v₁ + … + vₙ)/∂vᵢ",), ("1",),
       "∂(v₁ + … + vₙ)/∂vᵢ = 1: a sum passes the gradient on unchanged", None, False, sum, _sum_data),
    Op("dot", None, "w·x", "w·x", r"w \cdot x", ("w", "x"), ("∂(w·x)/∂wᵢ", "∂(w·x)/∂xᵢ"), ("xᵢ", "wᵢ"),
       "∂(Σ wᵢ·xᵢ)/∂wᵢ = xᵢ and ∂(Σ wᵢ·xᵢ)/∂xᵢ = wᵢ: the other factor of its product", None, False,
       dot, _dot_data),
    Op("linear", None, "w·x + b", "w·x + b", r"w \cdot x + b", ("w", "x", "b"),
       ("∂(w·x + b)/∂wᵢ", "∂(w·x + b)/∂xᵢ", "∂(w·x + b)/∂b"), ("xᵢ", "wᵢ", "1"),
       "∂(b + Σ wᵢ·xᵢ)/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ (the other factor of its product) and ∂/∂b = 1", None, False,
       linear, _linear_data),
)}


def arguments(node: Value, inputs: Sequence) -> tuple:
    """The arguments that make ``node``'s op again from new ``inputs`` (one per parent, in
    ``node.parents`` order: Values or numbers), with the numbers an n-ary op folded in put back
    where they were (``node.constants``): ``(a, b)`` for a binary op, ``([v₁, …, vₙ],)`` for sum,
    ``(w, x)`` for dot and ``(x, w, b)`` for linear. So nothing has to guess how a node was made:

        OPS[node.op].replay(*arguments(node, [p.data for p in node.parents])) == node.data
        OPS[node.op].apply(*arguments(node, new_inputs))     # the node at other inputs, as a Value
    """
    if node.op not in ("sum", "dot", "linear"):
        return tuple(inputs)
    slots = dict(zip(node.roles, inputs))
    slots.update(node.constants)
    if node.op == "sum":
        return ([slots[("term", i)] for i in range(len(slots))],)
    n = (len(slots) - (node.op == "linear")) // 2
    w, x = [slots[("w", i)] for i in range(n)], [slots[("x", i)] for i in range(n)]
    return (w, x) if node.op == "dot" else (x, w, slots[("b", 0)])


# -- no_grad and scope ------------------------------------------------------------------
# Each thread / async task has its own switch and scope: what its open blocks say, (grad enabled,
# a new node's _names: "" outside any scope, ("", scope) inside one, shared by the nodes made there).
# One ContextVar for both, read only while some block is open anywhere (the common path pays one
# global load): inside a chain layer's scope a second read cost ~5% of the forward pass (measured).
_blocks_say: ContextVar[tuple[bool, str | tuple[str, str]]] = ContextVar("tinygrad_edu_blocks",
                                                                         default=(True, ""))
_open_blocks: list[None] = []  # one entry per no_grad() or scope() block open, in any thread
# (a list: append and pop are atomic, so no lock)


class _Block(ContextDecorator):
    """For the block: grad off (name None) or new nodes in the scope ``name``, nested in the scope
    open where it is entered; counted as open. A class, built once per layer by nn, rather than
    @contextmanager: a layer's block per call must cost less than naming its nodes one by one."""

    __slots__ = ("_name", "_alone", "_tokens")

    def __init__(self, name: str | None) -> None:
        self._name = name
        self._alone = None if name is None else ("", name)  # its _names outside any scope, made once
        self._tokens: list[Token] = []  # one per entry: the same block may be entered inside itself

    def _recreate_cm(self) -> _Block:  # as a decorator: a fresh block per call (re-entrant)
        return _Block(self._name)

    def __enter__(self) -> None:
        enabled, names = _blocks_say.get()
        if self._name is None:
            enabled = False
        else:
            names = ("", f"{names[1]}/{self._name}") if names else self._alone  # type: ignore[assignment]
        self._tokens.append(_blocks_say.set((enabled, names)))
        _open_blocks.append(None)

    def __exit__(self, *exc: object) -> None:
        _open_blocks.pop()
        _blocks_say.reset(self._tokens.pop())


def no_grad() -> AbstractContextManager[None]:
    """Inside this block ops compute values but record no inputs (nothing to backprop; calling
    ``backward()`` on such a value is an error). Use it for inference and plotting:
    ``with no_grad(): score = model(x)``.
    """
    return _Block(None)


def is_grad_enabled() -> bool:
    """False inside a ``no_grad()`` block (in this thread), True otherwise."""
    return _blocks_say.get()[0]


def scope(name: str) -> AbstractContextManager[None]:
    """Every Value made inside this block (leaves and ops) has ``node.scope == name``; scopes nest,
    ``with scope("block1"): with scope("attention"): ...`` gives "block1/attention" (as TensorBoard's
    name scopes), nested where the block is entered: a scope made once (as nn's layers keep theirs)
    may be entered anywhere, again and again. Outside any scope ``node.scope`` is "". It costs
    nothing while no scope is open, and one read per node while one is.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"scope(name): name must be a non-empty str without '/', got {name!r}")
    return _Block(name)


# -- checking user input -----------------------------------------------------------------
_REAL = "a real number (int or float)"
_OPERAND = "a Value or a real number (int or float)"


def real(x: object, what: str, expected: str = _REAL) -> float:
    """x as a float when it is a real number (int, float, Fraction, a NumPy scalar; not a bool),
    else a TypeError naming ``what`` and what it got: "lr must be a real number (int or float),
    got str: '0.1'". The one number check of the library: NaN and ±inf pass (refuse them where
    they cannot be meant); a ValueError for a number no float holds (an int such as 10**400)."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{what} must be {expected} that a float holds (|x| < 1.8e308); this "
                             f"{type(x).__name__} is beyond it") from None
    raise TypeError(f"{what} must be {expected}, got {type(x).__name__}: {x!r}")


def _domain_error(op: str, message: str) -> ValueError:
    return ValueError(f"{op}: {message}")


def _some(inputs: list[Value], op: str, names: str) -> tuple[Value, ...]:
    if not inputs:
        raise ValueError(f"{op}: {names} are all numbers; there is nothing to differentiate "
                         "(compute it with plain Python)")
    return tuple(inputs)


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
