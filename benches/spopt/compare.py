"""Side by side with PySAL spopt on the same seeded clustered city: objectives and times.

    python benches/spopt/compare.py p-median --demand 2000 --candidates 200 -p 20
    python benches/spopt/compare.py mclp --demand 50000 --candidates 1000 -p 50 --radius 1500

Needs `pip install spopt highspy` and the release binaries (`scripts/demo.sh` or
`cargo build --release --workspace --all-targets` through `scripts/env.sh`). Both sides read the same CSV files
written by `branchnet-synth clustered`; spopt gets the dense Euclidean cost matrix (what `from_cost_matrix`
takes) and solves with PuLP's HiGHS, branchnet gets the positions and builds its own sparse input. Times are
for building and solving the model (branchnet: its total minus reading the files).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pulp
import spopt.locate

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/branchnet/target")) / "release"


def generate(args, out):
    subprocess.run(
        [TARGET / "branchnet-synth", "clustered", "--demand", str(args.demand), "--candidates",
         str(args.candidates), "--seed", str(args.seed), "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL)
    demand = np.genfromtxt(out / "demand.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    sites = np.genfromtxt(out / "candidates.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    return demand, sites


def run_branchnet(args, out):
    command = [TARGET / "branchnet", "solve", args.model, "-p", str(args.p), "--demand", str(out / "demand.csv"),
               "--sites", str(out / "candidates.csv"), "--json"]
    if args.model == "mclp":
        command += ["--radius", str(args.radius)]
    if args.time_limit is not None:
        command += ["--time-limit", str(args.time_limit)]
    else:
        command += ["--max-pairs", str(args.demand * args.candidates)]
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    solve_s = result["seconds"] - result["read_seconds"]
    return result["objective"], solve_s, result["status"], result["gap"]


def run_spopt(args, demand, sites):
    started = time.perf_counter()
    d = np.hypot(demand["x"][:, None] - sites["x"][None, :], demand["y"][:, None] - sites["y"][None, :])
    solver = pulp.HiGHS(msg=False, timeLimit=args.spopt_time_limit)
    if args.model == "p-median":
        model = spopt.locate.PMedian.from_cost_matrix(d, demand["weight"], p_facilities=args.p)
        model.solve(solver)
        objective = pulp.value(model.problem.objective)
    else:
        model = spopt.locate.MCLP.from_cost_matrix(d, demand["weight"], service_radius=args.radius,
                                                   p_facilities=args.p)
        model.solve(solver)
        # The weight of the points the chosen sites really cover, recomputed from the plan.
        chosen = [j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
        objective = float(demand["weight"][(d[:, chosen] <= args.radius).any(axis=1)].sum())
    return objective, time.perf_counter() - started, pulp.LpStatus[model.problem.status]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["p-median", "mclp"])
    parser.add_argument("--demand", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("-p", type=int, default=20)
    parser.add_argument("--radius", type=float, default=1500.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=None, help="branchnet's time limit, seconds")
    parser.add_argument("--spopt-time-limit", type=float, default=None)
    args = parser.parse_args()
    out = TARGET.parent / "spopt-compare" / f"{args.model}-{args.demand}x{args.candidates}-s{args.seed}"
    demand, sites = generate(args, out)
    ours, ours_s, ours_status, ours_gap = run_branchnet(args, out)
    theirs, theirs_s, theirs_status = run_spopt(args, demand, sites)
    print(f"{args.model} {args.demand} x {args.candidates}, p = {args.p}"
          + (f", radius {args.radius:g}" if args.model == "mclp" else "") + f", seed {args.seed}")
    print(f"  branchnet: {ours:.3f} ({ours_status}) in {ours_s:.2f} s, gap {ours_gap:.4%}")
    print(f"  spopt:     {theirs:.3f} ({theirs_status}) in {theirs_s:.2f} s")
    print(f"  objective ratio {ours / theirs:.9f}, speed ratio {theirs_s / ours_s:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
