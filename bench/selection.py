"""Fair draws: time and fairness of our lottery vs sortition-algorithms' maximin, side by side.

Instances: 60 of 600 and 600 of 6,000 synthetic panel members (server/selection/synthetic.py:
gender 3 x age band 5 x district 22 x background 2, 1 % not stated, skewed like volunteer
panels), quotas from the bundled SSB figures (largest remainder, tolerance 1 seat or 10 %).
sortition-algorithms (GPL) is only ever run as a black box in a subprocess, killed after
--their-timeout seconds; point SORTITION_PYTHON at an interpreter that has it installed.

    .venv/bin/python bench/selection.py [--only 600] [--their-timeout 600] [--naive-runs 1000]
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.selection.draw import build_lottery, compare_naive, plan_draw  # noqa: E402
from server.selection.synthetic import synthetic_pool  # noqa: E402

THEIRS = r"""
import json, sys, time
from sortition_algorithms import Settings, read_in_features, read_in_people
from sortition_algorithms.committee_generation import find_distribution_maximin
data = json.load(open(sys.argv[1]))
label = lambda v: v or "not_stated"
features, _, _ = read_in_features(["feature", "value", "min", "max"], [
    {"feature": q["dimension"], "value": label(q["category"]), "min": str(q["min"]), "max": str(q["max"])}
    for q in data["quotas"]], data["invite"])
dims = data["dimensions"]
settings = Settings(id_column="id", columns_to_keep=[], check_same_address=False, selection_algorithm="maximin")
people, _ = read_in_people(["id"] + dims, [dict(id=i, **{d: label(v) for d, v in zip(dims, cats)})
                                          for i, cats in data["candidates"]], features, settings)
start = time.perf_counter()
panels, probabilities, _ = find_distribution_maximin(features, people, data["invite"], [])
seconds = time.perf_counter() - start
chance = {i: 0.0 for i, _ in data["candidates"]}
for panel, p in zip(panels, probabilities):
    for i in panel:
        chance[i] += p
print(json.dumps({"seconds": seconds, "min": min(chance.values()), "max": max(chance.values()), "panels": len(panels)}))
"""


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"load average {', '.join(f'{x:.1f}' for x in load)}")


def their_python() -> str | None:
    for candidate in (os.environ.get("SORTITION_PYTHON"), sys.executable, "/tmp/sa-venv/bin/python"):
        if candidate and shutil.which(candidate) or (candidate and Path(candidate).exists()):
            ok = subprocess.run([candidate, "-c", "import sortition_algorithms"], capture_output=True).returncode == 0
            if ok:
                return candidate
    return None


def theirs(plan, timeout: float) -> str:
    python = their_python()
    if python is None:
        return "not installed"
    data = {"invite": plan.invite, "dimensions": list(plan.table.dimensions),
            "candidates": [[c.id, list(c.categories)] for c in plan.candidates],
            "quotas": [{"dimension": q.dimension, "category": q.category, "min": q.min, "max": q.max} for q in plan.quotas]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "instance.json"
        path.write_text(json.dumps(data))
        start = time.perf_counter()
        try:
            out = subprocess.run([python, "-c", THEIRS, str(path)], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return f"did not finish in {timeout:.0f} s"
        if out.returncode != 0:
            return "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1]
        r = json.loads(out.stdout.strip().splitlines()[-1])
        return (f"{time.perf_counter() - start:7.1f} s   min {100 * r['min']:.3f} %   max {100 * r['max']:.2f} %   "
                f"({r['panels']} panels)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", type=int, choices=(600, 6000))
    parser.add_argument("--their-timeout", type=float, default=600.0)
    parser.add_argument("--naive-runs", type=int, default=1000)
    args = parser.parse_args()
    print(machine())
    for size, invite in ((600, 60), (6000, 600)):
        if args.only and args.only != size:
            continue
        plan = plan_draw(synthetic_pool(size, 1), invite)
        print(f"\n{invite} of {size}: {len(plan.table)} types, {len(plan.quotas)} quotas, "
              f"one-LP bound: floor {100 * plan.bound.floor:.3f} %, ceiling {100 * plan.bound.ceiling:.2f} % "
              f"({1000 * plan.bound.seconds:.0f} ms)")
        start = time.perf_counter()
        lottery = build_lottery(plan)
        seconds = time.perf_counter() - start
        stages = ", ".join(f"{k} {v['value']:.5f} (bound {v['bound']:.5f}, {v['iterations']} rounds)"
                           for k, v in lottery.optimum.items())
        p = lottery.probabilities
        print(f"  ours      {seconds:7.1f} s   min {100 * p.minimum:.3f} %   max {100 * p.maximum:.2f} %   "
              f"(1,000 tickets over {len(lottery.portfolio.panels)} panels; optimum before rounding: {stages})")
        runs = args.naive_runs if size == 600 else max(50, args.naive_runs // 5)
        start = time.perf_counter()
        naive = compare_naive(lottery, runs=runs, seed=0)
        print(f"  greedy    {time.perf_counter() - start:7.1f} s   min {100 * naive.naive.minimum:.3f} %   "
              f"max {100 * naive.naive.maximum:.2f} %   (estimated from {naive.runs} draws; "
              f"{100 * naive.below_our_minimum:.0f} % of members below our minimum)")
        print(f"  theirs    {theirs(plan, args.their_timeout)}")


if __name__ == "__main__":
    main()
