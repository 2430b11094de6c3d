"""Neural networks from Values: a Neuron, a Layer of neurons, an MLP of layers.

A neuron computes a weighted sum of its inputs plus a bias, then an activation:

    out = f(b + w₀·x₀ + w₁·x₁ + ... + wₙ₋₁·xₙ₋₁)        f ∈ {relu, tanh, sigmoid, linear}

Every weight and bias is a leaf Value, so after ``loss.backward()`` each one holds ∂loss/∂w and
training is the loop ``p.data -= lr * p.grad`` over ``model.parameters()``. Each parameter is
labelled for pictures and derivations: in an MLP, layer l (from 1), neuron j and input i (from 0)
give ``w{l}[{j},{i}]`` and ``b{l}[{j}]``.

The API is micrograd's (``Neuron(nin, nonlin=True)``, ``MLP(nin, nouts)``, ReLU hidden layers and a
linear output, weights uniform in [-1, 1], biases 0) plus activations by name, seeds, and saving.
"""

from __future__ import annotations

import json
import numbers
import os
import random
import tempfile
from collections.abc import Sequence

from .engine import Value

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS"]

# Each activation is the Value method that applies it; "linear" applies nothing.
_ACTIVATIONS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None}
ACTIVATIONS = tuple(_ACTIVATIONS)

_FILE_FORMAT = "tinygrad_edu.nn"  # marks our files, so loading some other JSON fails clearly


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
        pairs = []
        for name, group in groups.items():
            _collect(name, group, state[name], pairs)
        for p, x in pairs:
            p.data = x

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to ``path`` as JSON (never pickle), atomically.

        The file is written to a temporary file in the same directory and then renamed over
        ``path`` (``os.replace``), so a crash leaves either the old file or the new one, whole.
        """
        path = os.fspath(path)
        text = json.dumps({"format": _FILE_FORMAT, "model": repr(self), "state": self.state_dict()})
        folder, name = os.path.split(path)
        fd, tmp = tempfile.mkstemp(dir=folder or ".", prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def load(self, path: str | os.PathLike) -> Module:
        """Read parameters saved by ``save()`` into this model (same architecture); returns the model.

        A malformed or truncated file, or one saved from a different architecture, raises a
        ValueError that says what differs; the model is left unchanged.
        """
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"load: {path} is not a complete JSON model file ({e})") from None
        if not (isinstance(saved, dict) and saved.get("format") == _FILE_FORMAT and "state" in saved):
            raise ValueError(f"load: {path} is not a tinygrad_edu model file (saved by Module.save)")
        if saved.get("model") != repr(self):
            raise ValueError(f"load: {path} holds {saved.get('model')}, but this model is {self!r}")
        self.load_state_dict(saved["state"])
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.parameters())} parameters)"


def _numbers(group: list) -> list:
    """The data of a list of Values, or of a list of rows of Values."""
    return [_numbers(x) if isinstance(x, list) else x.data for x in group]


def _collect(name: str, group: list, saved: object, pairs: list) -> None:
    """Pair each Value of ``group`` with its number in ``saved`` (same shape), or a ValueError."""
    if not isinstance(saved, (list, tuple)) or len(saved) != len(group):
        got = f"{len(saved)} entries" if isinstance(saved, (list, tuple)) else type(saved).__name__
        raise ValueError(f"load_state_dict: {name!r} should have {len(group)} entries, got {got}")
    for i, (p, x) in enumerate(zip(group, saved)):
        if isinstance(p, list):
            _collect(f"{name}[{i}]", p, x, pairs)
        elif isinstance(x, numbers.Real) and not isinstance(x, bool):
            pairs.append((p, float(x)))
        else:
            raise ValueError(f"load_state_dict: {name}[{i}] should be a number, got {x!r}")


# -- checking arguments --------------------------------------------------------------------
def _count(x: object, what: str) -> int:
    if isinstance(x, numbers.Integral) and not isinstance(x, bool) and x >= 1:
        return int(x)
    raise ValueError(f"{what} must be a positive whole number, got {x!r}")


def _activation(name: object, what: str = "activation") -> str:
    if name not in _ACTIVATIONS:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, ACTIVATIONS))}; got {name!r}")
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
    """

    def __init__(self, nin: int, activation: str = "relu", nonlin: bool | None = None, *,
                 seed: int | random.Random | None = None, prefix: str = "", index: int | None = None):
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

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the neuron is linear."""
        return self._f is not None

    def __call__(self, x: Sequence[Value | float]) -> Value:
        w = self.w
        try:
            ok = len(x) == len(w)
        except TypeError:  # no len(): not a list
            ok = False
        if not ok:
            raise _input_error(self, len(w), x)
        act = self.b  # the sum starts from the bias: no extra 0 node, no list
        for wi, xi in zip(w, x):
            act = act + wi * xi
        f = self._f
        return act if f is None else f(act)

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def _groups(self) -> dict[str, list]:
        return {"w": self.w, "b": [self.b]}

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)} -> {self.activation})"


def _input_error(module: Module, expected: int, x: object) -> Exception:
    try:
        got = len(x)
    except TypeError:
        return TypeError(f"{module!r}: input must be a list of {expected} numbers or Values, "
                         f"got {type(x).__name__}: {x!r}")
    return ValueError(f"{module!r}: expected {expected} inputs, got {got}")


class Layer(Module):
    """``nout`` neurons, each seeing the same ``nin`` inputs. Returns a Value when nout is 1, else a list.

    Extra keywords (``nonlin``, ``seed``) go to each Neuron; ``prefix`` names the parameters
    ``w{prefix}[{j},{i}]`` and ``b{prefix}[{j}]`` for neuron j and input i.
    """

    def __init__(self, nin: int, nout: int, activation: str = "relu", *,
                 seed: int | random.Random | None = None, prefix: str = "", **kwargs):
        nin, nout = _count(nin, "Layer(nin)"), _count(nout, "Layer(nout)")
        rng = _generator(seed)  # one generator for all neurons: each draws fresh weights
        self.neurons = [Neuron(nin, activation, seed=rng, prefix=prefix, index=j, **kwargs)
                        for j in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        return _unwrap([n(x) for n in self.neurons])

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def _groups(self) -> dict[str, list]:
        return {"w": [n.w for n in self.neurons], "b": [n.b for n in self.neurons]}

    def _describe(self) -> str:
        return f"{len(self.neurons)} {self.neurons[0].activation}"

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons[0].w)} -> {self._describe()})"


def _unwrap(out: list[Value]) -> Value | list[Value]:
    """micrograd's convention: one output is returned as a Value, several as a list."""
    return out[0] if len(out) == 1 else out


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one Layer per entry of ``nouts``.

    Hidden layers use ``activation``, the last one ``output_activation`` (micrograd: ReLU, then linear).
    ``seed``: same seed, same weights (they match micrograd's after ``random.seed(seed)``); None
    draws from Python's global generator.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 output_activation: str = "linear", seed: int | random.Random | None = None):
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
                  prefix=str(l + 1))
            for l in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:  # lists between layers, so a hidden layer of width 1 works too
            x = [n(x) for n in layer.neurons]
        return _unwrap(x)

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def _groups(self) -> dict[str, list]:
        return {f"{name}{l}": group for l, layer in enumerate(self.layers, 1)
                for name, group in layer._groups().items()}

    def __repr__(self) -> str:
        nin = len(self.layers[0].neurons[0].w)
        return f"MLP({nin} -> [{', '.join(layer._describe() for layer in self.layers)}])"
