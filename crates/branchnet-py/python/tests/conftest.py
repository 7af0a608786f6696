"""Shared fixtures: spopt's own San Francisco test case from data/reference/spopt-sf."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[4] / "data" / "reference" / "spopt-sf"


@dataclass(frozen=True)
class SanFrancisco:
    """205 census tracts (POP2000 weights), 16 candidate stores, network distances in metres."""

    tracts: np.ndarray  # tract names, sorted (spopt's test sorts by NAME)
    stores: np.ndarray  # store names, sorted
    weights: np.ndarray  # POP2000 by tract
    cost_matrix: np.ndarray  # tracts by stores, the pivot spopt's test builds
    origin: np.ndarray  # the long table as the file lists it: tract, store, distance
    destination: np.ndarray
    distance: np.ndarray


@pytest.fixture(scope="session")
def sf() -> SanFrancisco:
    with open(DATA / "SF_demand_205_centroid_uniform_weight.csv", newline="") as f:
        tracts = sorted((row["NAME"], float(row["POP2000"])) for row in csv.DictReader(f))
    with open(DATA / "SF_network_distance_candidateStore_16_censusTract_205_new.csv", newline="") as f:
        rows = [(row["DestinationName"], row["name"], float(row["distance"])) for row in csv.DictReader(f)]
    names = np.array([t[0] for t in tracts])
    stores = np.array(sorted({r[1] for r in rows}))
    tract_index = {t: i for i, t in enumerate(names)}
    store_index = {s: j for j, s in enumerate(stores)}
    matrix = np.full((len(names), len(stores)), np.nan)
    for tract, store, d in rows:
        matrix[tract_index[tract], store_index[store]] = d
    assert not np.isnan(matrix).any(), "the case lists every tract-store pair"
    return SanFrancisco(
        tracts=names,
        stores=stores,
        weights=np.array([t[1] for t in tracts]),
        cost_matrix=matrix,
        origin=np.array([r[0] for r in rows]),
        destination=np.array([r[1] for r in rows]),
        distance=np.array([r[2] for r in rows]),
    )
