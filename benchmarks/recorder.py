"""What recording a training run costs: ``python -m benchmarks.recorder [--steps N]``.

The moons walkthrough's step (MLP(2, [16, 16, 1]), 100 points, hinge + L2, forward, backward, SGD)
is timed with and without ``TrainingRecorder.record`` after it, the two taking turns step by step,
so a noisy shared machine slows both alike; then ``write_html`` of the run. The medians are printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tinygrad_edu.datasets import make_moons
from tinygrad_edu.losses import hinge
from tinygrad_edu.nn import MLP
from tinygrad_edu.optim import SGD
from tinygrad_edu.recorder import TrainingRecorder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recorder",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps with and without recording")
    args = parser.parse_args(argv)
    X, labels = make_moons(100, noise=0.1, seed=0)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    params = model.parameters()
    optimizer = SGD(params, lr=0.1)
    recorder = TrainingRecorder(model, X, y)
    train, record = [], []
    for k in range(2 * args.steps):
        start = time.perf_counter()
        J = hinge([model(x) for x in X], y) + 1e-4 * sum(p * p for p in params)
        optimizer.zero_grad()
        J.backward()
        optimizer.step()
        trained = time.perf_counter()
        if k % 2:  # every other step is recorded: the recorder sees every second step's numbers
            recorder.record(J, optimizer.lr)
            record.append(time.perf_counter() - trained)
        train.append(trained - start)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        page = recorder.write_html(Path(tmp) / "moons.html")
        written, size = time.perf_counter() - start, page.stat().st_size
    step, cost = statistics.median(train), statistics.median(record)
    print(f"moons training step (forward + backward + SGD): {step * 1e3:.1f} ms (median of {len(train)})")
    print(f"record() after it: {cost * 1e6:.0f} µs (median of {len(record)}), {cost / step:.2%} of a step")
    print(f"write_html of {len(recorder.losses)} steps: {written:.2f} s, {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
