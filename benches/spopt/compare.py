"""Side by side with PySAL spopt on the same seeded clustered city: objectives and times.

    python benches/spopt/compare.py p-median --demand 2000 --candidates 200 -p 20
    python benches/spopt/compare.py mclp --demand 50000 --candidates 1000 -p 50 --radius 1500 \
        --time-limit 10 --spopt-time-limit 900

Needs `pip install spopt highspy`, the branchnet wheel (`branchnet.locate`) and the release binaries
(`scripts/demo.sh` or `cargo build --release --workspace --all-targets` through `scripts/env.sh`). All three
runs read the same CSV files written by `branchnet-synth clustered`:

- branchnet CLI: `branchnet solve ... --json` on the positions; it builds its own sparse input. Time: its
  total minus reading the files.
- branchnet.locate: the Python API shaped like spopt, given the same dense Euclidean matrix as spopt (the
  one-line switch `from spopt.locate import ...` -> `from branchnet.locate import ...`). Time:
  `from_cost_matrix` (dense to sparse) + `solve()`.
- spopt: `from_cost_matrix` with the dense matrix, solved by PuLP's HiGHS. Time: `from_cost_matrix` (the PuLP
  model) + `solve()` (PuLP to HiGHS, HiGHS, results). `--spopt-time-limit` is HiGHS's `time_limit`: it does
  not cover building the model. A run stopped by it reports the incumbent HiGHS returned, or "no plan".

The dense matrix is computed once (timed separately, in no side's time). Every objective is recomputed from
the chosen sites on that matrix, the same way for the three: the weight within the radius of a chosen site
(MCLP) or the weighted distance to the nearest chosen site (p-median).
"""

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pulp
import spopt.locate

import branchnet.locate

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/branchnet/target")) / "release"


def say(text):
    print(text, flush=True)


def load():
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def peak_rss_mib(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kB


def generate(args, out):
    subprocess.run(
        [TARGET / "branchnet-synth", "clustered", "--demand", str(args.demand), "--candidates",
         str(args.candidates), "--seed", str(args.seed), "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL)
    demand = np.genfromtxt(out / "demand.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    sites = np.genfromtxt(out / "candidates.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    return demand, sites


def evaluate(args, d, weights, chosen):
    """The objective of a plan (site indices), recomputed on the dense matrix."""
    chosen = np.asarray(sorted(chosen), dtype=np.int64)
    if args.model == "mclp":
        if chosen.size == 0:
            return 0.0
        return float(weights[(d[:, chosen] <= args.radius).any(axis=1)].sum())
    if chosen.size == 0:
        return float("inf")
    return float((weights * d[:, chosen].min(axis=1)).sum())


def run_cli(args, out, sites):
    command = [TARGET / "branchnet", "solve", args.model, "-p", str(args.p), "--demand", str(out / "demand.csv"),
               "--sites", str(out / "candidates.csv"), "--json"]
    if args.model == "mclp":
        command += ["--radius", str(args.radius)]
    if args.time_limit is not None:
        command += ["--time-limit", str(args.time_limit)]
    else:
        command += ["--max-pairs", str(args.demand * args.candidates)]
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    index = {str(name): j for j, name in enumerate(sites["id"])}
    return {
        "seconds": result["seconds"] - result["read_seconds"],
        "chosen": [index[name] for name in result["chosen"]],
        "status": result["status"],
        "gap": result["gap"],
        "engine_objective": result["objective"],
    }


def run_api(args, d, weights):
    started = time.perf_counter()
    if args.model == "p-median":
        model = branchnet.locate.PMedian.from_cost_matrix(d, weights, p_facilities=args.p)
    else:
        model = branchnet.locate.MCLP.from_cost_matrix(d, weights, service_radius=args.radius,
                                                       p_facilities=args.p)
    built = time.perf_counter()
    # As a spopt user calls it; the solver argument is accepted and ignored.
    model.solve(None, time_limit=args.time_limit)
    finished = time.perf_counter()
    result = {
        "seconds": finished - started,
        "build_s": built - started,
        "solve_s": finished - built,
        "chosen": model.sites.tolist(),
        "status": model.status,
        "gap": model.gap,
        "engine_objective": model.objective,
    }
    if args.model == "mclp":
        result["perc_cov"] = model.perc_cov
    return result


def run_spopt(args, d, weights):
    """spopt as its users call it; whatever PuLP and HiGHS return, never an exception."""
    result = {"chosen": None, "status": "not run", "error": None, "highs": None}
    solver = pulp.HiGHS(msg=False, timeLimit=args.spopt_time_limit)
    started = time.perf_counter()
    built = None
    model = None
    try:
        if args.model == "p-median":
            model = spopt.locate.PMedian.from_cost_matrix(d, weights, p_facilities=args.p)
        else:
            model = spopt.locate.MCLP.from_cost_matrix(d, weights, service_radius=args.radius,
                                                       p_facilities=args.p)
        built = time.perf_counter()
        model.solve(solver)
    except Exception as error:  # spopt's "Model is not solved", or PuLP reading an empty HiGHS solution
        result["error"] = f"{type(error).__name__}: {error}"
    finished = time.perf_counter()
    result["seconds"] = finished - started
    result["build_s"] = (built or finished) - started
    result["solve_s"] = finished - built if built else None
    if model is None:
        result["status"] = "no model"
        return result
    problem = model.problem
    result["status"] = pulp.LpStatus.get(problem.status, str(problem.status))
    result["sol_status"] = pulp.LpSolution.get(problem.sol_status, str(problem.sol_status))
    highs = getattr(problem, "solverModel", None)
    has_plan = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if highs is not None:
        info = highs.getInfo()
        result["highs"] = {
            "status": highs.modelStatusToString(highs.getModelStatus()),
            "run_s": highs.getRunTime(),
            "mip_gap": info.mip_gap,
            "mip_dual_bound": info.mip_dual_bound,
            "objective": info.objective_function_value,
            "nodes": info.mip_node_count,
            "primal_solution_status": info.primal_solution_status,
        }
        has_plan = has_plan and info.primal_solution_status == 2  # kSolutionStatusFeasible
    if has_plan:
        try:
            result["chosen"] = [j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
            if args.model == "mclp" and getattr(model, "perc_cov", None) is not None:
                result["perc_cov"] = float(model.perc_cov)
        except Exception as error:
            result["error"] = (result["error"] or "") + f" reading the plan: {type(error).__name__}: {error}"
    return result


def describe(args, name, run, total_weight):
    text = f"  {name:<18}"
    if run.get("chosen") is None:
        text += "no plan"
    else:
        objective = run["objective"]
        if args.model == "mclp":
            text += f"{objective:,.1f} covered ({objective / total_weight:.3%}), {len(run['chosen'])} sites"
        else:
            text += f"{objective:,.3f}"
    text += f" ({run['status']}) in {run['seconds']:.2f} s"
    if "build_s" in run:
        solve = "not reached" if run["solve_s"] is None else f"{run['solve_s']:.2f} s"
        text += f" (build {run['build_s']:.2f} s, solve {solve})"
    if run.get("gap") is not None:
        text += f", gap {run['gap']:.4%}"
    if run.get("perc_cov") is not None:
        text += f", perc_cov {run['perc_cov']:.3f}"
    if run.get("engine_objective") is not None:
        text += f", engine objective {run['engine_objective']:,.3f}"
    if run.get("highs"):
        h = run["highs"]
        text += (f"; HiGHS {h['status']}, run {h['run_s']:.1f} s, mip_gap {h['mip_gap']:.4g}, "
                 f"dual bound {h['mip_dual_bound']:,.1f}, objective {h['objective']:,.1f}, nodes {h['nodes']}, "
                 f"PuLP {run['status']}/{run.get('sol_status')}")
    if run.get("error"):
        text += f"; error: {run['error']}"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["p-median", "mclp"])
    parser.add_argument("--demand", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("-p", type=int, default=20)
    parser.add_argument("--radius", type=float, default=1500.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="branchnet's time limit (CLI and branchnet.locate), seconds")
    parser.add_argument("--spopt-time-limit", type=float, default=None, help="HiGHS's time_limit under spopt")
    parser.add_argument("--no-spopt", action="store_true", help="run the two branchnet sides only")
    args = parser.parse_args()
    out = TARGET.parent / "spopt-compare" / f"{args.model}-{args.demand}x{args.candidates}-s{args.seed}"
    demand, sites = generate(args, out)
    weights = np.ascontiguousarray(demand["weight"], dtype=np.float64)
    total_weight = float(weights.sum())
    say(f"{args.model} {args.demand} x {args.candidates}, p = {args.p}"
        + (f", radius {args.radius:g}" if args.model == "mclp" else "") + f", seed {args.seed}"
        + f", total weight {total_weight:,.1f}")

    started = time.perf_counter()
    d = np.hypot(demand["x"][:, None] - sites["x"][None, :], demand["y"][:, None] - sites["y"][None, :])
    say(f"  dense matrix {d.shape[0]} x {d.shape[1]} ({d.nbytes / 2**20:,.0f} MiB) in "
        f"{time.perf_counter() - started:.2f} s (in no side's time)")

    runs = {}
    for name, run in (("branchnet CLI", lambda: run_cli(args, out, sites)),
                      ("branchnet.locate", lambda: run_api(args, d, weights)),
                      ("spopt", lambda: run_spopt(args, d, weights))):
        if name == "spopt" and args.no_spopt:
            continue
        before = load()
        result = run()
        if result.get("chosen") is not None:
            result["objective"] = evaluate(args, d, weights, result["chosen"])
        runs[name] = result
        gc.collect()
        say(describe(args, name, result, total_weight))
        say(f"    {before} before, {load()} after; peak RSS {peak_rss_mib():,.0f} MiB (this process so far), "
            f"{peak_rss_mib(resource.RUSAGE_CHILDREN):,.0f} MiB (largest child)")

    cli, api, theirs = runs["branchnet CLI"], runs["branchnet.locate"], runs.get("spopt")
    say(f"  objective ratio branchnet.locate / CLI {api['objective'] / cli['objective']:.9f}; "
        f"time branchnet.locate / CLI {api['seconds'] / cli['seconds']:.2f}x")
    if theirs is not None:
        say(f"  speed ratio spopt / branchnet.locate {theirs['seconds'] / api['seconds']:,.1f}x, "
            f"spopt / CLI {theirs['seconds'] / cli['seconds']:,.1f}x")
        if theirs.get("chosen") is not None and theirs["objective"] > 0:
            say(f"  objective ratio branchnet.locate / spopt {api['objective'] / theirs['objective']:.9f}, "
                f"CLI / spopt {cli['objective'] / theirs['objective']:.9f}")
        else:
            say("  objective ratio: spopt returned no plan")
    return 0


if __name__ == "__main__":
    sys.exit(main())
