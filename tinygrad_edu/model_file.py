"""Model files: a model's architecture and numbers as strict JSON, written atomically, read with
bounded work and checked whole before anything is built.

A file (``Module.save``) is one JSON object::

    {"format": "tinygrad_edu.nn", "model": "MLP(2 -> [3 relu, 1 linear])",
     "architecture": {"class": "MLP", "nin": 2, "nouts": [3, 1], "activation": "relu",
                      "output_activation": "linear", "fused": true},
     "state": {"w1": [[0.1, -0.5], [0.8, 0.2], [-0.3, 0.9]], "b1": [0.0, 0.0, 0.0],
               "w2": [[0.4, -0.6, 0.7]], "b2": [0.0]}}

``read(path, shapes)`` checks it in this order, each step bounded by what the one before allowed:
the file's size (at most ``MAX_BYTES``, of which no more is read); the JSON (strict: NaN,
Infinity or a number no float holds is refused naming its parameter; nesting too deep to parse
is a ValueError, never a RecursionError); each field's type (the architecture a flat object, the
state groups of numbers or rows of numbers); then the numbers present against the architecture:
``shapes`` (nn's, which builds nothing) says which groups of which shapes the recorded
architecture needs, and each group in the file must be exactly that. So ``"nouts": [1000000, 1]``
beside the numbers of a 3-neuron layer is refused in milliseconds, naming the group and the
architecture, and a model is only ever built for numbers the file holds.

This module knows nothing of Values or networks: ``nn`` describes the shapes and builds.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .files import read_limited, shorten, write_atomic

__all__ = ["write", "read", "Saved", "Shape", "FORMAT", "MAX_BYTES"]

FORMAT = "tinygrad_edu.nn"  # marks our files, so loading some other JSON fails clearly
MAX_BYTES = 64 * 2**20  # ~3 million parameters, more than this engine trains in a day
Shape = tuple[int, ...]  # (n,) for a list of n numbers, (rows, columns) for a list of rows


@dataclass(frozen=True)
class Saved:
    """A model file's contents, checked: ``state`` has exactly the groups and shapes ``shapes``
    asked for, every entry a finite float."""

    model: str  # repr() of the model that was saved, e.g. "MLP(2 -> [3 relu, 1 linear])"
    architecture: object  # what nn needs to build it again (an object); None if its class does not say
    state: dict[str, list]


def write(path: str | os.PathLike, model: str, architecture: dict | None, state: dict[str, list]) -> Path:
    """Write a model file atomically (``files.write_atomic``): strict JSON, so a number that is not
    finite raises a ValueError and nothing is written."""
    text = json.dumps({"format": FORMAT, "model": model, "architecture": architecture, "state": state},
                      allow_nan=False)
    return write_atomic(path, text)


def read(path: str | os.PathLike, shapes: Callable[[str, object], tuple[dict[str, Shape], str]]) -> Saved:
    """The model file at ``path``, checked whole (see the module's docstring) before anything is built.

    ``shapes(model, architecture)`` gives the groups and shapes the file must hold and, for a
    message, what says so (``"the architecture {...}"``, or the model loaded into), or raises a
    ValueError saying why that model cannot be loaded; the architecture reaches it flat (an object
    of numbers, names and lists of them, or one of these), so it can quote any of it. Every refusal
    is a ValueError that starts with ``load: PATH`` and names what is wrong; a file that cannot be
    opened is the OSError it was.
    """
    where = f"load: {shorten(path)}"
    try:
        saved = _parse(read_limited(path, MAX_BYTES, "a model file"))
    except ValueError as e:
        raise ValueError(f"{where} is not a complete JSON model file ({shorten(e)})") from None
    if not (isinstance(saved, dict) and saved.get("format") == FORMAT and "state" in saved):
        raise ValueError(f"{where} is not a tinygrad_edu model file (saved by Module.save)")
    try:
        model, architecture, state = _fields(saved)
        expected, authority = shapes(model, architecture)
        _check_state(state, expected, authority)
        return Saved(model, architecture, {name: _finite(name, state[name], len(shape))
                                           for name, shape in expected.items()})
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None


def _parse(raw: bytes) -> object:
    """Strict JSON: NaN, Infinity and 1e999 kept as ``_Constant`` (refused later, with the parameter's
    name); nesting too deep for the parser, or an integer of thousands of digits, a ValueError."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_Constant, parse_float=_float)
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text: {e.reason} at byte {e.start}") from None
    except RecursionError:  # the parser's own recursion: nothing of ours is deep
        raise ValueError("nested too deeply (a model file nests 3 levels)") from None


class _Constant:
    """A number strict JSON does not allow (NaN, Infinity, 1e999), kept as written until the
    parameter it belongs to is known, so that the error can name both."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _float(text: str) -> float | _Constant:
    x = float(text)
    return x if math.isfinite(x) else _Constant(text)


_SIMPLE = (str, int, float, bool, type(None))


def _fields(saved: dict) -> tuple[str, object, dict]:
    """The model's name, architecture and state, each of the type a file holds, else a ValueError."""
    model, architecture, state = saved.get("model"), saved.get("architecture"), saved["state"]
    if not isinstance(model, str):
        raise ValueError(f"\"model\" should be the model's name (text), got {_kind(model)}")
    entries = architecture.items() if isinstance(architecture, dict) else [("", architecture)]
    for key, value in entries:  # flat: a message may quote any of it, and no reader recurses
        if not (isinstance(value, _SIMPLE) or isinstance(value, list) and all(isinstance(v, _SIMPLE)
                                                                                for v in value)):
            which = f"[{shorten(json.dumps(key))}]" if key else ""
            raise ValueError(f"architecture{which} should be a number, a name or a list of them, "
                             f"got {_kind(value)}")
    if not isinstance(state, dict):
        raise ValueError(f"\"state\" should be an object of parameter groups, got {_kind(state)}")
    return model, architecture, state


def _check_state(state: dict, expected: dict[str, Shape], authority: str) -> None:
    """Each group named in ``expected`` is in ``state`` with exactly that shape, and no other is."""
    missing = [name for name in expected if name not in state]
    unexpected = [name for name in state if name not in expected]
    if missing or unexpected:
        raise ValueError(f"the parameter groups differ from the model's ({_names(expected)}): missing "
                         f"{_names(missing) or 'none'}, unexpected {_names(unexpected) or 'none'}")
    for name, shape in expected.items():
        held = _shape(name, state[name], len(shape))
        if held != shape:
            raise ValueError(f"{shorten(json.dumps(name))} should hold {_size(shape)} numbers, as "
                             f"{authority} says; the file holds {_size(held)}")


def _shape(name: str, group: object, dims: int) -> Shape:
    """The shape of ``group``: a list of ``dims`` levels, rows all as long (else a ValueError)."""
    if not isinstance(group, list):
        raise ValueError(f"{shorten(json.dumps(name))} should be a list, got {_kind(group)}")
    if dims == 1:
        return (len(group),)
    widths = set()
    for i, row in enumerate(group):
        if not isinstance(row, list):
            raise ValueError(f"{shorten(name)}[{i}] should be a list (a row), got {_kind(row)}")
        widths.add(len(row))
    if len(widths) > 1:
        raise ValueError(f"the rows of {shorten(json.dumps(name))} differ in length: {sorted(widths)[:4]}")
    return (len(group), widths.pop() if widths else 0)


def _finite(name: str, group: list, dims: int) -> list:
    """``group`` (``dims`` levels, its shape checked) with every entry a finite float, else a
    ValueError naming the parameter."""
    if dims == 2:
        return [[_number(f"{name}[{i}][{j}]", x) for j, x in enumerate(row)] for i, row in enumerate(group)]
    return [_number(f"{name}[{i}]", x) for i, x in enumerate(group)]


def _number(name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, _Constant)):
        raise ValueError(f"parameter {shorten(name)} should be a number, got {_kind(x)}")
    try:
        number = float(x.text) if isinstance(x, _Constant) else float(x)
    except OverflowError:  # an integer such as 10**400: no float holds it
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"parameter {shorten(name)} is {shorten(repr(x), 40)}; only finite numbers load")
    return number


def _kind(x: object) -> str:
    """What ``x`` is, for a message, without ever printing a deep or long structure."""
    if isinstance(x, (list, dict)):
        return f"a {'list' if isinstance(x, list) else 'JSON object'} of {len(x)} entries"
    if x is None:
        return "null"
    return shorten(repr(x), 40)


def _names(names: Iterable[str]) -> str:
    every = list(names)
    return ", ".join(shorten(json.dumps(n), 30) for n in every[:8]) + (", ..." if len(every) > 8 else "")


def _size(shape: Shape) -> str:
    return " × ".join(str(n) for n in shape)
