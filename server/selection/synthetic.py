"""Synthetic panels with realistic categories, for tests and benchmarks (never for real draws).

Categories follow the bundled population figures, tilted the way volunteer panels usually are:
older residents, women and those without immigrant background over-represented, the young and
immigrants under-represented, districts uneven. A few members have not stated a category.
"""

import numpy as np

from server.selection.quotas import population_targets
from server.selection.types import Candidate

# How much more (or less) likely a panel member is to be in a category than a resident is.
TILT = {
    "gender": {"female": 1.1, "male": 0.9},
    "age": {"18-29": 0.55, "30-44": 0.85, "45-59": 1.1, "60-74": 1.5, "75+": 1.05},
    "background": {"immigrant_any": 0.55, "neither": 1.08},
}


def synthetic_pool(size: int, seed: int = 0, *, not_stated: float = 0.01, other_gender: float = 0.01,
                   prefix: str = "m") -> list[Candidate]:
    rng = np.random.default_rng(seed)
    targets = population_targets()
    columns: list[list[str]] = []
    for d in ("gender", "age", "district", "background"):
        cats = sorted(targets[d])
        weights = np.array([targets[d][c] * TILT.get(d, {}).get(c, 1.0) for c in cats])
        if d == "district":  # some districts recruit better than others
            weights = weights * rng.lognormal(0.0, 0.35, len(cats))
        if d == "gender":
            cats, weights = cats + ["other"], np.append(weights, weights.sum() * other_gender)
        weights = weights / weights.sum()
        values = list(rng.choice(cats, size=size, p=weights))
        missing = rng.random(size) < not_stated
        columns.append([("" if m else str(v)) for v, m in zip(values, missing, strict=True)])
    return [Candidate(f"{prefix}{i:05d}", tuple(col[i] for col in columns)) for i in range(size)]


