"""Gradient checking: is backprop right? Compare it with a derivative measured by nudging inputs.

``backward()`` computes ∂L/∂x exactly, by the chain rule. A *numerical* derivative needs no chain
rule at all: nudge x a little both ways and watch L,

    f'(x) ≈ (f(x + h) − f(x − h)) / 2h

This is the *central difference*. By Taylor's theorem,
f(x ± h) = f(x) ± h·f'(x) + h²/2·f''(x) ± h³/6·f'''(x) + ..., so the f(x) and h² terms cancel
and the error is h²/6·f'''(x): O(h²). (The one-sided (f(x + h) − f(x)) / h is only O(h).) A smaller h
shrinks that error but magnifies float round-off, about 1e-16·|f| / h; h = 1e-6 balances the two, so
analytic and numeric gradients of a smooth function agree to about 1e-8.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> result = gradcheck(lambda: (a * b).tanh(), [a, b])
    >>> bool(result)
    True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .engine import Value, is_grad_enabled, no_grad, topological_order

__all__ = ["GradcheckResult", "gradcheck", "numerical_grad"]


def numerical_grad(f: Callable[..., Value], inputs: Value | Iterable[Value],
                   eps: float = 1e-6) -> list[float]:
    """∂f/∂x for each input x by central differences: (f(x + eps) − f(x − eps)) / (2·eps).

    ``f`` rebuilds the graph from the input Values each time it is called, so changing ``x.data``
    changes what it returns: it takes no arguments and reads them (``lambda: (a * b).tanh()``), or
    takes one argument per input and is given them, as PyTorch calls it
    (``lambda x, y: (x * y).tanh()``). Each input's ``data`` is restored afterwards, even if ``f``
    raises. ``f`` runs under ``no_grad()``: nudged graphs are never backpropagated, so they need not
    remember their inputs.
    """
    inputs = _check_inputs("numerical_grad", inputs)
    if not (isinstance(eps, (int, float)) and 0.0 < eps < float("inf")):
        raise ValueError(f"numerical_grad: eps must be a positive finite number, got {eps!r}")
    grads = []
    with no_grad():
        for x in inputs:
            x0 = x.data
            try:
                x.data = x0 + eps
                above = _call(f, "numerical_grad", inputs).data
                x.data = x0 - eps
                below = _call(f, "numerical_grad", inputs).data
            finally:
                x.data = x0
            grads.append((above - below) / (2.0 * eps))
    return grads


def gradcheck(
    f: Callable[..., Value],
    inputs: Value | Iterable[Value],
    eps: float = 1e-6,
    rtol: float = 1e-4,
    atol: float = 1e-6,
) -> GradcheckResult:
    """Compare backprop's ∂f/∂x with the central-difference estimate, for each input x.

    The analytic gradients come from ``f().backward()`` with the inputs' grads first set to 0; the
    numeric ones from ``numerical_grad(f, inputs, eps)``. An input passes when
    ``|analytic − numeric| <= atol + rtol·|numeric|`` (PyTorch's ``allclose``); the result is truthy
    when every input passes.

    Like ``torch.autograd.gradcheck``, this is only a check: afterwards every grad in f's graph (the
    inputs' included) and every input's data are what they were before the call.
    """
    inputs = _check_inputs("gradcheck", inputs)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(tol, (int, float)) and 0.0 <= tol < float("inf")):
            raise ValueError(f"gradcheck: {name} must be a non-negative finite number, got {tol!r}")
    if not is_grad_enabled():
        raise RuntimeError("gradcheck: gradients are off (inside no_grad()); call it outside the block")
    out = _call(f, "gradcheck", inputs)
    saved = {node: node.grad for node in [*topological_order(out), *inputs]}
    try:
        for x in inputs:
            x.grad = 0.0
        out.backward()
        analytic = [x.grad for x in inputs]
    finally:
        for node, grad in saved.items():
            node.grad = grad
    numeric = numerical_grad(f, inputs, eps)
    labels = [x.label or f"inputs[{i}]" for i, x in enumerate(inputs)]
    return GradcheckResult(analytic, numeric, labels, rtol, atol)


@dataclass
class GradcheckResult:
    """Analytic (backprop) and numeric (central-difference) gradients, one per input, in input order.

    ``max_abs_error`` is the largest |analytic − numeric|; ``max_rel_error`` the largest
    |analytic − numeric| / max(|analytic|, |numeric|) (0 where both are 0). ``ok``: every input within
    ``atol + rtol·|numeric|``. ``bool(result)`` is ``ok``; ``print(result)`` shows a table.
    """

    analytic: list[float]
    numeric: list[float]
    labels: list[str]
    rtol: float
    atol: float
    max_abs_error: float = field(init=False)
    max_rel_error: float = field(init=False)
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        pairs = list(zip(self.analytic, self.numeric))
        self.max_abs_error = max((abs(a - n) for a, n in pairs), default=0.0)
        self.max_rel_error = max((abs(a - n) / max(abs(a), abs(n)) for a, n in pairs if a or n), default=0.0)
        self.ok = all(self._within_tolerance(a, n) for a, n in pairs)

    def _within_tolerance(self, analytic: float, numeric: float) -> bool:
        return abs(analytic - numeric) <= self.atol + self.rtol * abs(numeric)  # False for NaN

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        width = max([len("input"), *map(len, self.labels)])
        lines = [f"{'input':<{width}}  {'analytic':>17}  {'numeric':>17}  {'abs error':>9}"]
        for label, a, n in zip(self.labels, self.analytic, self.numeric):
            flag = "" if self._within_tolerance(a, n) else "  <- mismatch"
            lines.append(f"{label:<{width}}  {a:>17.10g}  {n:>17.10g}  {abs(a - n):>9.2g}{flag}")
        verdict = "ok" if self.ok else "FAILED"
        lines.append(
            f"{verdict}: max abs error {self.max_abs_error:.2g}, max rel error {self.max_rel_error:.2g} "
            f"(rtol={self.rtol:g}, atol={self.atol:g})"
        )
        return "\n".join(lines)


# -- checking user input ---------------------------------------------------------------
def _check_inputs(caller: str, inputs: Value | Iterable[Value]) -> Sequence[Value]:
    """The inputs as a list of Values (one Value alone is accepted too), or a TypeError."""
    if isinstance(inputs, Value):
        return [inputs]
    if not isinstance(inputs, Iterable) or isinstance(inputs, (str, bytes)):
        raise TypeError(f"{caller}: inputs must be a list of Values, got {type(inputs).__name__}: {inputs!r}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"{caller}: inputs[{i}] must be a Value, got {type(x).__name__}: {x!r}")
    return inputs


def _call(f: Callable[..., Value], caller: str, inputs: Sequence[Value]) -> Value:
    """f() or f(*inputs), which must be a Value: f may read the input Values itself (``lambda:
    (a * b).tanh()``) or take one argument per input, as PyTorch's gradcheck calls it (``lambda x,
    y: (x * y).tanh()``)."""
    if not callable(f):
        raise TypeError(f"{caller}: f must be a function returning a Value, got {f!r}")
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):  # a builtin without a signature: called as it is
        arguments: Sequence[Value] = ()
    else:
        if _accepts(signature, inputs):
            arguments = inputs
        elif _accepts(signature, ()):
            arguments = ()
        else:
            raise TypeError(f"{caller}: f{signature} takes neither no arguments nor one per input "
                            f"({len(inputs)}); write it as lambda: ... using the input Values, or as lambda "
                            f"{', '.join('xyzuvw'[:len(inputs)] or 'x')}: ... with one argument per input")
    out = f(*arguments)
    if not isinstance(out, Value):
        raise TypeError(
            f"{caller}: f() must return a Value (build it from the inputs), got {type(out).__name__}: {out!r}"
        )
    return out


def _accepts(signature: inspect.Signature, arguments: Sequence[Value]) -> bool:
    try:
        signature.bind(*arguments)
    except TypeError:
        return False
    return True
