"""One measurement in a fresh process: ``python -m benchmarks.worker '<json spec>'``.

Prints one JSON line: the spec, then the numbers — or ``skipped`` (engine not installed)
or ``error`` (e.g. RecursionError). Gradients are reduced to a checksum here.
"""

from __future__ import annotations

import json
import sys

from . import engines, workloads


def measure(spec: dict) -> dict:
    try:
        engine = None if spec["engine"] == "limit" else engines.load(spec["engine"])
        result = workloads.run(engine, spec)
    except engines.EngineMissing as e:
        return {"skipped": str(e)}
    except Exception as e:  # the benchmark reports a failing engine (RecursionError ...), never crashes
        return {"error": f"{type(e).__name__}: {str(e)[:200]}"}
    result["checksum"], result["scale"] = workloads.checksum(result.pop("grads"))
    return result


if __name__ == "__main__":
    spec = json.loads(sys.argv[1])
    print(json.dumps({**spec, **measure(spec)}))
