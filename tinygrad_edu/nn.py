"""Neural networks from Values: a Neuron, a Layer of neurons, an MLP of layers.

A neuron computes a weighted sum of its inputs plus a bias, then an activation:

    out = f(b + w₀·x₀ + w₁·x₁ + ... + wₙ₋₁·xₙ₋₁)        f ∈ {relu, tanh, sigmoid, linear}

The sum is one node of the graph (``engine.linear``: ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ, ∂/∂b = 1), so a
neuron adds two nodes, not 2n + 2. ``fused=False`` builds micrograd's chain of ``*`` and ``+``
instead, a node per multiplication: the same numbers, a bigger picture.

Every weight and bias is a leaf Value, so after ``loss.backward()`` each one holds ∂loss/∂w and
training is the loop ``p.data -= lr * p.grad`` over ``model.parameters()``. Each parameter is
labelled for pictures and derivations: in an MLP, layer l (from 1), neuron j and input i (from 0)
give ``w{l}[{j},{i}]`` and ``b{l}[{j}]``. Each layer names its nodes, parameters and ops, with the
scope ``layer{l}`` (``node.scope``, nested under any ``tinygrad_edu.scope`` open around it), so a
block picture draws a layer as one box.

The API is micrograd's (``Neuron(nin, nonlin=True)``, ``MLP(nin, nouts)``, ReLU hidden layers and a
linear output, weights uniform in [-1, 1], biases 0) plus activations by name, seeds, and saving.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import json
import math
import numbers
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import model_file
from .engine import OPS, Value, linear, linear_layer, scope
from .files import shorten

__all__ = ["Module", "Neuron", "Layer", "MLP", "Structure", "ACTIVATIONS", "load"]

# Each activation is the engine's op that applies it (the ops in engine.OPS marked activation), relu,
# the default, first; "linear" applies nothing.
_ACTIVATIONS = {name: OPS[name].apply for name in sorted((n for n, op in OPS.items() if op.activation),
                                                          key=lambda name: name != "relu")} | {"linear": None}
ACTIVATIONS = tuple(_ACTIVATIONS)



def _on_a_model(method: Callable) -> Any:
    """``method`` for a model; called on the class (``MLP.load("model.json")``, what one tries
    first) it raises a TypeError that says how to load instead of a missing-argument error."""

    class OnAModel:
        def __get__(self, model, cls=None):
            if model is not None:
                return method.__get__(model, cls)

            @functools.wraps(method)
            def on_the_class(*args, **kwargs):
                if args and isinstance(args[0], cls):  # MLP.load(model, path): the plain method call
                    return method(*args, **kwargs)
                raise TypeError(
                    f"{cls.__name__}.{method.__name__} loads into a model, not the class: "
                    f"nn.load(path) builds the model from the file, or model.{method.__name__}(path) "
                    f"reads the numbers into a model built with the same sizes")
            return on_the_class

    return OnAModel()


class Module:
    """Anything with parameters. Subclasses define ``parameters()``; the rest comes from here.

    ``state_dict()`` maps a name to the numbers of a group of parameters (a list, or a list of rows);
    a subclass that only defines ``parameters()`` gets one group, ``"parameters"``.
    """

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0: leaves accumulate, so do this before each backward()."""
        for p in self.parameters():
            p.grad = 0.0

    def _groups(self) -> dict[str, list]:
        """The parameters by name, each a list of Values or a list of rows of Values."""
        return {"parameters": self.parameters()}

    # -- saving and loading ---------------------------------------------------------------
    def state_dict(self) -> dict[str, list]:
        """The parameters' numbers as plain lists, ready for ``json.dump``."""
        return {name: _numbers(group) for name, group in self._groups().items()}

    def load_state_dict(self, state: dict[str, list]) -> None:
        """Copy numbers from ``state`` (as made by ``state_dict()``) into the parameters.

        Everything is checked before anything changes: missing or unexpected names, shapes and
        non-numbers raise a ValueError that says what differs, and leave the model as it was.
        """
        groups = self._groups()
        if not isinstance(state, dict):
            raise ValueError(f"load_state_dict: expected a dict of lists, got {type(state).__name__}")
        missing, unexpected = groups.keys() - state.keys(), state.keys() - groups.keys()
        if missing or unexpected:
            raise ValueError(
                f"load_state_dict: the names differ from {self!r}'s: missing {sorted(missing)}, "
                f"unexpected {sorted(map(str, unexpected))}"
            )
        pairs: list[tuple[Value, float]] = []
        for name, group in groups.items():
            _collect(name, group, state[name], pairs)
        for p, x in pairs:
            p.data = x

    def architecture(self) -> dict | None:
        """What ``nn.load`` needs to build this model again: the class and its arguments, as data.

        None for a subclass that does not say (its file is loaded into a model built by hand).
        """
        return None

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to ``path`` as strict JSON (never pickle), atomically (``model_file``).

        The file holds the architecture (``architecture()``) and every parameter's number, so
        ``nn.load(path)`` rebuilds the model from the file alone. A parameter that is NaN or
        infinite (training diverged) raises a ValueError naming it, and nothing is written.
        Missing folders are made; a destination that is not a regular file is refused.
        """
        for i, p in enumerate(self.parameters()):
            if not math.isfinite(p.data):
                name = p.label or f"parameters()[{i}]"
                raise ValueError(f"save: parameter {name} is {p.data}; a model file holds finite numbers "
                                 f"only (nothing was written to {shorten(path)})")
        model_file.write(path, repr(self), self.architecture(), self.state_dict())

    @_on_a_model
    def load(self, path: str | os.PathLike) -> Module:
        """Read parameters saved by ``save()`` into this model (same architecture); returns the model.

        A malformed or truncated file, one saved from a different architecture, or a number that is
        not finite (NaN, Infinity, 1e999, 10**400) raises a ValueError naming the file and what
        differs; the model is left unchanged. ``nn.load(path)`` builds the model from the file instead.
        """
        def mine(model: str, architecture: object) -> tuple[dict[str, model_file.Shape], str]:
            if model != repr(self):
                raise ValueError(f"the file holds {shorten(model)}, but this model is {self!r}")
            return {name: _shape(group) for name, group in self._groups().items()}, repr(self)

        self.load_state_dict(model_file.read(path, mine).state)
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.parameters())} parameters)"


def _numbers(group: list) -> list:
    """The data of a list of Values, or of a list of rows of Values."""
    return [_numbers(x) if isinstance(x, list) else x.data for x in group]


def _shape(group: list) -> model_file.Shape:
    """(n,) for a list of n Values, (rows, columns) for a list of rows."""
    return (len(group), len(group[0])) if group and isinstance(group[0], list) else (len(group),)


def _collect(name: str, group: list, saved: object, pairs: list) -> None:
    """Pair each Value of ``group`` with its number in ``saved`` (same shape), or a ValueError."""
    if not isinstance(saved, (list, tuple)) or len(saved) != len(group):
        got = f"{len(saved)} entries" if isinstance(saved, (list, tuple)) else type(saved).__name__
        raise ValueError(f"load_state_dict: {name!r} should have {len(group)} entries, got {got}")
    for i, (p, x) in enumerate(zip(group, saved)):
        if isinstance(p, list):
            _collect(f"{name}[{i}]", p, x, pairs)
        elif isinstance(x, numbers.Real) and not isinstance(x, bool):
            pairs.append((p, _finite(f"{name}[{i}]", x)))
        else:
            raise ValueError(f"load_state_dict: {name}[{i}] should be a number, got {shorten(repr(x), 40)}")


def _finite(name: str, x: numbers.Real) -> float:
    """``x`` as a float if it is finite, else a ValueError naming the parameter: such a weight is a
    diverged model."""
    try:
        number = float(x)
    except OverflowError:  # an integer such as 10**400: no float holds it
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"load_state_dict: parameter {name} is {shorten(repr(x), 40)}; "
                         "only finite numbers load")
    return number


def load(path: str | os.PathLike) -> Module:
    """Build the model saved in ``path`` (by ``model.save(path)``) from the file alone.

    The file's architecture says which class to build and with what sizes and activations. The
    whole file is checked first (``model_file.read``): the numbers it holds must be exactly the
    ones that architecture needs (``"nouts": [1000000, 1]`` beside a 3-neuron layer's numbers is
    refused at once), so nothing is built for numbers that are not there. A file from a subclass
    that records no architecture raises a ValueError saying to build that model and call
    ``model.load(path)``.
    """
    saved = model_file.read(path, _recorded_shapes)
    arch = saved.architecture
    assert isinstance(arch, dict)  # _recorded_shapes refused any other
    settings = {k: v for k, v in arch.items() if k != "class"}
    try:
        model = _BUILDERS[arch["class"]](**settings, seed=0)  # seed 0: the global generator is left alone
    except (TypeError, ValueError) as e:
        raise ValueError(f"load: {shorten(path)}: cannot build {arch['class']} from "
                         f"{shorten(json.dumps(settings))} ({e})") from None
    model.load_state_dict(saved.state)
    return model


def _recorded_shapes(model: str, arch: object) -> tuple[dict[str, model_file.Shape], str]:
    """The parameter groups, and their shapes, of the model a file's architecture describes,
    computed from the architecture alone (nothing is built), or a ValueError naming what is wrong."""
    if arch is None:
        raise ValueError(f"it holds {shorten(model)}, whose architecture is not recorded: "
                         "build that model and call model.load(path)")
    kind = arch.get("class") if isinstance(arch, dict) else None
    if not isinstance(arch, dict) or not isinstance(kind, str) or kind not in _BUILDERS:
        raise ValueError(f"the architecture should name one of {', '.join(_BUILDERS)}, "
                         f"got {shorten(json.dumps(arch))}")
    settings = {k: v for k, v in arch.items() if k != "class"}
    return _sizes(kind, settings), f"the architecture {shorten(json.dumps(arch))}"


def _sizes(kind: str, settings: dict) -> dict[str, model_file.Shape]:
    """The groups and shapes of ``kind(**settings)``'s state_dict: Neuron w (nin,), b (1,); Layer
    w (nout, nin), b (nout,); MLP w{l}, b{l} per layer l = 1, 2, ..."""
    try:
        inspect.signature(_BUILDERS[kind]).bind(**settings, seed=0)
        if kind == "Neuron":
            return {"w": (_count(settings["nin"], "Neuron(nin)"),), "b": (1,)}
        if kind == "Layer":
            nin, nout = _count(settings["nin"], "Layer(nin)"), _count(settings["nout"], "Layer(nout)")
            return {"w": (nout, nin), "b": (nout,)}
        nouts = settings["nouts"]
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(f"MLP(nouts) must be a non-empty list of layer sizes, got {shorten(nouts)}")
        sizes = [_count(settings["nin"], "MLP(nin)"), *(_count(n, "MLP(nouts) entries") for n in nouts)]
        return {group: shape for l, (nin, nout) in enumerate(zip(sizes, sizes[1:]), 1)
                for group, shape in ((f"w{l}", (nout, nin)), (f"b{l}", (nout,)))}
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"cannot build {kind} from {shorten(json.dumps(settings))} ({shorten(e)})") from None


# -- checking arguments --------------------------------------------------------------------
def _count(x: object, what: str) -> int:
    if isinstance(x, numbers.Integral) and not isinstance(x, bool) and int(x) >= 1:
        return int(x)
    raise ValueError(f"{what} must be a positive whole number, got {shorten(repr(x), 40)}")


def _activation(name: object, what: str = "activation") -> str:
    if name not in _ACTIVATIONS:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, ACTIVATIONS))}; "
                         f"got {shorten(repr(name), 40)}")
    return name


def _generator(seed: int | random.Random | None) -> random.Random | None:
    """A generator for an int seed (or the one given). None stays None: draw from Python's global
    generator, as micrograd does, so ``random.seed(1337)`` before building a model still reproduces it."""
    return seed if seed is None or isinstance(seed, random.Random) else random.Random(seed)


class Neuron(Module):
    """out = f(b + Σᵢ wᵢ·xᵢ), with ``nin`` weights ``w`` uniform in [-1, 1] and bias ``b`` = 0.

    ``activation``: "relu", "tanh", "sigmoid" or "linear". micrograd's ``nonlin`` also works:
    ``nonlin=False`` is linear, ``nonlin=True`` keeps the activation (relu by default).
    ``seed``: an int, a ``random.Random`` to draw from, or None (Python's global generator).
    ``prefix``/``index`` name the parameters: ``w{prefix}[{i}]`` and ``b{prefix}``, or with an index j
    ``w{prefix}[{j},{i}]`` and ``b{prefix}[{j}]``.
    ``fused``: True (the default) computes b + Σᵢ wᵢ·xᵢ as one node; False as micrograd's chain
    ``b + w₀·x₀ + w₁·x₁ ...`` of 2n nodes. Both give the same value (the same additions, in the same order).
    """

    def __init__(self, nin: int, activation: str = "relu", nonlin: bool | None = None, *,
                 seed: int | random.Random | None = None, prefix: str = "", index: int | None = None,
                 fused: bool = True):
        nin = _count(nin, "Neuron(nin)")
        activation = _activation(activation, "Neuron(activation)")
        if nonlin is False:
            if activation not in ("relu", "linear"):  # relu is the default: nonlin=False overrides it
                raise ValueError(f"Neuron: nonlin=False (linear) contradicts activation={activation!r}")
            activation = "linear"
        elif nonlin is True and activation == "linear":
            raise ValueError("Neuron: nonlin=True contradicts activation='linear'")
        rng = _generator(seed)
        uniform = random.uniform if rng is None else rng.uniform
        at = "" if index is None else f"{index},"
        self.w = [Value(uniform(-1, 1), label=f"w{prefix}[{at}{i}]") for i in range(nin)]
        self.b = Value(0.0, label=f"b{prefix}" if index is None else f"b{prefix}[{index}]")
        self.activation = activation
        self._f = _ACTIVATIONS[activation]
        if not isinstance(fused, bool):
            raise TypeError(f"Neuron(fused=...) must be True or False, got {fused!r}")
        self.fused = fused

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the neuron is linear."""
        return self._f is not None

    def __call__(self, x: Sequence[Value | float]) -> Value:
        return _forward([self], *_check_input(self, len(self.w), x))[0]

    def _preactivation(self, x: Sequence[Value | float]) -> Value:
        """b + Σᵢ wᵢ·xᵢ, one node (fused) or micrograd's chain of * and +."""
        if self.fused:
            return linear(x, self.w, self.b)
        act = self.b  # the sum starts from the bias: no extra 0 node, no list
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def _groups(self) -> dict[str, list]:
        return {"w": self.w, "b": [self.b]}

    def architecture(self) -> dict:
        return {"class": "Neuron", "nin": len(self.w), "activation": self.activation, "fused": self.fused}

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)} -> {self.activation})"


def _check_input(module: Module, expected: int, x: Sequence[Value | float]) -> tuple[Sequence, bool]:
    """(x, same): ``same`` when x holds only Values or only numbers (then as floats). A TypeError or
    ValueError unless x is a list of ``expected`` numbers or Values."""
    try:
        got = len(x)
    except TypeError:
        raise TypeError(f"{module!r}: input must be a list of {expected} numbers or Values, "
                        f"got {type(x).__name__}: {x!r}") from None
    if got != expected:
        raise ValueError(f"{module!r}: expected {expected} inputs, got {got}")
    if all(map(isinstance, x, itertools.repeat(Value, got))):
        return x, True
    for i, xi in enumerate(x):
        if not isinstance(xi, (Value, numbers.Real)) or isinstance(xi, bool):
            raise TypeError(f"{module!r}: input {i} must be a number or a Value, "
                            f"got {type(xi).__name__}: {xi!r}")
    if any(isinstance(xi, Value) for xi in x):
        return x, False
    return [float(xi) for xi in x], True


def _forward(neurons: list[Neuron], x: Sequence, same: bool,
             block: contextlib.AbstractContextManager | None = None) -> list[Value]:
    """Each neuron's f(b + Σᵢ wᵢ·xᵢ), for an x ``_check_input`` checked; a layer gives its scope block."""
    with contextlib.nullcontext() if block is None else block:  # the block names the layer's nodes
        if same and all(n.fused for n in neurons):  # a layer at once: x checked once for all neurons
            acts = linear_layer(x, [n.w for n in neurons], [n.b for n in neurons])
        else:
            acts = [n._preactivation(x) for n in neurons]
        # f written out, not a method call per neuron: that call cost ~3% of the mlp's forward (measured)
        return [a if n._f is None else n._f(a) for n, a in zip(neurons, acts)]


class _Network(Module):
    """A module with one output per neuron of its last layer, three ways to get them:

    ``outputs(x)`` → list[Value], always a list; ``output(x)`` → Value, the one output (a ValueError if
    there are several); ``module(x)`` micrograd's convention, a Value for one output, else a list (its
    type, ``Value | list[Value]``, makes a type checker ask which: typed code calls the other two).
    """

    def outputs(self, x: Sequence[Value | float]) -> list[Value]:
        raise NotImplementedError

    def output(self, x: Sequence[Value | float]) -> Value:
        outs = self.outputs(x)
        if len(outs) != 1:
            raise ValueError(f"{self!r}.output(x): it has {len(outs)} outputs, not one; "
                             "outputs(x) returns them as a list")
        return outs[0]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        outs = self.outputs(x)
        return outs[0] if len(outs) == 1 else outs


class Layer(_Network):
    """``nout`` neurons, each seeing the same ``nin`` inputs. ``layer(x)`` is a Value when nout is 1, else
    a list (micrograd's convention); ``layer.outputs(x)`` is always a list, ``layer.output(x)`` a Value.

    Extra keywords (``nonlin``, ``fused``) go to each Neuron; ``prefix`` names the parameters
    ``w{prefix}[{j},{i}]`` and ``b{prefix}[{j}]`` for neuron j and input i, and the layer's scope
    ``name`` = ``layer{prefix}``: its parameters are made in it, and its ops on every call.
    """

    def __init__(self, nin: int, nout: int, activation: str = "relu", *,
                 seed: int | random.Random | None = None, prefix: str = "", **kwargs):
        nin, nout = _count(nin, "Layer(nin)"), _count(nout, "Layer(nout)")
        rng = _generator(seed)  # one generator for all neurons: each draws fresh weights
        self.name = f"layer{prefix}"
        self._scope = scope(self.name)  # made once, entered on every call
        with self._scope:
            self.neurons = [Neuron(nin, activation, seed=rng, prefix=prefix, index=j, **kwargs)
                            for j in range(nout)]

    def outputs(self, x: Sequence[Value | float]) -> list[Value]:
        """Each neuron's f(b + Σᵢ wᵢ·xᵢ), a list even for one neuron."""
        return _forward(self.neurons, *_check_input(self, len(self.neurons[0].w), x), self._scope)

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def _groups(self) -> dict[str, list]:
        return {"w": [n.w for n in self.neurons], "b": [n.b for n in self.neurons]}

    def architecture(self) -> dict:
        first = self.neurons[0]
        return {"class": "Layer", "nin": len(first.w), "nout": len(self.neurons),
                "activation": first.activation, "fused": first.fused}

    def _describe(self) -> str:
        return f"{len(self.neurons)} {self.neurons[0].activation}"

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons[0].w)} -> {self._describe()})"


class MLP(_Network):
    """A multi-layer perceptron: ``nin`` inputs, then one Layer per entry of ``nouts``.

    ``model(x)`` is a Value when the last layer has one neuron, else a list (micrograd's convention);
    ``model.output(x)`` is that Value and ``model.outputs(x)`` always a list, for typed code.

    Hidden layers use ``activation``, the last one ``output_activation`` (micrograd: ReLU, then linear).
    ``seed``: same seed, same weights (they match micrograd's after ``random.seed(seed)``); None
    draws from Python's global generator. ``fused=False``: every neuron as micrograd's chain of * and +.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 output_activation: str = "linear", seed: int | random.Random | None = None, *,
                 fused: bool = True):
        nin = _count(nin, "MLP(nin)")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP(nouts) must be a non-empty list of layer sizes, got {nouts!r}")
        _activation(activation, "MLP(activation)")
        _activation(output_activation, "MLP(output_activation)")
        rng = _generator(seed)
        sizes = [nin, *(_count(n, "MLP(nouts) entries") for n in nouts)]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[l], sizes[l + 1], output_activation if l == last else activation, seed=rng,
                  prefix=str(l + 1), fused=fused)
            for l in range(len(nouts))
        ]

    def outputs(self, x: Sequence[Value | float]) -> list[Value]:
        """The last layer's outputs, a list even for one neuron."""
        h, same = _check_input(self, len(self.layers[0].neurons[0].w), x)
        outs: list[Value] = []
        for layer in self.layers:  # lists between layers, so a hidden layer of width 1 works too
            outs = _forward(layer.neurons, h, same, layer._scope)
            h, same = outs, True  # a layer's outputs are all Values
        return outs

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def _groups(self) -> dict[str, list]:
        return {f"{name}{l}": group for l, layer in enumerate(self.layers, 1)
                for name, group in layer._groups().items()}

    def architecture(self) -> dict:
        """``describe()`` as the arguments nn.load builds from (and ``fused``, which it does not say)."""
        structure = self.describe()
        return {"class": "MLP", "nin": structure.sizes[0], "nouts": list(structure.sizes[1:]),
                # one layer has no hidden activation: the default stands in, and changes nothing
                "activation": structure.activations[0] if len(structure.activations) > 1 else "relu",
                "output_activation": structure.activations[-1], "fused": self.layers[0].neurons[0].fused}

    def describe(self) -> Structure:
        """What this network is, as data: its sizes, activations and parameters' order and names."""
        return Structure((len(self.layers[0].neurons[0].w), *(len(layer.neurons) for layer in self.layers)),
                         tuple(layer.neurons[0].activation for layer in self.layers),
                         tuple(p.label for p in self.parameters()))

    def __repr__(self) -> str:
        nin = len(self.layers[0].neurons[0].w)
        return f"MLP({nin} -> [{', '.join(layer._describe() for layer in self.layers)}])"


@dataclass(frozen=True)
class Structure:
    """An MLP's structure (``MLP.describe()``): what a picture, a recorder or a file needs to know.

    ``sizes``        (nin, n₁, n₂, ...): the inputs, then each layer's number of neurons
    ``activations``  one per layer: "relu", "tanh", "sigmoid" or "linear"
    ``names``        every parameter's name in ``model.parameters()`` order: layer by layer, neuron by
                     neuron, its weights w{l}[{j},{i}] for i = 0 … nin−1, then its bias b{l}[{j}]
                     (``position`` finds one)
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    names: tuple[str, ...]

    def position(self, layer: int, neuron: int, input: int | None = None) -> int:
        """Where w{layer}[{neuron},{input}] (the bias b{layer}[{neuron}] for input None) is in
        ``model.parameters()``; layer counts from 1, neuron and input from 0."""
        before = sum(n * (nin + 1) for nin, n in zip(self.sizes, self.sizes[1:layer]))
        nin = self.sizes[layer - 1]
        return before + neuron * (nin + 1) + (nin if input is None else input)

    def forward(self, values: Sequence[float], points: Sequence[Sequence[float]]) -> list[list[list[float]]]:
        """The network in floats: ``forward(values, points)[l][j][p]`` is neuron j of layer l + 1's
        output at point p, with the parameters' values in ``model.parameters()`` order.

        Each neuron is f(b + w₀·x₀ + w₁·x₁ + ...), added left to right from b as the engine adds a
        linear node (bit for bit up to Python 3.11; from 3.12 ``sum`` rounds more finely, which can
        matter only within ~1e-16), and f as the engine computes it. All points at once, one
        weight at a time: a page needs ~600 points × 100 steps, which through Values takes minutes.
        """
        columns = [list(c) for c in zip(*points)]  # columns[i][p]: input i of point p
        layers, at = [], 0
        for nin, nout, activation in zip(self.sizes, self.sizes[1:], self.activations):
            f = _FLOAT_ACTIVATIONS[activation]
            outputs = []
            for _ in range(nout):
                z = [values[at + nin]] * len(points)  # the bias first, as a linear node starts its sum
                for w, x in zip(values[at:at + nin], columns):
                    z = [s + w * xi for s, xi in zip(z, x)]
                outputs.append(z if f is None else [f(s) for s in z])
                at += nin + 1
            layers.append(outputs)
            columns = outputs
        return layers


# The activations on floats: each op's own float replay (engine.OPS), so a page's predictions are the model's.
_FLOAT_ACTIVATIONS: dict[str, Callable[[float], float] | None] = {
    name: None if f is None else OPS[name].replay for name, f in _ACTIVATIONS.items()}


_BUILDERS = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}  # what nn.load may build: these, nothing else
