"""The optimisation, with HiGHS: the one-LP bound, the panel finder and column generation.

Everything works on types (server/selection/types.py). A panel is a composition x (members per
type, 0 <= x_t <= n_t, sum x = k, every quota met). A lottery is a probability distribution p over
panels; it gives type t the expected seats y_t = sum_j p_j x_jt, and each member of type t the
chance pi_t = y_t / n_t. The stages, each optimal given the ones before (docs/selection.md):

1. maximin:  maximise lambda  subject to  pi_t >= lambda  for every type  -> lambda*.
   From here on every member keeps pi_t >= lambda* (the history-blind guarantee).
2. history (only when history counts differ): minimise sum_t h_t y_t, h = earlier invitations,
   keeping lambda*. As exactly k are invited, this minimises the expected sum of squares (the
   variance) of the cumulative invitation counts after the meeting: seats go to those invited
   least, as far as the quotas and everyone's floor allow.
3. ceiling:  minimise mu  subject to  pi_t <= mu,  keeping stages 1 and 2.

The same stage model is closed in two ways. The *relaxation* lets y be any fractional point of
the quota polytope (quota rows on y, sum y = k): one LP, milliseconds, an upper bound for stages 1
and 2 (a lower bound for 3), and its duals say which quotas bind. The *master* ties y to a convex
combination of explicit panels (y_t - sum_j x_jt p_j = 0, sum p = 1); column generation adds the
panel the pricing ILP finds most valuable at the master's duals until none improves - or until the
master reaches the relaxation's value, which proves optimality at once (in practice the
relaxation is almost always exact, so this ends the search early).
"""

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from rooms.rejection import N_

from server.selection.quotas import Quotas, Shortfall, quota_matrix
from server.selection.types import TypeTable

INF = highspy.kHighsInf
_OPTIMAL = highspy.HighsModelStatus.kOptimal


def _highs() -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    return h


def _add_rows(h: highspy.Highs, lower: list[float], upper: list[float], rows: list[tuple[list[int], list[float]]]) -> None:
    """Adds rows given as (column indices, coefficients), in CSR form."""
    starts, idx, val = [], [], []
    for cols, coefs in rows:
        starts.append(len(idx))
        idx += cols
        val += coefs
    h.addRows(len(rows), np.array(lower, dtype=np.float64), np.array(upper, dtype=np.float64), len(idx),
              np.array(starts, dtype=np.int32), np.array(idx, dtype=np.int32), np.array(val, dtype=np.float64))


class StageModel:
    """The stage LP over expected seats y, closed by the quotas (relaxation) or by panels (master).

    Columns: y_0..y_{T-1}, lambda, mu, then (master only) one column p_j per panel.
    Rows: floor_t (y_t - n_t lambda >= 0), cap_t (n_t mu - y_t >= 0), then the quota rows
    and sum y = k (relaxation), or link_t (y_t - sum_j x_jt p_j = 0) and sum p = 1 (master).
    Keeping the history stage's value adds one more row at the end.
    """

    def __init__(self, table: TypeTable, quotas: Quotas, invite: int, master: bool) -> None:
        self.T = T = len(table)
        self.n = table.sizes.astype(np.float64)
        self.h_weights = (table.history - (table.history.min() if T else 0)).astype(np.float64)
        self.master = master
        self.columns: list[np.ndarray] = []
        self._known: set[bytes] = set()
        self.LAM, self.MU = T, T + 1
        h = self.h = _highs()
        if master:  # new panels keep the basis primal feasible: primal simplex goes on from there
            h.setOptionValue("simplex_strategy", 4)
        h.addVars(T + 2, np.zeros(T + 2), np.concatenate([self.n, [1.0, INF]]))
        rows = [([t, self.LAM], [1.0, -self.n[t]]) for t in range(T)]
        rows += [([t, self.MU], [-1.0, self.n[t]]) for t in range(T)]
        _add_rows(h, [0.0] * (2 * T), [INF] * (2 * T), rows)
        self.first = 2 * T  # the closing rows start here
        if master:
            _add_rows(h, [0.0] * T + [1.0], [0.0] * T + [1.0], [([t], [1.0]) for t in range(T)] + [([], [])])
        else:
            matrix, lo, hi = quota_matrix(quotas, table)
            quota_rows = [(list(np.flatnonzero(row)), [1.0] * int(row.sum())) for row in matrix]
            _add_rows(h, list(lo) + [invite], list(hi) + [invite], quota_rows + [(list(range(T)), [1.0] * T)])
        self.stage = ""

    # -- panels (master only) --------------------------------------------------------------
    def add_panels(self, panels: list[np.ndarray]) -> int:
        """Adds the panels not already present; returns how many were new."""
        new = []
        for x in panels:
            key = x.astype(np.int64).tobytes()
            if key not in self._known:
                self._known.add(key)
                new.append(x.astype(np.int64))
        if not new:
            return 0
        starts, idx, val = [], [], []
        for x in new:
            starts.append(len(idx))
            nz = np.flatnonzero(x)
            idx += [self.first + int(t) for t in nz] + [self.first + self.T]
            val += [-float(x[t]) for t in nz] + [1.0]
        self.h.addCols(len(new), np.zeros(len(new)), np.zeros(len(new)), np.full(len(new), INF), len(idx),
                       np.array(starts, dtype=np.int32), np.array(idx, dtype=np.int32), np.array(val, dtype=np.float64))
        self.columns += new
        return len(new)

    # -- stages ---------------------------------------------------------------------------
    def set_stage(self, stage: str) -> None:
        """"maximin" (maximise lambda), "history" (minimise sum h y) or "ceiling" (minimise mu)."""
        cost = np.zeros(self.T + 2)
        if stage == "maximin":
            cost[self.LAM] = -1.0
        elif stage == "history":
            cost[: self.T] = self.h_weights
        elif stage == "ceiling":
            cost[self.MU] = 1.0
        else:
            raise ValueError(stage)
        self.h.changeColsCost(self.T + 2, np.arange(self.T + 2, dtype=np.int32), cost)
        self.stage = stage

    def keep_floor(self, value: float) -> None:
        """From now on every type keeps chance >= value (as bounds on y, so lambda is free again)."""
        low = np.maximum(0.0, value - 1e-9 - 1e-7 * value) * self.n
        self.h.changeColsBounds(self.T, np.arange(self.T, dtype=np.int32), low, self.n)

    def keep_history(self, value: float) -> None:
        """From now on sum_t h_t y_t <= value (a row added at the end)."""
        _add_rows(self.h, [-INF], [value + 1e-9 + 1e-7 * abs(value)],
                  [(list(range(self.T)), list(self.h_weights))])

    def solve(self) -> float | None:
        """The stage's value in its natural sense (lambda, sum h y or mu); None if infeasible."""
        self.h.run()
        if self.h.getModelStatus() != _OPTIMAL:
            return None
        obj = self.h.getInfo().objective_function_value
        return -obj if self.stage == "maximin" else obj

    def pricing(self) -> tuple[np.ndarray, float]:
        """Weights w and threshold: a panel x improves the master iff w.x > threshold.
        (Reduced cost of p_j is sum_t beta_t x_jt - alpha, with beta the link rows' duals and
        alpha the convexity row's.)"""
        duals = np.array(self.h.getSolution().row_dual)
        return -duals[self.first: self.first + self.T], -duals[self.first + self.T]

    def panel_weights(self) -> np.ndarray:
        p = np.array(self.h.getSolution().col_value[self.T + 2:])
        return np.clip(p, 0.0, None)

    def quota_duals(self, quotas: Quotas) -> np.ndarray:
        """Relaxation only: the quota rows' duals (the objective's change per seat of bound)."""
        duals = np.array(self.h.getSolution().row_dual)
        return duals[self.first: self.first + len(quotas)]

    def quota_values(self, quotas: Quotas) -> np.ndarray:
        values = np.array(self.h.getSolution().row_value)
        return values[self.first: self.first + len(quotas)]


class PanelFinder:
    """The pricing ILP: the panel that maximises a weighted sum of its members per type."""

    def __init__(self, table: TypeTable, quotas: Quotas, invite: int) -> None:
        self.T = T = len(table)
        matrix, lo, hi = quota_matrix(quotas, table)
        rows = [(list(np.flatnonzero(row)), [1.0] * int(row.sum())) for row in matrix]
        # The same model twice: as an LP (a vertex of the quota polytope is integral most of the
        # time, and then it is the ILP's answer ten times faster) and as the ILP.
        self.lp, self.h = _highs(), _highs()
        for h in (self.lp, self.h):
            h.addVars(T, np.zeros(T), table.sizes.astype(np.float64))
            _add_rows(h, list(lo) + [invite], list(hi) + [invite], rows + [(list(range(T)), [1.0] * T)])
            h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.setOptionValue("mip_rel_gap", 1e-7)
        self.h.setOptionValue("presolve", "off")  # tiny models: presolve costs more than it saves
        self.h.changeColsIntegrality(T, np.arange(T, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * T))
        self.lp_hits = 0
        # For the swap neighbourhood: each type's quota row per dimension (a last, unbounded
        # dummy row where a category has no quota).
        self.sizes = table.sizes
        self.matrix = np.vstack([matrix, np.zeros((1, T), dtype=np.int64)])
        self.lo = np.append(lo, -(1 << 40))
        self.hi = np.append(hi, 1 << 40)
        rows = np.full((T, len(table.dimensions)), len(quotas), dtype=np.int64)
        position = {d: i for i, d in enumerate(table.dimensions)}
        for r, q in enumerate(quotas):
            rows[matrix[r] == 1, position[q.dimension]] = r
        self.rows = rows

    def neighbours(self, x: np.ndarray, weights: np.ndarray, threshold: float, most: int) -> list[np.ndarray]:
        """Panels one swap away from `x` (one member out, one of another type in) that still meet
        every quota and are worth more than `threshold` at `weights`, best first. They cost no
        ILP, and each is a useful new column: the master needs about as many panels as types."""
        seats = self.matrix @ x
        out_ok = seats[self.rows] - 1 >= self.lo[self.rows]  # (T, D): one fewer is allowed
        in_ok = seats[self.rows] + 1 <= self.hi[self.rows]  # (T, D): one more is allowed
        leave = np.flatnonzero(x > 0)
        enter = np.flatnonzero(x < self.sizes)
        same = self.rows[leave][:, None, :] == self.rows[enter][None, :, :]
        ok = np.all(same | (out_ok[leave][:, None, :] & in_ok[enter][None, :, :]), axis=2)
        value = float(weights @ x) + weights[enter][None, :] - weights[leave][:, None]
        ok &= value > threshold
        ok &= leave[:, None] != enter[None, :]
        i, j = np.nonzero(ok)
        if not len(i):
            return []
        order = np.argsort(-value[i, j], kind="stable")[:most]
        out = []
        for a, b in zip(i[order], j[order], strict=True):
            y = x.copy()
            y[leave[a]] -= 1
            y[enter[b]] += 1
            out.append(y)
        return out

    def vertex(self, weights: np.ndarray) -> np.ndarray | None:
        """The LP's best vertex for `weights` if it is integral (a panel), else None."""
        scale = float(np.abs(weights).max()) or 1.0
        self.lp.changeColsCost(self.T, np.arange(self.T, dtype=np.int32), weights / scale)
        self.lp.run()
        if self.lp.getModelStatus() != _OPTIMAL:
            return None
        value = np.array(self.lp.getSolution().col_value)
        x = np.rint(value).astype(np.int64)
        return x if np.abs(value - x).max() <= 1e-7 else None

    def best(self, weights: np.ndarray) -> tuple[np.ndarray | None, float]:
        """The best panel for `weights` and its value; (None, -inf) if no panel meets the quotas."""
        scale = float(np.abs(weights).max()) or 1.0  # keeps the MIP's tolerances meaningful
        for h in (self.lp, self.h):
            h.changeColsCost(self.T, np.arange(self.T, dtype=np.int32), weights / scale)
            h.run()
            if h.getModelStatus() != _OPTIMAL:
                return None, -math.inf
            value = np.array(h.getSolution().col_value)
            x = np.rint(value).astype(np.int64)
            if h is self.lp and np.abs(value - x).max() > 1e-7:
                continue  # a fractional vertex: ask the ILP
            if h is self.lp:
                self.lp_hits += 1
            return x, float(weights @ x)
        raise AssertionError("unreachable")


def conflicts(table: TypeTable, quotas: Quotas, invite: int) -> list[Shortfall]:
    """When no panel meets all quotas although each one alone can be met: the panel that breaks
    them least (fewest seats in total) names the quotas that cannot be met together, and by how
    much."""
    T, R = len(table), len(quotas)
    matrix, lo, hi = quota_matrix(quotas, table)
    h = _highs()
    # x_t, then for each quota a shortfall below its min and an excess above its max.
    h.addVars(T + 2 * R, np.zeros(T + 2 * R), np.concatenate([table.sizes.astype(np.float64), np.full(2 * R, INF)]))
    h.changeColsIntegrality(T, np.arange(T, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * T))
    h.changeColsCost(2 * R, np.arange(T, T + 2 * R, dtype=np.int32), np.ones(2 * R))
    rows, lower, upper = [], [], []
    for r in range(R):
        cols = list(np.flatnonzero(matrix[r]))
        rows.append((cols + [T + r], [1.0] * len(cols) + [1.0]))
        lower.append(float(lo[r]))
        upper.append(INF)
        rows.append((cols + [T + R + r], [1.0] * len(cols) + [-1.0]))
        lower.append(-INF)
        upper.append(float(hi[r]))
    rows.append((list(range(T)), [1.0] * T))
    _add_rows(h, lower + [invite], upper + [invite], rows)
    h.run()
    if h.getModelStatus() != _OPTIMAL:
        return []
    v = np.rint(np.array(h.getSolution().col_value)).astype(np.int64)
    out = []
    for r, q in enumerate(quotas):
        if v[T + r] > 0:
            out.append(Shortfall("conflict_min", q.dimension, q.category, q.min, q.min - int(v[T + r])))
        if v[T + R + r] > 0:
            out.append(Shortfall("conflict_max", q.dimension, q.category, q.max, q.max + int(v[T + R + r])))
    return out


# ---------------------------------------------------------------------------------------------
# The one-LP bound: instant feedback for staff
# ---------------------------------------------------------------------------------------------

BINDING_MESSAGES = {
    "max": N_(
        "%(dimension)s %(category)s: at most %(bound)d invitees may come from its %(members)d eligible "
        "members. Allowing one more would raise the lowest chance by about %(gain).2f percentage points."
    ),
    "min": N_(
        "%(dimension)s %(category)s: at least %(bound)d invitees must come from its %(members)d eligible "
        "members. Requiring one fewer would raise the lowest chance by about %(gain).2f percentage points."
    ),
}
CEILING_MESSAGES = {
    "max": N_(
        "%(dimension)s %(category)s: at most %(bound)d invitees may come from its %(members)d eligible "
        "members; allowing one more would lower the highest chance by about %(gain).2f percentage points."
    ),
    "min": N_(
        "%(dimension)s %(category)s: at least %(bound)d invitees must come from its %(members)d eligible "
        "members, so some of them have a high chance; requiring one fewer would lower the highest chance "
        "by about %(gain).2f percentage points."
    ),
}


@dataclass(frozen=True)
class Binding:
    """A quota that limits fairness, with what relaxing it by one seat would buy (from the LP's
    dual: a local rate, a guide rather than a promise)."""

    dimension: str
    category: str
    side: str  # "min" or "max"
    bound: int  # the quota's min or max
    members: int  # eligible members in the category
    gain: float  # change in the chance (0-1) per seat the quota is relaxed
    message: str = ""

    @property
    def params(self) -> dict[str, object]:
        return {"dimension": self.dimension, "category": self.category, "bound": self.bound,
                "members": self.members, "gain": 100 * self.gain}


@dataclass(frozen=True)
class Bound:
    """What the quotas allow at best, from one LP over types (exact in nearly every instance)."""

    floor: float  # the highest possible smallest chance any member can have
    ceiling: float  # the lowest possible largest chance, given that floor
    average: float  # invitees / eligible members
    floor_binding: tuple[Binding, ...] = ()  # quotas that hold the floor down, most limiting first
    ceiling_binding: tuple[Binding, ...] = ()  # quotas that push the ceiling up
    seconds: float = 0.0
    # The smallest of max/members over the categories: the floor can never exceed it.
    simple_cap: float = 1.0
    simple_cap_category: tuple[str, str] = ("", "")


def _bindings(model: StageModel, quotas: Quotas, table: TypeTable, messages: dict[str, str]) -> tuple[Binding, ...]:
    from server.selection.quotas import pool_counts

    counts = pool_counts(table)
    duals, values = model.quota_duals(quotas), model.quota_values(quotas)
    out = []
    for q, d, v in zip(quotas, duals, values, strict=True):
        if abs(d) < 1e-10:
            continue
        side = "max" if abs(v - q.max) <= abs(v - q.min) else "min"
        out.append(Binding(q.dimension, q.category, side, q.max if side == "max" else q.min,
                           counts[q.dimension].get(q.category, 0), abs(float(d)), messages[side]))
    return tuple(sorted(out, key=lambda b: (-b.gain, b.dimension, b.category)))


def bound(table: TypeTable, quotas: Quotas, invite: int) -> Bound | None:
    """The one-LP bound and the quotas that bind; None when the quotas cannot be met at all."""
    from server.selection.quotas import pool_counts

    start = time.perf_counter()
    model = StageModel(table, quotas, invite, master=False)
    model.set_stage("maximin")
    floor = model.solve()
    if floor is None:
        return None
    floor_binding = _bindings(model, quotas, table, BINDING_MESSAGES)
    model.keep_floor(floor)
    model.set_stage("ceiling")
    ceiling = model.solve()
    ceiling_binding = _bindings(model, quotas, table, CEILING_MESSAGES) if ceiling is not None else ()
    counts = pool_counts(table)
    caps = [(q.max / counts[q.dimension][q.category], (q.dimension, q.category))
            for q in quotas if counts[q.dimension].get(q.category)]
    cap, cap_category = min(caps, default=(1.0, ("", "")))
    return Bound(floor, ceiling if ceiling is not None else 1.0, invite / table.pool, floor_binding,
                 ceiling_binding, time.perf_counter() - start, min(cap, 1.0), cap_category)


# ---------------------------------------------------------------------------------------------
# Column generation
# ---------------------------------------------------------------------------------------------

@dataclass
class StageResult:
    value: float  # what the lottery achieves
    bound: float  # what the relaxation allows (equal when exact)
    optimal: bool  # reached the bound, or no improving panel exists
    iterations: int = 0


@dataclass
class Solution:
    """An optimal lottery over panels (compositions), before rounding."""

    panels: np.ndarray  # (panels x types) members per type
    weights: np.ndarray  # probability of each panel
    stages: dict[str, StageResult] = field(default_factory=dict)
    seconds: float = 0.0
    priced: int = 0  # pricing ILPs solved

    def type_probabilities(self, table: TypeTable) -> np.ndarray:
        return (self.weights @ self.panels) / table.sizes


NEIGHBOURS = 40  # panels one swap away, added with each panel the ILP finds
VARIANTS = 20  # extra LP pricings per round at randomly perturbed weights


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= 1e-9 + 1e-6 * abs(target)


def _optimise(master: StageModel, relaxed: StageModel, finder: PanelFinder, stage: str, deadline: float,
              counter: list[int], rng: np.random.Generator, rounds: int | None = None) -> StageResult:
    master.set_stage(stage)
    relaxed.set_stage(stage)
    target = relaxed.solve()
    iterations = 0
    while True:
        value = master.solve()
        if value is None:  # cannot happen once a panel exists; kept as a guard
            raise RuntimeError("master LP infeasible")
        if target is not None and _close(value, target):
            return StageResult(value, target, True, iterations)
        if time.monotonic() > deadline or (rounds is not None and iterations >= rounds):
            return StageResult(value, target if target is not None else value, False, iterations)
        weights, threshold = master.pricing()
        tol = 1e-9 * (1.0 + abs(threshold) + float(np.abs(weights).sum()))
        x, _ = finder.best(weights)
        counter[0] += 1
        iterations += 1
        if x is None or weights @ x <= threshold + tol:
            return StageResult(value, target if target is not None else value, True, iterations)
        # The master needs about as many panels as there are types, and each round costs a
        # master solve: so each round also adds cheap variants that are improving too - panels
        # one swap away, and vertices at slightly perturbed weights (LP pricing, no ILP).
        found = [x] + finder.neighbours(x, weights, threshold + tol, NEIGHBOURS)
        spread = float(np.abs(weights).max()) or 1.0
        for _ in range(VARIANTS):
            y = finder.vertex(weights + rng.normal(0.0, 0.05 * spread, len(weights)))
            if y is not None and weights @ y > threshold + tol:
                found.append(y)
        if not master.add_panels(found):
            return StageResult(value, target if target is not None else value, True, iterations)


# The history stage's objective is flat over a huge face and its column generation tails off;
# after this many rounds it stops with the best lottery found (deterministic, and reported with
# its gap to the bound). Most of the gain comes in the first rounds.
HISTORY_ROUNDS = 12


def solve(table: TypeTable, quotas: Quotas, invite: int, *, history: bool = True, two_sided: bool = True,
          time_limit: float = 300.0) -> Solution | None:
    """The optimal lottery (stages 1-3 above); None when no panel meets the quotas."""
    start = time.monotonic()
    deadline = start + time_limit
    finder = PanelFinder(table, quotas, invite)
    counter = [0]
    # Start from a few panels that between them contain every type that can be in a panel.
    T = len(table)
    covered = np.zeros(T, dtype=bool)
    initial: list[np.ndarray] = []
    while True:
        x, _ = finder.best(np.where(covered, 1e-3, 1.0))
        counter[0] += 1
        if x is None:
            if not initial:
                return None
            break
        initial.append(x)
        if not np.any((x > 0) & ~covered):
            break
        covered |= x > 0
        if covered.all():
            break
    master = StageModel(table, quotas, invite, master=True)
    relaxed = StageModel(table, quotas, invite, master=False)
    master.add_panels(initial)
    rng = np.random.default_rng(0)  # fixed: the same inputs always give the same lottery
    stages: dict[str, StageResult] = {}
    result = stages["maximin"] = _optimise(master, relaxed, finder, "maximin", deadline, counter, rng)
    for model in (master, relaxed):
        model.keep_floor(result.value)
    if history and T and table.history.max() > table.history.min():
        result = stages["history"] = _optimise(master, relaxed, finder, "history", deadline, counter, rng,
                                               HISTORY_ROUNDS)
        for model in (master, relaxed):
            model.keep_history(result.value)
    if two_sided:
        stages["ceiling"] = _optimise(master, relaxed, finder, "ceiling", deadline, counter, rng)
    p = master.panel_weights()
    keep = p > 1e-12
    panels = np.array(master.columns, dtype=np.int64)[keep]
    weights = p[keep] / p[keep].sum()
    return Solution(panels, weights, stages, time.monotonic() - start, counter[0])
