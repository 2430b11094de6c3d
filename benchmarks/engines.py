"""One adapter per engine: the few things the workloads cannot write with Python operators.

Everything else (``+``, ``*``, ``sum``, ``p.data -= lr * p.grad``) is the same code for every
engine, so each one builds the same graph from the same numbers.
"""

from __future__ import annotations

import contextlib
import importlib


class EngineMissing(Exception):
    """The engine is not installed here: the benchmark reports it as skipped."""


class ScalarEngine:
    """micrograd-style engines: a Value class with ``.data``, ``.grad``, ``.relu()``, ``.backward()``."""

    def __init__(self, name: str, module: str) -> None:
        self.name = name
        try:
            self.Value = importlib.import_module(module).Value
        except ImportError as e:
            raise EngineMissing(f"{name} is not installed ({e})") from None

    def leaf(self, x: float):
        return self.Value(x)

    @staticmethod
    def relu(v):
        return v.relu()

    @staticmethod
    def scope(name: str):
        """A block naming a layer's nodes: only tinygrad_edu.scoped opens one."""
        return contextlib.nullcontext()

    @staticmethod
    def backward(loss) -> None:
        loss.backward()

    @staticmethod
    def number(v) -> float:
        return float(v.data)

    @staticmethod
    def grad(p) -> float:
        return float(p.grad)

    @staticmethod
    def zero_grad(p) -> None:
        p.grad = 0.0


class TorchEngine(ScalarEngine):
    """PyTorch on 0-dim float64 tensors, one scalar op per tensor op: the same graph shape."""

    def __init__(self) -> None:
        self.name = "torch"
        try:
            import torch
        except ImportError as e:
            raise EngineMissing(f"torch is not installed ({e})") from None
        torch.set_num_threads(1)  # scalar ops gain nothing from threads; the machine is shared
        self.torch = torch

    def leaf(self, x: float):
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=True)

    @staticmethod
    def number(v) -> float:
        return v.item()

    @staticmethod
    def grad(p) -> float:
        return 0.0 if p.grad is None else p.grad.item()

    @staticmethod
    def zero_grad(p) -> None:
        p.grad = None


class ScopedEngine(ScalarEngine):
    """This project's Values with each layer of the benchmark's model in ``tinygrad_edu.scope``:
    beside tinygrad_edu, the same graph, it measures what naming a layer's nodes costs."""

    def __init__(self) -> None:
        super().__init__("tinygrad_edu.scoped", "tinygrad_edu")
        try:
            from tinygrad_edu import scope
        except ImportError as e:  # a version before scopes
            raise EngineMissing(f"tinygrad_edu.scope is not available ({e})") from None
        self._scope = scope

    def scope(self, name: str):
        return self._scope(name)


# tinygrad_edu: the benchmark's own model over this project's Values (a chain of + and *);
# tinygrad_edu.nn: the project's nn.MLP (a neuron is one linear node); .nn-chain: nn.MLP(fused=False);
# tinygrad_edu.scoped: the benchmark's own model, each layer in a scope.
ENGINES = ("tinygrad_edu", "tinygrad_edu.nn", "tinygrad_edu.nn-chain", "tinygrad_edu.scoped", "micrograd",
           "torch")
OURS = ENGINES[:4]
MLP_ONLY = ENGINES[1:4]  # engines with a model of their own: the mlp, memory and moons workloads only


def load(name: str) -> ScalarEngine:
    """The adapter for an engine name in ENGINES; EngineMissing when it is not installed."""
    if name == "tinygrad_edu.scoped":
        return ScopedEngine()
    if name in OURS:  # the same Values; the .nn ones run the project's own MLP
        engine = ScalarEngine("tinygrad_edu", "tinygrad_edu")
        engine.name = name
        return engine
    if name == "micrograd":
        return ScalarEngine("micrograd", "micrograd.engine")
    if name == "torch":
        return TorchEngine()
    raise ValueError(f"unknown engine {name!r}; expected one of {ENGINES}")
