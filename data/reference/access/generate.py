"""Reference accessibility values from pysal/access for branchnet's access model.

Writes, next to this script:
  cells.csv    id, x, y, demand          (200 demand points, metres)
  sites.csv    id, x, y, supply          (15 supply sites, metres)
  costs.csv    origin, dest, cost        (the full 200 x 15 Euclidean cost matrix given to pysal/access)
  results.csv  id and one column per measure (see MEASURES), NaN where pysal/access gives NaN
  versions.txt python, numpy, pandas and access versions used

Run: /tmp/access-venv/bin/python data/reference/access/generate.py
"""

import os
import sys
from importlib.metadata import version

import numpy as np
import pandas as pd
from access import Access, weights

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 2026
N_CELLS, N_SITES, SIDE = 200, 15, 10_000.0

rng = np.random.default_rng(SEED)
# Coordinates on a 0.1 m lattice so that the CSV holds them exactly and both sides compute the same costs.
cells = pd.DataFrame(
    {
        "id": [f"c{i:03d}" for i in range(N_CELLS)],
        "x": np.round(rng.uniform(0, SIDE, N_CELLS), 1),
        "y": np.round(rng.uniform(0, SIDE, N_CELLS), 1),
        "demand": rng.integers(1, 500, N_CELLS).astype(float),
    }
)
sites = pd.DataFrame(
    {
        "id": [f"s{j:02d}" for j in range(N_SITES)],
        "x": np.round(rng.uniform(0, SIDE, N_SITES), 1),
        "y": np.round(rng.uniform(0, SIDE, N_SITES), 1),
        "supply": rng.integers(1, 7, N_SITES).astype(float),
    }
)
dx = cells["x"].to_numpy()[:, None] - sites["x"].to_numpy()[None, :]
dy = cells["y"].to_numpy()[:, None] - sites["y"].to_numpy()[None, :]
cost = np.sqrt(dx * dx + dy * dy)
costs = pd.DataFrame(
    {
        "origin": np.repeat(cells["id"].to_numpy(), N_SITES),
        "dest": np.tile(sites["id"].to_numpy(), N_CELLS),
        "cost": cost.ravel(),
    }
)
# No pair may sit on a catchment boundary: a last-bit difference in the cost would flip it in or out.
for limit in (2000.0, 3000.0):
    gap = np.abs(cost - limit).min()
    assert gap > 1e-3, f"a pair costs {limit} +- {gap}"

gravity = weights.gravity(scale=100.0, alpha=-1.5, min_dist=100.0)
gaussian = weights.gaussian(800.0)


def model():
    return Access(
        demand_df=cells.drop(columns=["x", "y"]),
        demand_index="id",
        demand_value="demand",
        supply_df=sites.drop(columns=["x", "y"]),
        supply_index="id",
        supply_value="supply",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )


a = model()
MEASURES = {
    # 2SFCA, catchment 2000 m (pysal: cost <= max_cost).
    "2sfca": a.two_stage_fca(name="2sfca", max_cost=2000.0),
    # E2SFCA with a Gaussian weight exp(-d^2 / (2 * 800^2)) inside 2000 m.
    "e2sfca_gaussian": a.enhanced_two_stage_fca(name="e2g", max_cost=2000.0, weight_fn=gaussian),
    # 2SFCA weighted by (max(d, 100) / 100)^-1.5 inside 3000 m (gravity-type 2SFCA).
    "e2sfca_power": a.two_stage_fca(name="e2p", max_cost=3000.0, weight_fn=gravity),
    # Hansen potential sum_j S_j (max(d, 100) / 100)^-1.5 inside 3000 m.
    "gravity_power": a.weighted_catchment(name="gp", max_cost=3000.0, weight_fn=gravity),
    # Supply within 2000 m (no weight).
    "gravity_step": a.weighted_catchment(name="gs", max_cost=2000.0),
}

results = pd.DataFrame({"id": cells["id"]}).set_index("id")
for name, frame in MEASURES.items():
    assert frame.shape[1] == 1, frame.columns
    results[name] = frame.iloc[:, 0].reindex(results.index)

cells.to_csv(os.path.join(HERE, "cells.csv"), index=False)
sites.to_csv(os.path.join(HERE, "sites.csv"), index=False)
costs.to_csv(os.path.join(HERE, "costs.csv"), index=False, float_format="%.17g")
results.to_csv(os.path.join(HERE, "results.csv"), float_format="%.17g", na_rep="NaN")
with open(os.path.join(HERE, "versions.txt"), "w") as f:
    f.write(f"python {sys.version.split()[0]}\n")
    for package in ("numpy", "pandas", "access"):
        f.write(f"{package} {version(package)}\n")
print(results.describe())
print("NaN per measure:", results.isna().sum().to_dict())
