"""Optimizers: after ``loss.backward()`` every parameter W holds ∂J/∂W; ``step()`` moves W downhill.

The plain rule is gradient descent, W ← W − α·∂J/∂W with learning rate α. ``SGD`` adds momentum and
weight decay, ``Adam`` scales each step by running averages of the gradient. Both follow PyTorch's
update rules exactly (``torch.optim.SGD`` and ``torch.optim.Adam``; the tests compare step by step).
Change ``opt.lr`` between steps for a learning-rate schedule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .engine import Value, real

__all__ = ["Optimizer", "SGD", "Adam"]


class Optimizer:
    """Holds the parameters (a list, or a generator such as ``model.parameters()``) and zeroes their grads."""

    def __init__(self, params: Iterable[Value]) -> None:
        name = type(self).__name__
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"{name}: params must be an iterable of Values (e.g. model.parameters()), "
                            f"got {type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: optimizer got an empty parameter list")
        seen = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params[{i}] must be a Value, got {type(p).__name__}: {p!r}")
            if p in seen:  # it would be stepped twice
                raise ValueError(f"{name}: params[{i}] appears more than once: {p!r}")
            seen.add(p)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (grads accumulate across backward() calls)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


def _check(name: str, value: object, what: str, low: float = 0.0, high: float = math.inf) -> float:
    """value as a float in [low, high), else PyTorch's "Invalid ..." ValueError (TypeError: not a number)."""
    number = real(value, f"{name}: {what}")
    if not low <= number < high:
        raise ValueError(f"{name}: Invalid {what}: {value!r}")
    return number


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum μ and weight decay λ, as ``torch.optim.SGD``."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _check("SGD", lr, "learning rate")
        self.momentum = _check("SGD", momentum, "momentum value")
        self.weight_decay = _check("SGD", weight_decay, "weight_decay value")
        self.momentum_buffer: list[float | None] = [None] * len(self.params)  # None until the first step

    def step(self) -> None:
        """One update of every parameter W, from its gradient g = ∂J/∂W:

            W ← W − α·∂J/∂W                       (plain gradient descent; α = lr)

        with weight decay λ the gradient first becomes g + λ·W (an L2 penalty ½λW² in J), and
        with momentum μ the step follows a running sum instead: b ← g on the first step, then
        b ← μ·b + g, and W ← W − α·b.
        """
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        buffers = self.momentum_buffer
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data
            if mu:
                b = buffers[i]
                g = buffers[i] = g if b is None else mu * b + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, as ``torch.optim.Adam`` (weight decay is L2)."""

    def __init__(self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _check("Adam", lr, "learning rate")
        self.eps = _check("Adam", eps, "epsilon value")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check("Adam", betas[0], "beta parameter at index 0", high=1.0),
                      _check("Adam", betas[1], "beta parameter at index 1", high=1.0))
        self.weight_decay = _check("Adam", weight_decay, "weight_decay value")
        self.t = 0  # steps taken
        self.m = [0.0] * len(self.params)  # running mean of g
        self.v = [0.0] * len(self.params)  # running mean of g²

    def step(self) -> None:
        """One update of every parameter W, from g = ∂J/∂W (plus λ·W with weight decay λ):

            m ← β₁·m + (1 − β₁)·g          v ← β₂·v + (1 − β₂)·g²
            m̂ = m / (1 − β₁ᵗ)              v̂ = v / (1 − β₂ᵗ)          (bias correction: m, v start at 0)
            W ← W − α·m̂ / (√v̂ + ε)
        """
        self.t += 1
        beta1, beta2 = self.betas
        lr, eps, wd, m, v = self.lr, self.eps, self.weight_decay, self.m, self.v
        step_size = lr / (1.0 - beta1**self.t)  # α / (1 − β₁ᵗ), as PyTorch groups it
        correction2 = math.sqrt(1.0 - beta2**self.t)
        for i, p in enumerate(self.params):
            g = p.grad
            if wd:
                g = g + wd * p.data
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / correction2 + eps)
