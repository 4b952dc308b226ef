"""What a statements round's votes say: broad agreement, division, and opinion groups.

Pure and deterministic (numpy only, a fixed random seed), so a replayed room and every screen
compute the same result. Input is a vote matrix, one row per ballot and one column per statement:
+1 agree, -1 disagree, 0 pass ("don't know"), NaN not answered.

Opinion groups follow Pol.is: project the participants onto the first two principal components,
cluster them with k-means for k = 2..5, and keep the k with the best silhouette score. The score
is measured on the full (filled, centred) vote matrix, not on the plane: any cloud projected onto
its two widest axes splits with a silhouette of about 0.4, while in the full space the random
answers of 20 or more people score below 0.2 and planted camps above 0.25 (tests/unit/
test_statements.py). A group smaller than MIN_GROUP is merged into its nearest
neighbour: a group that small is never shown, because its votes would come too close to naming
the people in it.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

MIN_GROUP = 5
# A participant is placed in a group only after answering this many statements.
MIN_ANSWERS = 3
# A statement is listed as agreed or divisive only with this many answers.
MIN_VOTES = 3
# Below this silhouette score the "groups" are a split of a shapeless cloud: show none.
MIN_SILHOUETTE = 0.2
# A larger k must beat a smaller one by this much: near ties are noise, and fewer groups read easier.
K_MARGIN = 0.02
MAX_GROUPS = 5
LISTED = 3
_SEED = 20240917
_RESTARTS = 4
_ITERATIONS = 100


@dataclass(frozen=True)
class Counts:
    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def answered(self) -> int:
        return self.agree + self.disagree + self.passed

    def share(self, stance: str) -> float:
        """Share of those who answered that took `stance` ("agree" or "disagree")."""
        return getattr(self, stance) / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class Representative:
    statement: int  # column
    stance: str  # "agree" or "disagree"
    group_share: float
    rest_share: float


@dataclass(frozen=True)
class Group:
    rows: tuple[int, ...]
    representative: tuple[Representative, ...]

    @property
    def size(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Analysis:
    counts: tuple[Counts, ...]  # per column
    broad: tuple[int, ...]  # columns, broadest agreement first
    divisive: tuple[int, ...]  # columns, most divisive first
    groups: tuple[Group, ...]  # largest first; empty when there is no clear grouping
    silhouette: float | None


def count(matrix: np.ndarray) -> tuple[Counts, ...]:
    return tuple(
        Counts(int(np.sum(col == 1)), int(np.sum(col == -1)), int(np.sum(col == 0)))
        for col in matrix.T
    )


def analyse(matrix: np.ndarray) -> Analysis:
    matrix = np.ascontiguousarray(matrix, dtype=float)
    return _analyse(matrix.shape, matrix.tobytes())


# Every screen that shows a round renders its analysis, many times a second under a vote storm;
# the same votes give the same (immutable) result, so it is computed once.
@lru_cache(maxsize=32)
def _analyse(shape: tuple[int, ...], data: bytes) -> Analysis:
    matrix = np.frombuffer(data).reshape(shape)
    counts = count(matrix)
    groups, silhouette = opinion_groups(matrix)
    group_counts = [count(matrix[list(g.rows)]) for g in groups]
    return Analysis(
        counts=counts,
        broad=broad_agreement(counts, group_counts),
        divisive=most_divisive(counts),
        groups=groups,
        silhouette=silhouette,
    )


def broad_agreement(counts: tuple[Counts, ...], group_counts: list[tuple[Counts, ...]]) -> tuple[int, ...]:
    """Statements most people agree with. With opinion groups, agreement must hold in every group:
    a statement scores the lowest agree share of any group, so one camp alone cannot carry it."""
    scored = []
    for col, c in enumerate(counts):
        if c.answered < MIN_VOTES:
            continue
        score = min([c.share("agree"), *(g[col].share("agree") for g in group_counts if g[col].answered)])
        if score > 0.5:
            scored.append((-score, -c.answered, col))
    return tuple(col for *_, col in sorted(scored)[:LISTED])


def most_divisive(counts: tuple[Counts, ...]) -> tuple[int, ...]:
    """Statements that split those who answered into agree and disagree, nearest half and half.
    Score: twice the smaller side's share (1.0 = an even split with no passes)."""
    scored = []
    for col, c in enumerate(counts):
        if c.answered < MIN_VOTES or min(c.agree, c.disagree) < 2:
            continue
        score = 2 * min(c.agree, c.disagree) / c.answered
        if score >= 0.4:
            scored.append((-score, -c.answered, col))
    return tuple(col for *_, col in sorted(scored)[:LISTED])


def centred(matrix: np.ndarray) -> np.ndarray:
    """The matrix with each unanswered cell set to its statement's mean answer, then centred, so
    that a missing answer pulls nowhere."""
    answered = ~np.isnan(matrix)
    sums = np.where(answered, matrix, 0.0).sum(axis=0)
    means = np.divide(sums, answered.sum(axis=0), out=np.zeros(matrix.shape[1]), where=answered.any(axis=0))
    return np.where(answered, matrix, means) - means


def project(matrix: np.ndarray) -> np.ndarray:
    """Each row's position on the first two principal components. As in Pol.is, a row is pushed
    outwards by sqrt(statements / its answers): someone who answered little would otherwise sit in
    the middle for lack of data, not for lack of views."""
    u, s, _ = np.linalg.svd(centred(matrix), full_matrices=False)
    coords = np.zeros((len(matrix), 2))
    dims = min(2, len(s))
    coords[:, :dims] = u[:, :dims] * s[:dims]
    answers = (~np.isnan(matrix)).sum(axis=1)
    return coords * np.sqrt(matrix.shape[1] / np.maximum(answers, 1))[:, None]


def opinion_groups(matrix: np.ndarray) -> tuple[tuple[Group, ...], float | None]:
    rows = np.flatnonzero((~np.isnan(matrix)).sum(axis=1) >= MIN_ANSWERS)
    if len(rows) < 2 * MIN_GROUP:
        return (), None
    points = project(matrix[rows])
    if np.allclose(points, points[0]):
        return (), None
    distances = _distances(centred(matrix[rows]))
    rng = np.random.default_rng(_SEED)
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, min(MAX_GROUPS, len(rows) // MIN_GROUP) + 1):
        labels = _merge_small(points, _kmeans(points, k, rng))
        if len(np.unique(labels)) < 2:
            continue
        score = silhouette(distances, labels)
        if best is None or score > best[0] + K_MARGIN:
            best = (score, labels)
    if best is None or best[0] < MIN_SILHOUETTE:
        return (), None if best is None else best[0]
    score, labels = best
    members = [rows[labels == label] for label in np.unique(labels)]
    members.sort(key=lambda m: (-len(m), m[0]))
    groups = tuple(
        Group(tuple(int(r) for r in m), representative_statements(matrix, m))
        for m in members
        if len(m) >= MIN_GROUP
    )
    return (groups, score) if len(groups) >= 2 else ((), score)


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Labels of the best of several k-means++ runs (least within-cluster spread)."""
    best_inertia, best_labels = np.inf, np.zeros(len(points), dtype=int)
    for _ in range(_RESTARTS):
        centers = _plus_plus(points, k, rng)
        labels = np.full(len(points), -1)
        for _ in range(_ITERATIONS):
            new = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            sizes = np.bincount(labels, minlength=k)
            sums = np.stack([np.bincount(labels, points[:, d], k) for d in range(points.shape[1])], axis=1)
            filled = sizes > 0  # an emptied cluster keeps its old centre
            centers[filled] = sums[filled] / sizes[filled, None]
        inertia = float(((points - centers[labels]) ** 2).sum())
        if inertia < best_inertia - 1e-9:
            best_inertia, best_labels = inertia, labels
    return best_labels


def _plus_plus(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centers = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        d2 = np.min([((points - c) ** 2).sum(axis=1) for c in centers], axis=0)
        total = d2.sum()
        pick = rng.choice(len(points), p=d2 / total) if total > 0 else rng.integers(len(points))
        centers.append(points[pick])
    return np.array(centers, dtype=float)


def _merge_small(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Moves the members of the smallest too-small cluster to their nearest other cluster, until
    every cluster has MIN_GROUP members or only one is left."""
    labels = labels.copy()
    while True:
        names, sizes = np.unique(labels, return_counts=True)
        if len(names) < 2 or sizes.min() >= MIN_GROUP:
            return labels
        small = names[np.argmin(sizes)]
        others = [n for n in names if n != small]
        centers = np.array([points[labels == n].mean(axis=0) for n in others])
        moving = labels == small
        nearest = ((points[moving][:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        labels[moving] = np.array(others)[nearest]


def _distances(points: np.ndarray) -> np.ndarray:
    squares = (points**2).sum(axis=1)
    return np.sqrt(np.maximum(squares[:, None] + squares[None, :] - 2 * points @ points.T, 0.0))


def silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette: how much closer each point is to its own cluster than to the next one.
    `distances` is the square matrix of distances between the points."""
    names, index, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    onehot = np.eye(len(names))[index]
    totals = distances @ onehot  # each point's summed distance to each cluster
    own = sizes[index]
    a = totals[np.arange(len(labels)), index] / np.maximum(own - 1, 1)
    means = totals / sizes
    means[np.arange(len(labels)), index] = np.inf
    b = means.min(axis=1)
    spread = np.maximum(a, b)
    scores = np.divide(b - a, spread, out=np.zeros(len(labels)), where=spread > 0)
    scores[own < 2] = 0.0  # a point alone in its cluster scores 0
    return float(scores.mean())


def representative_statements(matrix: np.ndarray, rows: np.ndarray) -> tuple[Representative, ...]:
    """Statements on which this group differs most from everyone else: the group's agree (or
    disagree) share minus the others'. Shares are smoothed (+1 / +2) so a couple of votes cannot
    look unanimous. Only stances held by a majority of the group are listed."""
    inside = np.zeros(len(matrix), dtype=bool)
    inside[rows] = True
    mine, rest = count(matrix[inside]), count(matrix[~inside])
    scored = []
    for col, (g, r) in enumerate(zip(mine, rest)):
        if g.answered < MIN_VOTES:
            continue
        for stance in ("agree", "disagree"):
            smoothed = (getattr(g, stance) + 1) / (g.answered + 2)
            others = (getattr(r, stance) + 1) / (r.answered + 2)
            if g.share(stance) > 0.5 and smoothed - others >= 0.2:
                scored.append((-(smoothed - others), col, Representative(col, stance, g.share(stance), r.share(stance))))
    return tuple(rep for *_, rep in sorted(scored, key=lambda s: s[:2])[:LISTED])
