"""Weighted means and shares with linearised standard errors, as R's survey package computes them.

The design is the panel's respondents with the raked weights and no clusters or strata
(`svydesign(ids = ~1, weights = ~w)` followed by `rake()`). A mean over the respondents who
answered a question (a domain) is a ratio; its influence values are w * d * (y - mean) / sum(w * d).
Raking is accounted for as survey's `svyrecvar` does for a "raking" design: ten sweeps over the
margins, each removing from the influence values divided by the weights their plain average within
every cell of the margin. The variance is then the with-replacement one of a single-stage design:
n / (n - 1) * sum((x - mean(x))^2). Confidence intervals are normal: estimate +/- 1.96 SE.
"""

from dataclasses import dataclass

import numpy as np

from server.surveys.weighting import Weighting

Z95 = 1.959963984540054
CALIBRATION_SWEEPS = 10  # as survey's svyrecvar does for raked designs


@dataclass(frozen=True)
class Estimate:
    value: float  # weighted
    standard_error: float
    unweighted: float
    n: int  # respondents in the domain, unweighted

    @property
    def interval(self) -> tuple[float, float]:
        half = Z95 * self.standard_error
        return self.value - half, self.value + half


def mean(weighting: Weighting, values: np.ndarray, answered: np.ndarray) -> Estimate:
    """The weighted mean of `values` over the respondents where `answered` is true."""
    w = weighting.weights
    d = answered.astype(bool)
    n_domain = int(d.sum())
    if n_domain == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    y = np.where(d, values, 0.0).astype(float)
    domain_total = float(w[d].sum())
    value = float(w[d] @ y[d]) / domain_total
    per_unit = np.where(d, y - value, 0.0) / domain_total  # influence divided by the weight
    for _ in range(CALIBRATION_SWEEPS):
        for dimension in weighting.dimensions:
            cells = len(dimension.cells)
            sums = np.bincount(dimension.index, per_unit, minlength=cells)
            counts = np.bincount(dimension.index, minlength=cells)
            per_unit = per_unit - (sums / counts)[dimension.index]
    x = w * per_unit
    n = len(w)
    variance = n / (n - 1) * float(((x - x.mean()) ** 2).sum()) if n > 1 else float("nan")
    return Estimate(value, variance**0.5, float(y[d].mean()), n_domain)


def share(weighting: Weighting, chosen: np.ndarray, answered: np.ndarray) -> Estimate:
    """The weighted share of those who answered who chose an option (0..1)."""
    return mean(weighting, chosen.astype(float), answered)
