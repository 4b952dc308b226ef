"""Fair invitation draws: the API the staff pages call.

    from server.selection.draw import plan_draw, build_lottery, draw, replay, compare_naive
    from server.selection.types import candidates_from_members

    candidates = candidates_from_members(members, meeting_date, history=counts)  # active members
    plan = plan_draw(candidates, invite=60)          # quotas (largest remainder, tolerance), < 1 s
    if not plan.feasible:                            # before any drawing: what is missing
        for s in plan.problems:                      # Shortfall: kind, dimension, category,
            show(_(s.message) % s.params)            #   needed, available (message ids via N_)
    plan.bound.floor, plan.bound.floor_binding       # best possible lowest chance, and the quotas
                                                     #   that cap it (with what a seat more buys)
    plan = plan_draw(candidates, 60, quotas=edit_quotas(plan.quotas, {("age", "75+"): (5, 9)}))
    lottery = build_lottery(plan)                    # the optimisation, seconds; publish
    lottery.lottery_hash                             #   this hash before the seed is known
    lottery.probabilities.by_member["m-17"]          # every member's chance, with min/max/std
    result = draw(lottery, seed="042")               # dice 0-4-2 pick ticket 42; any text works
    result.invited, result.reserves["m-17"]          # the list; ranked replacements per invitee
    result.replacement(current_invitees, "m-17")     # next replacement keeping every quota
    doc = result.document()                          # one JSON-ready dict: inputs, tickets, seed
    assert replay(doc).invited == result.invited     # anyone can re-run it
    compare_naive(lottery, runs=1000)                # chances under greedy quota filling

`run_draw(plan, seed)` does `build_lottery` and `draw` in one call. Everything here is pure: no
I/O, no clock, no global randomness. Members appear only by the opaque ids the caller gave.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import highspy
import numpy as np

from server.selection import lp
from server.selection.lottery import Portfolio, Selection, Swaps, portfolio_hash, reserves, round_to_tickets, select
from server.selection.naive import estimate
from server.selection.quotas import (
    Quota, Quotas, Shortfall, Targets, Tolerance, derive_quotas, meets, population_targets, shortfalls,
)
from server.selection.types import DIMENSIONS, Candidate, TypeTable, aggregate

FORMAT = "innbyggerpanel/draw"
VERSION = 1
ALGORITHM = "selection/1: types; maximin, history, ceiling by column generation; m-ticket rounding; sha256-ctr"


class ReplayError(ValueError):
    """A stored draw does not check out: the message says which part."""


@dataclass(frozen=True)
class Options:
    history: bool = True  # stage 2: favour members invited less often before
    two_sided: bool = True  # stage 3: minimise the largest chance
    tickets: int = 1000  # m, the number of equally likely tickets
    time_limit: float = 300.0  # seconds for the column generation (then: best found, marked)
    reserves: int = 10  # replacements listed per invitee in `Draw.reserves`


@dataclass(frozen=True)
class Plan:
    candidates: tuple[Candidate, ...]
    invite: int
    quotas: Quotas
    table: TypeTable
    problems: tuple[Shortfall, ...]  # empty when the quotas can be met
    bound: lp.Bound | None  # None when they cannot

    @property
    def feasible(self) -> bool:
        return not self.problems


def plan_draw(candidates: Iterable[Candidate], invite: int, *, quotas: Quotas | None = None,
              targets: Targets | None = None, tolerance: Tolerance = Tolerance(),
              dimensions: Sequence[str] = DIMENSIONS) -> Plan:
    """Quotas for `invite` invitees (derived from `targets`, default the bundled SSB figures,
    unless staff's `quotas` are given), what stops them being met, and the one-LP bound."""
    candidates = tuple(sorted(candidates, key=lambda c: c.id))
    table = aggregate(candidates, dimensions)
    if quotas is None:
        quotas = derive_quotas(targets if targets is not None else population_targets(), table, invite, tolerance)
    problems = shortfalls(quotas, table, invite)
    found = None
    if not problems:
        found = lp.bound(table, quotas, invite)
        if found is None:
            problems = lp.conflicts(table, quotas, invite)
            # The LP relaxation being infeasible means some quotas clash; the ILP names them.
            if not problems:
                problems = [Shortfall("conflict_min", "", "", invite, 0)]
    return Plan(candidates, invite, quotas, table, tuple(problems), found)


@dataclass(frozen=True)
class Probabilities:
    """Each member's chance of being invited under the lottery actually drawn from (m tickets)."""

    by_member: dict[str, float] = field(repr=False)
    minimum: float
    maximum: float
    mean: float
    std: float
    ratio: float  # maximum / minimum (inf when someone has no chance)

    @classmethod
    def of(cls, table: TypeTable, type_probabilities: np.ndarray) -> "Probabilities":
        by_member = {c: float(type_probabilities[t]) for t, ids in enumerate(table.members) for c in ids}
        values = np.repeat(type_probabilities, table.sizes)
        lo, hi = float(values.min()), float(values.max())
        return cls(by_member, lo, hi, float(values.mean()), float(values.std()), hi / lo if lo > 0 else math.inf)


@dataclass(frozen=True)
class Lottery:
    plan: Plan
    options: Options
    portfolio: Portfolio
    probabilities: Probabilities
    optimum: dict[str, dict[str, float | bool | int]]  # per stage: value, bound, optimal, iterations
    seconds: float
    lottery_hash: str  # SHA-256 of the lottery (inputs and tickets): publish it before the seed


def _lottery_payload(plan: Plan, portfolio: Portfolio) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "algorithm": ALGORITHM,
        "dimensions": list(plan.table.dimensions), "invite": plan.invite,
        "candidates": [[c.id, list(c.categories), c.history] for c in plan.candidates],
        "quotas": [{"dimension": q.dimension, "category": q.category, "min": q.min, "max": q.max} for q in plan.quotas],
        "tickets": portfolio.m, "panels": portfolio.to_json(),
    }


def build_lottery(plan: Plan, options: Options = Options()) -> Lottery:
    """Solves the optimal lottery over the plan's quotas and rounds it to m tickets."""
    if not plan.feasible:
        raise ValueError("the quotas cannot be met; see plan.problems")
    solution = lp.solve(plan.table, plan.quotas, plan.invite, history=options.history,
                        two_sided=options.two_sided, time_limit=options.time_limit)
    if solution is None:
        raise ValueError("no panel meets the quotas")
    portfolio = round_to_tickets(solution, plan.table, options.tickets)
    optimum = {name: asdict(stage) for name, stage in solution.stages.items()}
    probabilities = Probabilities.of(plan.table, portfolio.type_probabilities(plan.table))
    return Lottery(plan, options, portfolio, probabilities, optimum, solution.seconds,
                   portfolio_hash(_lottery_payload(plan, portfolio)))


@dataclass(frozen=True)
class Draw:
    lottery: Lottery
    seed: str
    ticket: int
    invited: tuple[str, ...]
    reserves: dict[str, tuple[str, ...]]  # invitee -> ranked replacements keeping every quota
    reserve_list: tuple[str, ...]  # everyone not invited, in the drawn reserve order
    selection: Selection = field(repr=False)

    def replacement(self, invited_now: Sequence[str], leaving: str, unavailable: Iterable[str] = ()) -> str | None:
        """Who replaces `leaving` among `invited_now` (the current list, after earlier
        replacements), keeping every quota; None if nobody can."""
        plan = self.lottery.plan
        found = reserves(self.selection, Swaps(plan.quotas, plan.table, plan.invite), plan.table,
                         list(invited_now), leaving, set(unavailable), 1)
        return found[0] if found else None

    def document(self) -> dict:
        return document(self)


def draw(lottery: Lottery, seed: str) -> Draw:
    """Draws the list: the ticket from the seed, then the members of each type and the reserves."""
    plan = lottery.plan
    selection = select(lottery.portfolio, plan.table, seed)
    swaps = Swaps(plan.quotas, plan.table, plan.invite)
    invited = list(selection.invited)
    ranked = {c: tuple(reserves(selection, swaps, plan.table, invited, c, set(), lottery.options.reserves))
              for c in invited}
    reserve_list = tuple(sorted(selection.reserve_rank, key=selection.reserve_rank.__getitem__))
    return Draw(lottery, seed, selection.ticket, selection.invited, ranked, reserve_list, selection)


def run_draw(plan: Plan, seed: str, options: Options = Options()) -> Draw:
    return draw(build_lottery(plan, options), seed)


def document(result: Draw) -> dict:
    """Everything needed to check the draw, as one JSON-ready dict: the anonymised candidates
    (opaque id, categories, history count), quotas, algorithm and solver version, the tickets,
    the seed and the result. No names, no contact details."""
    lottery, plan = result.lottery, result.lottery.plan
    table = plan.table
    chances = lottery.portfolio.type_probabilities(table)
    payload = _lottery_payload(plan, lottery.portfolio)
    payload["quotas"] = [
        {"dimension": q.dimension, "category": q.category, "min": q.min, "max": q.max, "target": q.target}
        for q in plan.quotas
    ]
    p = lottery.probabilities
    return payload | {
        "solver": f"HiGHS {highspy.Highs().version()}",
        "options": asdict(lottery.options),
        "lottery_sha256": lottery.lottery_hash,
        "rounding_deviation": lottery.portfolio.deviation,
        "optimum": lottery.optimum,
        "types": [{"categories": list(table.categories[t]), "history": int(table.history[t]),
                   "members": int(table.sizes[t]), "chance": float(chances[t])} for t in range(len(table))],
        "chances": {"minimum": p.minimum, "maximum": p.maximum, "mean": p.mean, "std": p.std,
                    "ratio": p.ratio if math.isfinite(p.ratio) else None},
        "seed": result.seed,
        "ticket": result.ticket,
        "invited": list(result.invited),
        "reserves": {c: list(r) for c, r in result.reserves.items()},
        "reserve_list": list(result.reserve_list),
    }


def lottery_document(lottery: Lottery) -> dict:
    """The computed lottery as one JSON-ready dict (inputs and tickets, no names), to store it
    between computing it and drawing from it."""
    return _lottery_payload(lottery.plan, lottery.portfolio) | {
        "options": asdict(lottery.options),
        "lottery_sha256": lottery.lottery_hash,
        "rounding_deviation": lottery.portfolio.deviation,
        "optimum": lottery.optimum,
        "seconds": lottery.seconds,
    }


def lottery_from_document(doc: dict) -> Lottery:
    """The lottery a document holds (a lottery or a draw document), checked: its hash, and that
    every ticket's panel meets the quotas. Raises ReplayError on any difference."""
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise ReplayError(f"not a version {VERSION} draw document")
    dimensions = tuple(doc["dimensions"])
    candidates = [Candidate(i, tuple(cats), int(h)) for i, cats, h in doc["candidates"]]
    quotas = tuple(Quota(q["dimension"], q["category"], int(q["min"]), int(q["max"]), q.get("target"))
                   for q in doc["quotas"])
    invite = int(doc["invite"])
    plan = plan_draw(candidates, invite, quotas=quotas, dimensions=dimensions)
    options = Options(**doc["options"]) if "options" in doc else Options()
    portfolio = Portfolio.from_json(doc["panels"], len(plan.table), int(doc["tickets"]),
                                    float(doc.get("rounding_deviation", 0.0)))
    if sum(portfolio.counts) != portfolio.m:
        raise ReplayError("the tickets do not add up")
    for panel in portfolio.panels:
        if not meets(np.array(panel), plan.quotas, plan.table, invite):
            raise ReplayError("a ticket's panel breaks the quotas")
    digest = portfolio_hash(_lottery_payload(plan, portfolio))
    if digest != doc["lottery_sha256"]:
        raise ReplayError("the lottery's hash does not match its contents")
    probabilities = Probabilities.of(plan.table, portfolio.type_probabilities(plan.table))
    return Lottery(plan, options, portfolio, probabilities, doc.get("optimum", {}), float(doc.get("seconds", 0.0)), digest)


def replay(doc: dict, *, recompute: bool = False) -> Draw:
    """Re-runs a stored draw from its document and checks it: the lottery's hash, that every
    ticket's panel meets the quotas, and that the seed draws the same list and reserves. With
    `recompute`, the optimisation is solved again and must give the same tickets (it is
    deterministic for the same algorithm version, HiGHS version and inputs, unless the original
    run hit its time limit). Raises ReplayError on any difference."""
    lottery = lottery_from_document(doc)
    if recompute and build_lottery(lottery.plan, lottery.options).lottery_hash != lottery.lottery_hash:
        raise ReplayError("solving again gave different tickets")
    result = draw(lottery, doc["seed"])
    if list(result.invited) != doc["invited"] or result.ticket != doc["ticket"]:
        raise ReplayError("the seed draws a different list")
    if {c: list(r) for c, r in result.reserves.items()} != doc["reserves"]:
        raise ReplayError("the seed draws different reserves")
    return result


@dataclass(frozen=True)
class NaiveComparison:
    ours: Probabilities
    naive: Probabilities  # estimated by simulation
    below_our_minimum: float  # share of members whose naive chance is below our minimum
    runs: int
    failures: int  # greedy draws that got stuck and were redrawn


def compare_naive(lottery: Lottery, runs: int = 1000, seed: int = 0) -> NaiveComparison:
    plan = lottery.plan
    naive = estimate(plan.table, plan.quotas, plan.invite, runs, seed)
    theirs = Probabilities.of(plan.table, naive.type_probabilities)
    below = float(np.mean(np.repeat(naive.type_probabilities, plan.table.sizes) < lottery.probabilities.minimum - 1e-12))
    return NaiveComparison(lottery.probabilities, theirs, below, naive.runs, naive.failures)
