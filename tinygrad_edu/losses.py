"""Loss functions: one number J that says how wrong the predictions are, built from engine ops.

Every loss is made of ordinary Value ops, so ``J.backward()`` fills ∂J/∂w for every weight and
the pictures and derivations show each step. Each docstring gives the formula and its derivative,
which the tests check against the engine, PyTorch and finite differences.

Each loss takes one example (a Value or number, and its target), or equal-length lists of
examples and targets, and then returns their mean (PyTorch's default ``reduction="mean"``).
For ``softmax`` and ``cross_entropy`` an example is a list of logits, so a batch is a list of
such lists with a list of target indices.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, TypeGuard, overload

from .engine import Value, real

__all__ = ["mse", "log_loss", "bce_with_logits", "softmax", "cross_entropy", "hinge"]

Number = Value | float


def mse(pred: Number | Sequence[Number], target: Number | Sequence[Number]) -> Value:
    """Mean squared error:  J = (ŷ − y)²;   ∂J/∂ŷ = 2·(ŷ − y).

    >>> mse(Value(3.0), 1.0).data
    4.0
    """
    def one(p: Number, t: Number) -> Value:
        _real(t, "mse", "target")
        return (_value(p, "mse", "pred") - t) ** 2

    return _examples("mse", pred, target, one, _is_list(pred))


def log_loss(prob: Number | Sequence[Number], target: Number | Sequence[Number]) -> Value:
    """Binary cross-entropy on a probability z ∈ [0, 1] with target t ∈ [0, 1] (PyTorch's BCELoss):

        J = −(t·log z + (1 − t)·log(1 − z))        ∂J/∂z = (z − t) / (z·(1 − z))

    After a sigmoid, z = σ(Y) and ∂z/∂Y = z·(1 − z), so the chain rule collapses to ∂J/∂Y = z − t.

    A term whose weight is 0 is left out (for t = 1, J = −log z), so z = 0 with t = 0 is fine, but
    z = 0 with t > 0 (or z = 1 with t < 1) needs log 0 and raises ValueError; use
    ``bce_with_logits`` on the logit, which never does.
    """
    def one(z: Number, t: Number) -> Value:
        zd, td = _real(z, "log_loss", "prob"), _real(t, "log_loss", "target")
        if not 0.0 <= zd <= 1.0:
            raise ValueError(f"log_loss: prob must be a probability in [0, 1], got {zd!r}")
        if not 0.0 <= td <= 1.0:
            raise ValueError(f"log_loss: target must be in [0, 1], got {td!r}")
        if (zd == 0.0 and td > 0.0) or (zd == 1.0 and td < 1.0):
            raise ValueError(f"log_loss: prob {zd!r} with target {td!r} needs log(0), which is undefined; "
                             "use bce_with_logits on the logit instead")
        z = _value(z, "log_loss", "prob")
        terms = []
        if td != 0.0:
            terms.append(t * z.log())
        if td != 1.0:
            terms.append((1 - t) * (1 - z).log())
        return -_sum(terms)

    return _examples("log_loss", prob, target, one, _is_list(prob))


def bce_with_logits(logit: Number | Sequence[Number], target: Number | Sequence[Number]) -> Value:
    """Binary cross-entropy on a logit x (PyTorch's BCEWithLogitsLoss), target t ∈ [0, 1]:

        J = log_loss(σ(x), t) = log(1 + eˣ) − t·x   ( = max(x, 0) − t·x + log(1 + e^−|x|) )
        ∂J/∂x = σ(x) − t

    Built from engine ops, so the picture shows every step, and written so no exp can overflow:
    log(1 + eˣ) is computed as x + log(1 + e⁻ˣ) when x ≥ 0 and as log(1 + eˣ) when x < 0 (the
    exponent is never positive). J is finite for any finite x (x = ±1000 included). Why not the
    max/abs form literally: relu and |x| both have slope 0 at x = 0 in the engine, which would give
    ∂J/∂x = −t at x = 0 instead of σ(0) − t = ½ − t; the two branches here are exact everywhere.
    """
    def one(x: Number, t: Number) -> Value:
        x = _value(x, "bce_with_logits", "logit")
        td = _real(t, "bce_with_logits", "target")
        if not 0.0 <= td <= 1.0:
            raise ValueError(f"bce_with_logits: target must be in [0, 1], got {td!r}")
        softplus = x + (1 + (-x).exp()).log() if x.data >= 0.0 else (1 + x.exp()).log()
        return softplus - x * t

    return _examples("bce_with_logits", logit, target, one, _is_list(logit))


@overload
def softmax(logits: Sequence[Number]) -> list[Value]: ...
@overload
def softmax(logits: Sequence[Sequence[Number]]) -> list[list[Value]]: ...
def softmax(logits: Sequence[Number] | Sequence[Sequence[Number]]) -> list[Value] | list[list[Value]]:
    """Probabilities from logits:  sᵢ = e^xᵢ / Σⱼ e^xⱼ;   ∂sᵢ/∂xⱼ = sᵢ·(δᵢⱼ − sⱼ).

    Stable: m = max(x) is subtracted first (sᵢ = e^(xᵢ−m) / Σⱼ e^(xⱼ−m), the same numbers), so no exp
    overflows. m enters as a constant; that is exact, because adding the same amount to every
    logit leaves the softmax unchanged. A list of logit lists gives a list of probability lists.
    """
    if _is_batch(logits):
        return [softmax(row) for row in logits]
    exps = [x.exp() for x in _shifted(logits, "softmax")]
    total = _sum(exps)
    return [e / total for e in exps]


def cross_entropy(logits: Sequence[Number] | Sequence[Sequence[Number]],
                  target_index: int | Sequence[int]) -> Value:
    """Cross-entropy of softmax(logits) with the class ``target_index`` = y (PyTorch's CrossEntropyLoss):

        J = −log softmax(x)_y = log Σⱼ e^xⱼ − x_y        ∂J/∂xᵢ = softmax(x)ᵢ − [i = y]

    Stable log-sum-exp: with m = max(x), J = log Σⱼ e^(xⱼ−m) − (x_y − m); no exp overflows.
    A list of logit lists with a list of target indices gives the mean over the examples.
    """
    def one(row: Sequence[Number], y: int) -> Value:
        shifted = _shifted(row, "cross_entropy")
        if not isinstance(y, numbers.Integral) or isinstance(y, bool):
            raise TypeError(f"cross_entropy: target_index must be an int, got {type(y).__name__}: {y!r}")
        if not 0 <= y < len(shifted):
            raise ValueError(f"cross_entropy: target_index {y} is out of range for {len(shifted)} classes "
                             f"(0 to {len(shifted) - 1})")
        return _sum([x.exp() for x in shifted]).log() - shifted[y]

    return _examples("cross_entropy", logits, target_index, one, _is_batch(logits))


def hinge(score: Number | Sequence[Number], y: Number | Sequence[Number]) -> Value:
    """Hinge loss for a label y ∈ {−1, +1} (the SVM loss of micrograd's demo):

        J = max(0, 1 − y·s)        ∂J/∂s = −y when y·s < 1, else 0
    """
    def one(s: Number, label: Number) -> Value:
        s = _value(s, "hinge", "score")
        if _real(label, "hinge", "y") not in (-1.0, 1.0):
            raise ValueError(f"hinge: y must be -1 or 1, got {label!r}")
        return (1 - label * s).relu()

    return _examples("hinge", score, y, one, _is_list(score))


# -- the pieces every loss shares -------------------------------------------------------------
def _examples(loss: str, preds: object, targets: object, one: Callable[..., Value], batch: bool) -> Value:
    """one(pred, target) for a single example; the mean over the examples for lists of them."""
    if not batch and not _is_list(targets):
        return one(preds, targets)
    if not (batch and _is_list(preds) and _is_list(targets)):
        raise TypeError(f"{loss}: give one example and one target, or a list of each; got "
                        f"{type(preds).__name__} and {type(targets).__name__}: {targets!r}")
    if len(preds) != len(targets):
        raise ValueError(f"{loss}: {len(preds)} examples but {len(targets)} targets; lengths must match")
    if not preds:
        raise ValueError(f"{loss}: the lists of examples are empty; the mean of nothing is undefined")
    return _sum([one(p, t) for p, t in zip(preds, targets)]) / len(preds)


def _sum(terms: list[Value]) -> Value:
    """terms[0] + terms[1] + ...: starting from the first term adds no 0 node to the graph."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _shifted(logits: object, loss: str) -> list[Value]:
    """xᵢ − max(x) for each logit: the same softmax, and every exp ≤ 1."""
    if not isinstance(logits, (list, tuple)):
        raise TypeError(f"{loss}: logits must be a list of Values or numbers, got {type(logits).__name__}: "
                        f"{logits!r}")
    if not logits:
        raise ValueError(f"{loss}: logits is empty; there must be at least one class")
    xs = [_value(x, loss, "a logit") for x in logits]
    m = max(x.data for x in xs)
    return [x - m for x in xs]


def _is_list(x: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    return isinstance(x, (list, tuple))


def _is_batch(logits: object) -> TypeGuard[Sequence[Sequence[Any]]]:
    """A list of logit lists (a batch), rather than one list of logits."""
    return _is_list(logits) and len(logits) > 0 and _is_list(logits[0])


def _real(x: object, loss: str, what: str) -> float:
    """The number in x (a Value or a real number), or a TypeError naming the loss."""
    return x.data if isinstance(x, Value) else real(x, f"{loss}: {what}", "a Value or a real number")


def _value(x: object, loss: str, what: str) -> Value:
    """x as a Value (a number becomes a new leaf), or a TypeError naming the loss."""
    return x if isinstance(x, Value) else Value(_real(x, loss, what))
