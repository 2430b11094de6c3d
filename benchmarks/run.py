"""Run every workload for every engine, each in a fresh process, taking turns over several rounds.

    python -m benchmarks                      # everything, 5 rounds (a few minutes)
    python -m benchmarks --rounds 1 --tiny    # a smoke run in seconds

Prints the table (medians; ratios are medians of per-round ratios, since on a shared machine
only times measured side by side compare) and appends the raw results as JSON lines to
benchmarks/results.jsonl. A result whose loss or gradient checksum disagrees with the
plain-float reference is reported as WRONG and gets no time.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from . import workloads
from .engines import ENGINES, MLP_ONLY, OURS

ROOT = Path(__file__).resolve().parents[1]
RTOL = 1e-9  # how closely loss and gradient checksum must match the reference


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="turns each engine takes (default 5)")
    p.add_argument("--iters", type=int, default=3, help="timed mlp iterations per process (default 3)")
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--hidden", type=int, nargs="+", default=[16, 16])
    p.add_argument("--depths", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    p.add_argument("--pairs", type=int, default=100_000)
    p.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    p.add_argument("--moons-steps", type=int, default=100, help="training steps of the moons walkthrough")
    workloads_ = ["mlp", "chain", "wide", "memory", "moons"]
    p.add_argument("--workloads", nargs="+", default=workloads_, choices=workloads_,
                   help="mlp includes the hand-written limit")
    p.add_argument("--tiny", action="store_true", help="tiny sizes for a smoke test")
    p.add_argument("--timeout", type=float, default=600, help="seconds before a process counts as failed")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results.jsonl")
    args = p.parse_args(argv)
    if args.tiny:
        args.iters, args.points, args.hidden, args.depths, args.pairs = 1, 4, [3], [100, 2_000], 50
        args.moons_steps = 2
    return args


# -- running ---------------------------------------------------------------------------------
def measure(spec: dict, timeout: float) -> dict:
    """Run one spec in a fresh Python process; its last stdout line is the JSON result."""
    cmd = [sys.executable, "-m", "benchmarks.worker", json.dumps(spec)]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {**spec, "error": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return {**spec, "error": f"the process died: {last[:200]}"}
    return json.loads(lines[-1])


def agrees(result: dict, reference: dict) -> bool:
    """Loss and gradient checksum within RTOL of the reference: a fast wrong engine must not win."""
    return (abs(result["loss"] - reference["loss"]) <= RTOL * max(1.0, abs(reference["loss"]))
            and abs(result["checksum"] - reference["checksum"]) <= RTOL * max(1.0, reference["scale"]))


def reference(spec: dict) -> dict:
    loss, grads = workloads.reference(spec)
    cs, scale = workloads.checksum(grads)
    return {"loss": loss, "checksum": cs, "scale": scale}


def plan(args):
    """Rounds of specs; within a round every engine takes its turn for each setting (A B A B)."""
    sizes = {"points": args.points, "hidden": args.hidden}
    settings = []
    if "mlp" in args.workloads:
        for gc_on in (True, False):
            settings.append([{"workload": "mlp", "engine": e, "gc": gc_on, "iters": args.iters, **sizes}
                             for e in [*args.engines, *(["limit"] if gc_on else [])]])
    scalar = [e for e in args.engines if e not in MLP_ONLY]  # chain and wide are not an MLP
    if "chain" in args.workloads:
        settings += [[{"workload": "chain", "engine": e, "depth": d} for e in scalar] for d in args.depths]
    if "wide" in args.workloads:
        for how in [*workloads.REDUCTIONS, "engine.dot"]:
            engines = [e for e in scalar if how not in workloads.NARY or e == "tinygrad_edu"]
            settings.append([{"workload": "wide", "engine": e, "pairs": args.pairs, "reduce": how}
                             for e in engines])
    if "memory" in args.workloads:
        settings.append([{"workload": "memory", "engine": e, **sizes} for e in args.engines])
    if "moons" in args.workloads and "tinygrad_edu.nn" in args.engines:
        settings.append([{"workload": "moons", "engine": "tinygrad_edu.nn", "steps": args.moons_steps}])
    return [[spec for setting in settings for spec in setting] for _ in range(args.rounds)]


def run(args, log):
    """All rounds; returns every result (with its round) and writes each to the results file."""
    refs, results, skipped, failed = {}, [], {}, set()
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    for r, specs in enumerate(plan(args)):
        log(f"round {r + 1}/{args.rounds}")
        for spec in specs:
            if spec["engine"] in skipped:
                continue
            chain_key = (spec["engine"], spec.get("depth", 0))
            if spec["workload"] == "chain" and any(e == chain_key[0] and d < chain_key[1] for e, d in failed):
                continue  # it already failed on a shallower chain
            result = measure(spec, args.timeout)
            result["round"], result["run"] = r, stamp
            if "skipped" in result:
                skipped[spec["engine"]] = result["skipped"]
            elif "error" in result:
                if spec["workload"] == "chain":
                    failed.add(chain_key)
            elif spec["workload"] == "moons":  # no plain-float twin: it must learn what it teaches
                result["agrees"] = result["accuracy"] == 1.0 if spec["steps"] >= 100 else result["loss"] < 1.0
            else:
                key = json.dumps({k: v for k, v in spec.items() if k not in ("engine", "gc", "iters")})
                refs.setdefault(key, reference(spec))
                result["agrees"] = agrees(result, refs[key])
            results.append(result)
            if args.results:
                with open(args.results, "a") as f:
                    f.write(json.dumps(result) + "\n")
    return results, skipped


# -- the table -------------------------------------------------------------------------------
def _select(results, **match):
    return [r for r in results if all(r.get(k) == v for k, v in match.items())]


def _median(results, key, **match):
    values = [r[key] for r in _select(results, **match) if r.get("agrees") and r.get(key) is not None]
    return statistics.median(values) if values else None


def _ratio(results, num: dict, den: dict, key="total"):
    """The median over rounds of num[key] / den[key], each pair measured in the same round."""
    ratios = []
    for r in {x["round"] for x in results}:
        a, b = _median(results, key, round=r, **num), _median(results, key, round=r, **den)
        if a is not None and b:
            ratios.append(a / b)
    return statistics.median(ratios) if ratios else None


def _status(results, **match):
    """Why there is no number: the error, WRONG, or None when there is one."""
    rows = _select(results, **match)
    if not rows:
        return "—"
    if any(r.get("agrees") for r in rows):
        return None
    wrong = [r for r in rows if r.get("agrees") is False]
    if wrong:
        return f"WRONG (loss {wrong[0]['loss']!r})"
    return rows[0].get("error", "—").split(":")[0]


def _fmt(x, spec="{:.4f}", suffix=""):
    return "—" if x is None else spec.format(x) + suffix


def mlp_table(results, args, engines):
    nodes = workloads.graph_nodes({"points": args.points, "hidden": args.hidden})
    lines = [f"mlp: MLP(2, {[*args.hidden, 1]}), ReLU hidden, {args.points} points, hinge loss + L2; "
             f"{nodes:,} graph nodes; seconds per iteration",
             f"{'engine':21} {'gc':3} {'forward':>8} {'backward':>8} {'update':>8} {'total':>8} "
             f"{'collector':>14} {'ops/s':>8} {'× micrograd':>11} {'÷ limit':>8}"]
    limit_total = _median(results, "total", workload="mlp", engine="limit")
    for gc_on in (True, False):
        for e in engines:
            m = {"workload": "mlp", "engine": e, "gc": gc_on}
            status = _status(results, **m)
            if status:
                lines.append(f"{e:21} {'on' if gc_on else 'off':3} {status}")
                continue
            t = {k: _median(results, k, **m) for k in ("forward", "backward", "update", "total", "collector")}
            work = t["forward"] + t["backward"]
            speed = _ratio(results, {"workload": "mlp", "engine": "micrograd", "gc": gc_on}, m)
            vs_limit = _ratio(results, m, {"workload": "mlp", "engine": "limit"}, "work")
            collector = f"{t['collector']:.4f} ({t['collector'] / t['total']:.0%})"
            lines.append(f"{e:21} {'on' if gc_on else 'off':3} {t['forward']:8.4f} {t['backward']:8.4f} "
                         f"{t['update']:8.4f} {t['total']:8.4f} {collector:>14} {nodes / work / 1e6:7.2f}M "
                         f"{_fmt(speed, '{:.1f}', '×'):>11} {_fmt(vs_limit, '{:.1f}', '×'):>8}")
    if limit_total is not None:
        f, b = (_median(results, k, workload="mlp", engine="limit") for k in ("forward", "backward"))
        lines.append(f"{'limit (by hand)':21} {'':3} {f:8.4f} {b:8.4f} {'':>8} {limit_total:8.4f}")
    lines.append("× micrograd: micrograd's time ÷ this one (higher is faster); ÷ limit: (forward + backward) "
                 "÷ the hand-written floor's;")
    lines.append(f"ops/s: the {nodes:,} nodes of the chain-of-* and + graph per second of forward + backward "
                 "(a fused neuron does 2n of them in one)")
    return lines


def chain_table(results, args, engines):
    lines = ["chain: y = y·c + 0 repeated n times (2n ops), forward + backward, default recursion limit "
             f"({sys.getrecursionlimit()}); seconds, each depth in a fresh process",
             f"{'engine':16} " + " ".join(f"{f'n = {d:,}':>16}" for d in args.depths)]
    for e in [e for e in engines if e not in MLP_ONLY]:
        m = {"workload": "chain", "engine": e}
        cells = [_status(results, depth=d, **m) or f"{_median(results, 'total', depth=d, **m):.3f} s"
                 for d in args.depths]
        lines.append(f"{e:16} " + " ".join(f"{c:>16}" for c in cells))
    return lines


WIDE = [*workloads.REDUCTIONS, "engine.dot"]


def wide_table(results, args, engines):
    lines = [f"wide: Σ wᵢ·xᵢ over {args.pairs:,} pairs, forward + backward; seconds (× micrograd's pairwise "
             "tree, or its same reduction)",
             f"{'engine':16} " + " ".join(f"{how:>22}" for how in WIDE)]
    for e in [e for e in engines if e not in MLP_ONLY]:
        cells = []
        for how in WIDE:
            m = {"workload": "wide", "engine": e, "reduce": how}
            status = _status(results, **m)
            versus = "pairwise" if how in workloads.NARY else how
            speed = _ratio(results, {**m, "engine": "micrograd", "reduce": versus}, m)
            cells.append(status or f"{_median(results, 'total', **m):.4f} s"
                         + (f" ({speed:.1f}×)" if speed and e != "micrograd" else ""))
        lines.append(f"{e:16} " + " ".join(f"{c:>22}" for c in cells))
    lines.append("engine.sum: one n-ary node adding the n products; engine.dot: one node for all of Σ wᵢ·xᵢ")
    return lines


def memory_table(results, args, engines):
    lines = ["memory: one training step's mlp graph after forward + backward: MB (× micrograd's), "
             "and bytes per node of that graph",
             f"{'engine':22} {'nodes':>8} {'resident set':>18} {'tracemalloc':>18} {'B/node':>7}"]
    for e in engines:
        m = {"workload": "memory", "engine": e}
        status = _status(results, **m)
        if status:
            lines.append(f"{e:22} {status}")
            continue
        cells = []
        for key in ("rss", "traced"):
            v, ratio = _median(results, key, **m), _ratio(results, m, {**m, "engine": "micrograd"}, key)
            shown = _fmt(v and v / 1e6, "{:.1f}")
            cells.append(shown + (f" ({ratio:.3f}×)" if ratio and e != "micrograd" else ""))
        nodes = _median(results, "nodes", **m)
        per_node = _fmt(_median(results, "traced", **m) / nodes, "{:.0f}")
        if e == "torch":  # its graph lives in C++ memory, which tracemalloc does not see
            cells[1], per_node = "n/a", "n/a"
        lines.append(f"{e:22} {nodes:>8,.0f} {cells[0]:>18} {cells[1]:>18} {per_node:>7}")
    return lines


def moons_table(results, args, engines):
    m = {"workload": "moons", "engine": "tinygrad_edu.nn"}
    status = _status(results, **m)
    accuracy = _median(results, "accuracy", **m)
    return [f"moons: the walkthrough's {args.moons_steps} training steps (MLP(2, [16, 16, 1]), 100 points, "
            "hinge + L2, SGD), collector on",
            status or f"tinygrad_edu.nn  {_median(results, 'total', **m):.2f} s, "
                      f"training accuracy {accuracy:.0%}"]


def targets_table(results, args):
    generic, nn, chain_nn, scoped, micrograd = ({"engine": e} for e in (*OURS, "micrograd"))
    at_least, at_most = (lambda goal: lambda v: v >= goal), (lambda goal: lambda v: v <= goal)

    def mlp_speed(me, gc_on):
        mlp = {"workload": "mlp", "gc": gc_on}
        return _ratio(results, {**mlp, **micrograd}, {**mlp, **me})

    deepest = max(args.depths)
    rows = [  # (what, measured, its format, the goal, met?)
        ("mlp, nn (fused) vs micrograd, collector on", mlp_speed(nn, True), "{:.1f}×", "≥ 30×", at_least(30)),
        ("mlp, nn (fused) vs micrograd, collector off", mlp_speed(nn, False), "{:.1f}×", "≥ 5×", at_least(5)),
        ("mlp fwd+bwd, nn, collector off ÷ hand-written",
         _ratio(results, {"workload": "mlp", "gc": False, **nn}, {"workload": "mlp", "engine": "limit"},
                "work"),
         "{:.2f}×", "≤ 3×", at_most(3)),
        ("one step's graph vs micrograd's (tracemalloc)",
         _ratio(results, {"workload": "memory", **nn}, {"workload": "memory", **micrograd}, "traced"),
         "{:.3f}×", "≤ 0.1×", at_most(0.1)),
        ("wide, engine.dot vs micrograd's pairwise",
         _ratio(results, {"workload": "wide", "reduce": "pairwise", **micrograd},
                {"workload": "wide", "reduce": "engine.dot", **generic}), "{:.1f}×", "≥ 20×", at_least(20)),
        ("mlp, binary chain model vs micrograd, collector off", mlp_speed(generic, False), "{:.1f}×", "≥ 2×",
         at_least(2)),
        ("mlp, nn fused=False vs micrograd, collector off", mlp_speed(chain_nn, False), "{:.1f}×", "≥ 2×",
         at_least(2)),
        ("mlp, each layer in a scope vs none, collector off",
         _ratio(results, {"workload": "mlp", "gc": False, **scoped},
                {"workload": "mlp", "gc": False, **generic}),
         "{:.3f}×", "≤ 1.1×", at_most(1.1)),
        (f"chain of n = {deepest:,}, forward + backward",
         _median(results, "total", workload="chain", depth=deepest, **generic), "{:.1f} s", "seconds",
         at_most(60)),
        (f"moons, {args.moons_steps} training steps", _median(results, "total", workload="moons", **nn),
         "{:.2f} s", "< 2 s", lambda v: v < 2),
    ]
    lines = ["targets (measured in this run)", f"{'':52} {'measured':>9} {'goal':>8}  met"]
    for name, value, spec, goal, met in rows:
        verdict = "—" if value is None else "yes" if met(value) else "NO"
        lines.append(f"{name:52} {_fmt(value, spec):>9} {goal:>8}  {verdict}")
    return lines


def header(args):
    cpu = platform.processor() or platform.machine()
    return [f"tinygrad_edu benchmarks, {datetime.datetime.now():%Y-%m-%d %H:%M}",
            f"machine: {platform.platform()}, {cpu}, {os.cpu_count()} cores; "
            f"Python {platform.python_version()} ({platform.python_implementation()})",
            f"{args.rounds} rounds, engines taking turns, every run in a fresh process; "
            f"command: python -m benchmarks {' '.join(sys.argv[1:])}".rstrip()]


def main(argv=None) -> int:
    args = parse_args(argv)
    print("\n".join(header(args)), flush=True)
    results, skipped = run(args, lambda msg: print(msg, file=sys.stderr, flush=True))
    for r in results:  # "work" = forward + backward, what the hand-written limit does
        if r.get("workload") == "mlp" and "forward" in r:
            r["work"] = r["forward"] + r["backward"]
    engines = [e for e in args.engines if e not in skipped]
    sections = {"mlp": mlp_table, "chain": chain_table, "wide": wide_table, "memory": memory_table,
                "moons": moons_table}
    for name in args.workloads:
        print("\n" + "\n".join(sections[name](results, args, engines)))
    print("\n" + "\n".join(targets_table(results, args)))
    for engine, why in skipped.items():
        print(f"skipped {engine}: {why}")
    return 0
