"""branchnet: plan bank branch networks.

The scenario API plans a network from a ``scenario.toml`` or from DataFrames::

    import branchnet

    scenario = branchnet.Scenario.from_toml("data/demo-city/scenario.toml")
    plan = scenario.plan(progress=True)
    plan.actions, plan.kpis, plan.write("out/")

:mod:`branchnet.locate` exposes the location models, shaped like PySAL spopt's ``spopt.locate`` so that its users
switch in one line::

    from branchnet.locate import MCLP   # instead of: from spopt.locate import MCLP

    mclp = MCLP.from_cost_matrix(cost_matrix, weights, service_radius=5000, p_facilities=4).solve()
    mclp.n_cli_uncov, mclp.perc_cov, mclp.fac2cli
"""

from . import locate, progress
from ._native import __version__
from .models import ScoreInputs, ScoringModel, scoring_model
from .results import GapsResult, PlanResult, ScoreResult, to_geodataframe
from .scenario import Scenario

__all__ = [
    "GapsResult",
    "PlanResult",
    "ScoreInputs",
    "ScoreResult",
    "Scenario",
    "ScoringModel",
    "__version__",
    "locate",
    "progress",
    "scoring_model",
    "to_geodataframe",
]
