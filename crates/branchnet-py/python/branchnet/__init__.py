"""branchnet: plan bank branch networks.

This first part of the Python package exposes the location models of the Rust engine through
:mod:`branchnet.locate`, shaped like PySAL spopt's ``spopt.locate`` so that its users switch in one line::

    from branchnet.locate import MCLP   # instead of: from spopt.locate import MCLP

    mclp = MCLP.from_cost_matrix(cost_matrix, weights, service_radius=5000, p_facilities=4).solve()
    mclp.n_cli_uncov, mclp.perc_cov, mclp.fac2cli
"""

from . import locate
from ._native import __version__

__all__ = ["__version__", "locate"]
