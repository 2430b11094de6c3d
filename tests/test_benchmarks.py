"""The benchmark runs at tiny sizes, the engines agree with the reference, the table prints.

No test here asserts a time: speed is measured by ``python -m benchmarks``, not by the tests.
"""

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import limit, run, worker, workloads
from benchmarks.engines import ENGINES, OURS, EngineMissing, load

ROOT = Path(__file__).resolve().parents[1]
TINY = {"points": 5, "hidden": [3, 2]}


def installed(engine: str) -> bool:
    return importlib.util.find_spec("tinygrad_edu" if engine in OURS else engine) is not None


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """One tiny run of everything, each engine in its own process, as `make bench` does."""
    results = tmp_path_factory.mktemp("bench") / "results.jsonl"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--tiny", "--rounds", "1", "--results",
                           str(results)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout, [json.loads(line) for line in results.read_text().splitlines()]


def test_the_table_prints_every_workload_and_the_targets(smoke):
    out, _ = smoke
    for title in ("mlp: MLP(2, [3, 1])", "chain: y = y·c + 0", "wide: Σ wᵢ·xᵢ over 50 pairs",
                  "memory: one training step's mlp graph", "moons: the walkthrough's 2 training steps",
                  "targets (measured in this run)", "limit (by hand)", "Python 3."):
        assert title in out
    assert "WRONG" not in out
    for row in ("tinygrad_edu.nn-chain", "tinygrad_edu.scoped", "engine.dot", "÷ hand-written",
                "each layer in a scope vs none", "moons, 2 training steps"):
        assert row in out


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_agrees_with_the_reference_or_is_skipped(smoke, engine):
    out, results = smoke
    mine = [r for r in results if r["engine"] == engine]
    if not installed(engine):
        assert f"skipped {engine}:" in out
        return
    measured = [r for r in mine if "agrees" in r]
    assert measured, mine
    assert all(r["agrees"] for r in measured), [r for r in measured if not r["agrees"]]
    assert {r["workload"] for r in measured} >= {"mlp", "memory"}
    if engine == "tinygrad_edu":  # the n-ary reductions, this project's only
        assert {r["reduce"] for r in measured if r["workload"] == "wide"} == {"pairwise", "sum", "engine.sum",
                                                                              "engine.dot"}


def test_micrograd_fails_the_deep_chain_and_this_engine_does_not(smoke):
    _, results = smoke
    deep = {r["engine"]: r for r in results if r["workload"] == "chain" and r["depth"] == 2_000}
    assert deep["tinygrad_edu"]["agrees"] is True
    if installed("micrograd"):
        assert deep["micrograd"]["error"].startswith("RecursionError")


def test_hand_written_gradients_match_the_engine():
    engine = load("tinygrad_edu")
    weights, xs, ys = workloads.problem(**TINY)
    params, forward = workloads.generic_model(engine, weights)
    loss = workloads.hinge_loss(engine, forward, params, xs, ys)
    loss.backward()
    ref_loss, ref_grads = limit.loss_and_grads(weights, xs, ys, workloads.ALPHA)
    assert loss.data == pytest.approx(ref_loss, rel=1e-12)
    assert [p.grad for p in params] == pytest.approx(ref_grads, rel=1e-12, abs=1e-15)
    assert any(g != 0.0 for g in ref_grads)


def test_a_wrong_gradient_does_not_agree():
    spec = {"workload": "mlp", **TINY}
    ref = run.reference(spec)
    loss, grads = workloads.reference(spec)
    grads[3] += 1e-6 * ref["scale"]  # one gradient off by a millionth of their sum
    checksum, scale = workloads.checksum(grads)
    assert run.agrees({"loss": loss, "checksum": checksum}, ref) is False
    loss, grads = workloads.reference(spec)
    swapped = grads[:]
    swapped[0], swapped[1] = grads[1], grads[0]
    assert run.agrees({"loss": loss, "checksum": workloads.checksum(swapped)[0]}, ref) is False
    assert run.agrees({"loss": loss * (1 + 1e-6), "checksum": ref["checksum"]}, ref) is False
    assert run.agrees({"loss": loss, "checksum": ref["checksum"]}, ref) is True


def test_graph_nodes_counts_leaves_constants_and_ops():
    engine = load("tinygrad_edu")
    from tinygrad_edu.engine import topological_order

    weights, xs, ys = workloads.problem(**TINY)
    params, forward = workloads.generic_model(engine, weights)
    loss = workloads.hinge_loss(engine, forward, params, xs, ys)
    assert workloads.graph_nodes(TINY) == len(topological_order(loss))


@pytest.mark.parametrize("module", ["micrograd", "torch"])
def test_a_missing_engine_is_reported_as_skipped_not_raised(monkeypatch, module):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail, as when not installed
    with pytest.raises(EngineMissing):
        load(module)
    result = worker.measure({"workload": "chain", "engine": module, "depth": 10})
    assert result["skipped"].startswith(f"{module} is not installed")


def test_the_render_benchmark_times_each_backend_and_sizes_the_wasm_packages():
    done = subprocess.run([sys.executable, "-m", "benchmarks.render", "--renders", "2"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[1:3]}
    assert rows["wasm"].count("ms") == 4  # first, #2, median, the network's picture
    assert ("skipped" in rows["system"]) == (shutil.which("dot") is None)
    assert re.search(r"the WebAssembly backend adds \d+\.\d MB", done.stdout)
