"""The workloads. Every engine runs this same code on the same numbers.

    mlp     MLP(2, [16, 16, 1]) on seeded points: forward, backward, SGD step, zero grads
    chain   y = y·c + 0 repeated `depth` times, then backward
    wide    Σ wᵢ·xᵢ over many pairs: a pairwise tree or Python's sum() of products, or one
            n-ary node (engine.sum of the products, engine.dot of the lists; this project only)
    memory  bytes of one training step's mlp graph (resident set growth and tracemalloc)
    moons   the moons walkthrough's 100 training steps, as it runs them
    limit   the mlp's forward and backward by hand (limit.py): the floor

Each returns a dict of numbers, with ``loss`` and ``grads`` for the agreement check.
"""

from __future__ import annotations

import contextlib
import gc
import random
import statistics
import tracemalloc
from time import perf_counter

from . import limit
from .engines import OURS, EngineMissing

ALPHA = 1e-4  # weight of the L2 term
LR = 1e-3  # SGD step size


# -- the shared problem ----------------------------------------------------------------------
def problem(points: int, hidden: list[int], seed: int = 0):
    """Seeded weights [[[w..., b] per neuron] per layer], inputs and ±1 labels (inside a circle or not)."""
    rng = random.Random(seed)
    sizes = [2, *hidden, 1]
    weights = [[[rng.uniform(-1, 1) for _ in range(n_in + 1)] for _ in range(n_out)]
               for n_in, n_out in zip(sizes, sizes[1:])]
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(points)]
    ys = [1.0 if x0 * x0 + x1 * x1 < 2.0 else -1.0 for x0, x1 in xs]
    return weights, xs, ys


def generic_model(engine, weights):
    """The MLP written once over the engine's scalar type: (parameters, forward)."""
    layers = [[[engine.leaf(v) for v in wb] for wb in layer] for layer in weights]
    last = len(layers) - 1

    def forward(x):
        for i, layer in enumerate(layers):
            out = []
            with engine.scope(f"layer{i + 1}"):  # a block only for tinygrad_edu.scoped
                for *w, b in layer:
                    act = b
                    for wi, xi in zip(w, x):
                        act = act + wi * xi
                    out.append(act if i == last else engine.relu(act))
            x = out
        return x[0]

    return [p for layer in layers for neuron in layer for p in neuron], forward


def project_model(engine, weights):
    """This project's own ``tinygrad_edu.nn.MLP`` carrying the same weights (``fused=False`` for
    tinygrad_edu.nn-chain: micrograd's chain of * and + in every neuron)."""
    try:
        from tinygrad_edu.nn import MLP
    except ImportError as e:
        raise EngineMissing(f"tinygrad_edu.nn.MLP is not available ({e})") from None
    model = MLP(len(weights[0][0]) - 1, [len(layer) for layer in weights], seed=0,
                fused=engine.name != "tinygrad_edu.nn-chain")
    params = []
    for layer, layer_weights in zip(model.layers, weights):
        for neuron, wb in zip(layer.neurons, layer_weights):
            for p, v in zip([*neuron.w, neuron.b], wb):
                p.data = v
            params += [*neuron.w, neuron.b]
    if len(params) != len(model.parameters()):
        raise ValueError("tinygrad_edu.nn.MLP has a different architecture than the benchmark's")
    return params, model


def model(engine, weights):
    build = project_model if engine.name.startswith("tinygrad_edu.nn") else generic_model
    return build(engine, weights)


def hinge_loss(engine, forward, params, xs, ys):
    """Σ max(0, 1 − y·score) + alpha·Σ p² — micrograd's demo loss, summed."""
    data_loss = sum(engine.relu(1 + forward(x) * -y) for x, y in zip(xs, ys))
    return data_loss + ALPHA * sum(p * p for p in params)


class _Counted:
    """A scalar that only counts the nodes a graph has: leaves, wrapped numbers and op results."""

    made = 0

    def __init__(self) -> None:
        _Counted.made += 1

    def __add__(self, other):
        if not isinstance(other, _Counted):
            _Counted()  # the number becomes a node, as in micrograd and this engine
        return _Counted()

    __radd__ = __mul__ = __rmul__ = __add__

    def relu(self):
        return _Counted()


class _Counter:
    name = "count"
    leaf = staticmethod(lambda x: _Counted())
    relu = staticmethod(lambda v: v.relu())
    scope = staticmethod(lambda name: contextlib.nullcontext())


def graph_nodes(spec) -> int:
    """How many nodes the mlp graph has: the per-node denominator, the same for every engine."""
    weights, xs, ys = problem(spec["points"], spec["hidden"])
    _Counted.made = 0
    params, forward = generic_model(_Counter, weights)
    hinge_loss(_Counter, forward, params, xs, ys)
    return _Counted.made


# -- mlp -------------------------------------------------------------------------------------
class CollectorClock:
    """A gc.callbacks hook adding up the seconds spent in Python's cycle collector."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = perf_counter()
        else:
            self.seconds += perf_counter() - self._start


def mlp(engine, spec):
    weights, xs, ys = problem(spec["points"], spec["hidden"])
    params, forward = model(engine, weights)
    clock = CollectorClock()
    rows = []
    was_enabled = gc.isenabled()
    gc.callbacks.append(clock)
    if not spec["gc"]:
        gc.disable()
    try:
        for step in range(spec["iters"] + 1):  # step 0 warms up and gives the agreement check
            clock.seconds = 0.0
            t0 = perf_counter()
            loss = hinge_loss(engine, forward, params, xs, ys)  # frees the previous step's graph
            t1 = perf_counter()
            engine.backward(loss)
            t2 = perf_counter()
            if step == 0:
                check = {"loss": engine.number(loss), "grads": [engine.grad(p) for p in params]}
                t2 = perf_counter()
            for p in params:
                p.data -= LR * p.grad
                engine.zero_grad(p)
            t3 = perf_counter()
            if step:
                rows.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0, clock.seconds))
    finally:
        gc.callbacks.remove(clock)
        if was_enabled:
            gc.enable()
    columns = ("forward", "backward", "update", "total", "collector")
    return {**{c: statistics.median(r[i] for r in rows) for i, c in enumerate(columns)}, **check}


def limit_mlp(spec):
    """The hand-written floor, timed like mlp (forward, backward; no graph to update)."""
    weights, xs, ys = problem(spec["points"], spec["hidden"])
    layers = limit.as_layers(weights)
    rows = []
    for step in range(spec["iters"] + 1):
        t0 = perf_counter()
        loss, tape = limit.forward(layers, xs, ys, ALPHA)
        t1 = perf_counter()
        grads = limit.backward(layers, tape, ALPHA)
        t2 = perf_counter()
        if step:
            rows.append((t1 - t0, t2 - t1, t2 - t0))
    columns = ("forward", "backward", "total")
    return {**{c: statistics.median(r[i] for r in rows) for i, c in enumerate(columns)},
            "loss": loss, "grads": grads}


# -- memory ----------------------------------------------------------------------------------
def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            import os

            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


def memory(engine, spec):
    """Bytes of one training step's mlp graph after forward and backward (the graph a learner
    holds), and per node of that graph: nodes now differ in size, so the graph is what compares."""
    weights, xs, ys = problem(spec["points"], spec["hidden"])
    params, forward = model(engine, weights)
    engine.backward(hinge_loss(engine, forward, params, xs[:1], ys[:1]))  # warm up lazy set-up
    for p in params:
        engine.zero_grad(p)
    gc.collect()
    before = _resident_bytes()
    loss = hinge_loss(engine, forward, params, xs, ys)
    engine.backward(loss)
    after = _resident_bytes()
    check = {"loss": engine.number(loss), "grads": [engine.grad(p) for p in params]}
    nodes = own_nodes(engine, loss) or graph_nodes(spec)
    for p in params:
        engine.zero_grad(p)
    del loss
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    loss = hinge_loss(engine, forward, params, xs, ys)
    engine.backward(loss)
    traced = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    return {"nodes": nodes, "rss": None if before is None else after - before, "traced": traced, **check}


def own_nodes(engine, loss) -> int | None:
    """The number of nodes of this project's graph (a fused neuron is one node), else None."""
    if engine.name not in OURS:
        return None
    from tinygrad_edu.engine import topological_order

    return len(topological_order(loss))


# -- chain and wide --------------------------------------------------------------------------
def chain(engine, spec):
    """y = y·c + 0, `depth` times: the deepest graph backward() can handle."""
    x, c = engine.leaf(1.5), engine.leaf(1.0)
    gc.collect()  # the same collector state for every engine: what import left must not decide when it runs
    t0 = perf_counter()
    y = x
    for _ in range(spec["depth"]):
        y = y * c + 0
    t1 = perf_counter()
    engine.backward(y)
    t2 = perf_counter()
    return {"forward": t1 - t0, "backward": t2 - t1, "total": t2 - t0,
            "loss": engine.number(y), "grads": [engine.grad(x), engine.grad(c)]}


def pairwise_sum(terms):
    """a+b, c+d, ... then the same on the sums: depth log2(n) instead of n."""
    while len(terms) > 1:
        sums = [a + b for a, b in zip(terms[::2], terms[1::2])]
        terms = sums + terms[2 * len(sums):]  # an odd one out waits for the next level
    return terms[0]


def nary_sum(terms):
    from tinygrad_edu import engine

    return engine.sum(terms)


REDUCTIONS = {"pairwise": pairwise_sum, "sum": sum, "engine.sum": nary_sum}  # of the products wᵢ·xᵢ
NARY = ("engine.sum", "engine.dot")  # one node for the whole sum: this project's engine only


def wide_numbers(pairs: int):
    rng = random.Random(1)
    return [rng.uniform(-1, 1) for _ in range(pairs)], [rng.uniform(-1, 1) for _ in range(pairs)]


def wide(engine, spec):
    """Σ wᵢ·xᵢ over `pairs` pairs of leaves, reduced by spec["reduce"] (engine.dot: one node)."""
    ws, xs = wide_numbers(spec["pairs"])
    ws, xs = [engine.leaf(v) for v in ws], [engine.leaf(v) for v in xs]
    gc.collect()  # as in chain
    t0 = perf_counter()
    if spec["reduce"] == "engine.dot":
        from tinygrad_edu.engine import dot

        total = dot(ws, xs)
    else:
        total = REDUCTIONS[spec["reduce"]]([w * x for w, x in zip(ws, xs)])
    t1 = perf_counter()
    engine.backward(total)
    t2 = perf_counter()
    return {"forward": t1 - t0, "backward": t2 - t1, "total": t2 - t0,
            "loss": engine.number(total), "grads": [engine.grad(p) for p in ws + xs]}


# -- moons -----------------------------------------------------------------------------------
def moons(engine, spec):
    """The moons walkthrough's training loop (its model, data, loss and SGD schedule), timed as a
    user runs it: the collector on. Agrees when it reaches its 100% training accuracy."""
    from tinygrad_edu.optim import SGD
    from tinygrad_edu.walkthroughs.moons import Moons

    if not gc.isenabled():
        raise RuntimeError("moons is timed with the collector on, as a user runs it")
    tour = Moons(seed=0, steps=spec["steps"])
    optimizer = SGD(tour.model.parameters(), lr=1.0)
    t0 = perf_counter()
    for k in range(tour.n_steps):  # the walkthrough's train(), without its printing
        _, J, accuracy = tour.loss()
        optimizer.zero_grad()
        J.backward()
        optimizer.lr = 1.0 - 0.9 * k / tour.n_steps
        optimizer.step()
    total = perf_counter() - t0
    _, J, accuracy = tour.loss()
    return {"total": total, "accuracy": accuracy, "loss": J.data, "grads": []}


# -- references: the right answers, from plain floats ----------------------------------------
def reference(spec) -> tuple[float, list[float]]:
    """(loss, gradients) every engine must reproduce for this spec."""
    workload = spec["workload"]
    if workload in ("mlp", "memory"):
        return limit.loss_and_grads(*problem(spec["points"], spec["hidden"]), ALPHA)
    if workload == "chain":
        return 1.5, [1.0, 1.5 * spec["depth"]]  # y = 1.5·1ⁿ: ∂y/∂x = 1, ∂y/∂c = n·1.5
    if workload == "wide":
        ws, xs = wide_numbers(spec["pairs"])
        how = {"engine.sum": "sum", "engine.dot": "sum"}.get(spec["reduce"], spec["reduce"])
        return REDUCTIONS[how]([w * x for w, x in zip(ws, xs)]), xs + ws  # ∂/∂w = x, ∂/∂x = w
    raise ValueError(f"unknown workload {workload!r}")


def checksum(grads: list[float]) -> tuple[float, float]:
    """A position-weighted sum of the gradients (so a swap shows) and its scale Σ|·|."""
    weights = [1.0 + (i % 10) / 10 for i in range(len(grads))]
    return (sum(w * g for w, g in zip(weights, grads)), sum(w * abs(g) for w, g in zip(weights, grads)))


def run(engine, spec):
    if spec["workload"] == "mlp":
        return limit_mlp(spec) if engine is None else mlp(engine, spec)
    return {"memory": memory, "chain": chain, "wide": wide, "moons": moons}[spec["workload"]](engine, spec)
