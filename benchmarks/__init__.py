"""Benchmarks: this engine against micrograd, PyTorch and a hand-written floor.

Run everything with ``python -m benchmarks`` (``make bench`` sets up ``.venv-bench`` first).
Each measurement runs in a fresh process (``benchmarks.worker``); the engines take turns
(A B A B ...) over several rounds, and the table shows medians and ratios — on a shared,
noisy machine only ratios measured side by side mean anything. Before a time is reported,
the engine's loss and gradient checksum must agree with a plain-float reference.

    engines.py     one small adapter per engine (leaves, relu, backward, zero_grad)
    workloads.py   the shared problem and the workloads: mlp, chain, wide, memory
    limit.py       the same MLP's forward and backward by hand in plain Python
    worker.py      one measurement in this process, printed as one JSON line
    run.py         the rounds, the agreement check, the table and results.jsonl
"""
