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
from .engines import ENGINES

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
    p.add_argument("--workloads", nargs="+", default=["mlp", "chain", "wide", "memory"],
                   choices=["mlp", "chain", "wide", "memory"], help="mlp includes the hand-written limit")
    p.add_argument("--tiny", action="store_true", help="tiny sizes for a smoke test")
    p.add_argument("--timeout", type=float, default=600, help="seconds before a process counts as failed")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results.jsonl")
    args = p.parse_args(argv)
    if args.tiny:
        args.iters, args.points, args.hidden, args.depths, args.pairs = 1, 4, [3], [100, 2_000], 50
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
    scalar = [e for e in args.engines if e != "tinygrad_edu.nn"]  # no MLP in chain and wide
    if "chain" in args.workloads:
        settings += [[{"workload": "chain", "engine": e, "depth": d} for e in scalar] for d in args.depths]
    if "wide" in args.workloads:
        settings += [[{"workload": "wide", "engine": e, "pairs": args.pairs, "reduce": how}
                      for e in scalar] for how in workloads.REDUCTIONS]
    if "memory" in args.workloads:
        settings.append([{"workload": "memory", "engine": e, **sizes} for e in args.engines])
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
             f"{'engine':16} {'gc':3} {'forward':>8} {'backward':>8} {'update':>8} {'total':>8} "
             f"{'collector':>14} {'nodes/s':>8} {'× micrograd':>11} {'÷ limit':>8}"]
    limit_total = _median(results, "total", workload="mlp", engine="limit")
    for gc_on in (True, False):
        for e in engines:
            m = {"workload": "mlp", "engine": e, "gc": gc_on}
            status = _status(results, **m)
            if status:
                lines.append(f"{e:16} {'on' if gc_on else 'off':3} {status}")
                continue
            t = {k: _median(results, k, **m) for k in ("forward", "backward", "update", "total", "collector")}
            work = t["forward"] + t["backward"]
            speed = _ratio(results, {"workload": "mlp", "engine": "micrograd", "gc": gc_on}, m)
            vs_limit = _ratio(results, m, {"workload": "mlp", "engine": "limit"}, "work")
            collector = f"{t['collector']:.4f} ({t['collector'] / t['total']:.0%})"
            lines.append(f"{e:16} {'on' if gc_on else 'off':3} {t['forward']:8.4f} {t['backward']:8.4f} "
                         f"{t['update']:8.4f} {t['total']:8.4f} {collector:>14} {nodes / work / 1e6:7.2f}M "
                         f"{_fmt(speed, '{:.1f}', '×'):>11} {_fmt(vs_limit, '{:.1f}', '×'):>8}")
    if limit_total is not None:
        f, b = (_median(results, k, workload="mlp", engine="limit") for k in ("forward", "backward"))
        lines.append(f"{'limit (by hand)':16} {'on':3} {f:8.4f} {b:8.4f} {'':>8} {limit_total:8.4f}")
    lines.append("× micrograd: micrograd's time ÷ this one (higher is faster); ÷ limit: (forward + backward) "
                 "÷ the hand-written floor's")
    return lines


def chain_table(results, args, engines):
    lines = ["chain: y = y·c + 0 repeated n times (2n ops), forward + backward, default recursion limit "
             f"({sys.getrecursionlimit()}); seconds, each depth in a fresh process",
             f"{'engine':16} " + " ".join(f"{f'n = {d:,}':>16}" for d in args.depths)]
    for e in [e for e in engines if e != "tinygrad_edu.nn"]:
        m = {"workload": "chain", "engine": e}
        cells = [_status(results, depth=d, **m) or f"{_median(results, 'total', depth=d, **m):.3f} s"
                 for d in args.depths]
        lines.append(f"{e:16} " + " ".join(f"{c:>16}" for c in cells))
    return lines


def wide_table(results, args, engines):
    lines = [f"wide: Σ wᵢ·xᵢ over {args.pairs:,} pairs, forward + backward; seconds (× micrograd)",
             f"{'engine':16} " + " ".join(f"{how:>22}" for how in workloads.REDUCTIONS)]
    for e in [e for e in engines if e != "tinygrad_edu.nn"]:
        cells = []
        for how in workloads.REDUCTIONS:
            m = {"workload": "wide", "engine": e, "reduce": how}
            status = _status(results, **m)
            speed = _ratio(results, {**m, "engine": "micrograd"}, m)
            cells.append(status or f"{_median(results, 'total', **m):.4f} s"
                         + (f" ({speed:.1f}×)" if speed and e != "micrograd" else ""))
        lines.append(f"{e:16} " + " ".join(f"{c:>22}" for c in cells))
    return lines


def memory_table(results, args, engines):
    lines = ["memory: bytes per node of the mlp graph after forward + backward (× micrograd's)",
             f"{'engine':16} {'resident set':>20} {'tracemalloc':>20}"]
    for e in engines:
        m = {"workload": "memory", "engine": e}
        status = _status(results, **m)
        if status:
            lines.append(f"{e:16} {status}")
            continue
        cells = []
        for key in ("rss_per_node", "traced_per_node"):
            v, ratio = _median(results, key, **m), _ratio(results, m, {**m, "engine": "micrograd"}, key)
            cells.append(_fmt(v, "{:.0f}") + (f" ({ratio:.2f}×)" if ratio and e != "micrograd" else ""))
        if e == "torch":  # its graph lives in C++ memory, which tracemalloc does not see
            cells[1] = "n/a"
        lines.append(f"{e:16} {cells[0]:>20} {cells[1]:>20}")
    return lines


def targets_table(results, args):
    me = {"engine": "tinygrad_edu"}
    rows = []
    for gc_on, goal in ((True, 10.0), (False, 3.0)):
        speed = _ratio(results, {"workload": "mlp", "engine": "micrograd", "gc": gc_on},
                       {"workload": "mlp", "gc": gc_on, **me})
        rows.append((f"mlp speed vs micrograd, collector {'on' if gc_on else 'off'}", speed, f"≥ {goal:g}×",
                     None if speed is None else speed >= goal, "{:.1f}×"))
    mem = _ratio(results, {"workload": "memory", **me}, {"workload": "memory", "engine": "micrograd"},
                 "rss_per_node")
    rows.append(("bytes per node vs micrograd (resident)", mem, "≤ 0.3×", None if mem is None else mem <= 0.3,
                 "{:.2f}×"))
    deepest = max(args.depths)
    chain = _median(results, "total", workload="chain", depth=deepest, **me)
    rows.append((f"chain of n = {deepest:,}, forward + backward", chain, "seconds",
                 None if chain is None else chain < 60, "{:.1f} s"))
    vs_limit = _ratio(results, {"workload": "mlp", "gc": True, **me}, {"workload": "mlp", "engine": "limit"},
                      "work")
    rows.append(("mlp forward + backward ÷ hand-written", vs_limit, "≤ 6×",
                 None if vs_limit is None else vs_limit <= 6, "{:.1f}×"))
    lines = ["targets (tinygrad_edu)", f"{'':42} {'measured':>9} {'goal':>8}  met"]
    for name, value, goal, met, spec in rows:
        met = "—" if met is None else "yes" if met else "NO"
        lines.append(f"{name:42} {_fmt(value, spec):>9} {goal:>8}  {met}")
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
    sections = {"mlp": mlp_table, "chain": chain_table, "wide": wide_table, "memory": memory_table}
    for name in args.workloads:
        print("\n" + "\n".join(sections[name](results, args, engines)))
    if "mlp" in args.workloads:
        print("\n" + "\n".join(targets_table(results, args)))
    for engine, why in skipped.items():
        print(f"skipped {engine}: {why}")
    return 0
