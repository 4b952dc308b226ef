"""Budget: spread a budget (points or kroner) over options. Without costs, amounts move in steps;
with a cost per option, an option is funded whole or not at all. The total can never be exceeded."""

from collections.abc import Hashable
from dataclasses import dataclass

from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.rounds.answers import BAD_ANSWER, Answer, AnswerRound
from rooms.rounds.base import RoundConfig, SummaryRow
from rooms.state import RoomState, Round

MAX_OPTIONS = 12


class BudgetConfig(RoundConfig, tag="budget"):
    how_to = N_("Share out your budget on what matters most to you. You cannot spend more than you have.")
    starter = {"options": ["A", "B"]}
    labels = {
        **RoundConfig.labels,
        "options": N_("Options (one per line)"),
        "total": N_("Budget per person"),
        "step": N_("Step"),
        "costs": N_("Cost of each option, one per line (empty: spread freely)"),
        "unit": N_("Unit"),
    }
    choices = {
        "unit": (("points", N_("Points")), ("kr", N_("Kroner"))),
    }

    options: list[str] = []
    total: int = 100
    step: int = 10
    # A cost per option (same order as `options`): each is then funded whole or not at all.
    costs: list[int] | None = None
    unit: str = "points"  # "points" or "kr"


class Allocate(Command, tag="allocate"):
    """Put one step (or the option's cost) on an option (delta 1), or take it back (delta -1)."""

    option: int
    delta: int = 1
    round: int | None = None


class BudgetAllocated(Event, tag="budget_allocated"):
    """A ballot's whole allocation after the change: option index -> amount."""

    round: int
    ballot: str
    answer: dict[int, int] | None


@dataclass(frozen=True)
class Line:
    option: str
    amount: int  # summed over everyone
    supporters: int  # how many put anything on it


class Budget(AnswerRound):
    name = "budget"
    config = BudgetConfig
    commands = (Allocate, Answer)
    events = (BudgetAllocated,)
    answer_event = BudgetAllocated

    def check_config(self, config: BudgetConfig, plan, index) -> Rejection | None:
        if not 2 <= len(config.options) <= MAX_OPTIONS or not all(o.strip() for o in config.options):
            return Rejection("bad_plan", N_("A budget round needs between 2 and 12 options."))
        if config.total < 1 or config.step < 1 or config.unit not in ("points", "kr"):
            return Rejection("bad_plan", N_("A budget round needs a total and a step above zero."))
        if config.costs is not None and (
            len(config.costs) != len(config.options) or not all(0 < c <= config.total for c in config.costs)
        ):
            return Rejection("bad_plan", N_("Each option needs a cost between 1 and the total."))
        return None

    def answer_from(self, room: RoomState, rnd: Round, current: dict[int, int] | None, command: Command):
        cfg: BudgetConfig = rnd.config  # type: ignore[assignment]
        option, delta = command.option, command.delta  # type: ignore[attr-defined]
        if not 0 <= option < len(cfg.options):
            return Rejection("no_such_option", N_("That choice does not exist."))
        if delta not in (1, -1):
            return Rejection("bad_delta", N_("Add or take back one step at a time."))
        mine = dict(current or {})
        amount = mine.get(option, 0)
        step = cfg.costs[option] if cfg.costs else cfg.step
        if delta == -1:
            if amount == 0:
                return Rejection("nothing_to_take_back", N_("There is nothing on that option to take back."))
            amount -= step
        else:
            if cfg.costs and amount:
                return Rejection("already_funded", N_("You have already funded that option."))
            if sum(mine.values()) + step > cfg.total:
                return Rejection(
                    "over_budget",
                    N_("That would go over your budget of %(total)d. Take something back first."),
                    {"total": cfg.total},
                )
            amount += step
        if amount:
            mine[option] = amount
        else:
            mine.pop(option, None)
        return mine or None

    def whole(self, room: RoomState, rnd: Round, command: Answer):
        cfg: BudgetConfig = rnd.config  # type: ignore[assignment]
        if not isinstance(command.answer, dict):
            return BAD_ANSWER
        given: dict[int, int] = {}
        for key, amount in command.answer.items():
            # Over JSON an object's keys are strings.
            option = int(key) if isinstance(key, str) and key.isdigit() else key
            if type(option) is not int or not 0 <= option < len(cfg.options):
                return Rejection("no_such_option", N_("That choice does not exist."))
            if type(amount) is not int or amount < 0:
                return BAD_ANSWER
            step = step_of(rnd, option)
            if amount % step or (cfg.costs and amount not in (0, step)):
                return Rejection("bad_amount", N_("Each amount must be a whole number of steps of %(step)d."), {"step": step})
            if amount:
                given[option] = amount
        if sum(given.values()) > cfg.total:
            return Rejection(
                "over_budget", N_("That would go over your budget of %(total)d. Take something back first."), {"total": cfg.total}
            )
        return given or None

    def personal_key(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> Hashable:
        return tuple(sorted((rnd.data.get(ballot or "") or {}).items()))

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        return [SummaryRow(line.option, line.amount, str(line.supporters)) for line in lines(rnd)]


ROUND_TYPE = Budget()


def left(rnd: Round, ballot: str | None) -> int:
    return rnd.config.total - sum((rnd.data.get(ballot or "") or {}).values())  # type: ignore[attr-defined]


def mine(rnd: Round, ballot: str | None) -> dict[int, int]:
    return dict(rnd.data.get(ballot or "") or {})


def step_of(rnd: Round, option: int) -> int:
    cfg: BudgetConfig = rnd.config  # type: ignore[assignment]
    return cfg.costs[option] if cfg.costs else cfg.step


def lines(rnd: Round) -> list[Line]:
    """Each option with the amount everyone put on it and how many did, largest first."""
    cfg: BudgetConfig = rnd.config  # type: ignore[assignment]
    amounts = [0] * len(cfg.options)
    supporters = [0] * len(cfg.options)
    for allocation in rnd.data.values():
        for option, amount in allocation.items():
            amounts[option] += amount
            supporters[option] += 1
    table = [Line(text, amounts[i], supporters[i]) for i, text in enumerate(cfg.options)]
    return sorted(table, key=lambda line: -line.amount)


def bars(rnd: Round) -> list[tuple[str, int]]:
    return [(line.option, line.amount) for line in lines(rnd)]
