"""A meeting's plan (its ordered rounds): the event that opens a room with it, and changing it.

Every change is one PlanChanged event carrying the whole new plan. Rounds that have started keep
their place and settings; before the first round starts the plan may be reordered freely.
"""

from typing import Union

from rooms.commands import FACILITATOR_ONLY, Command
from rooms.events import Event
from rooms.rejection import N_, NO_SUCH_ROUND, Rejection
from rooms.rounds import ROUND_TYPES
from rooms.rounds.base import RoundConfig

AnyRoundConfig = Union[tuple(t.config for t in ROUND_TYPES.values())]  # type: ignore[valid-type]
MAX_ROUNDS = 30


class RoomOpened(Event, tag="room_opened"):
    code: str
    title: str
    plan: list[AnyRoundConfig]  # type: ignore[valid-type]
    language: str = "nb"


class PlanChanged(Event, tag="plan_changed"):
    plan: list[AnyRoundConfig]  # type: ignore[valid-type]


class AddRound(Command, tag="add_round"):
    """Add a round of `type` with its default settings at the end of the plan."""

    roles = FACILITATOR_ONLY
    type: str


class RemoveRound(Command, tag="remove_round"):
    roles = FACILITATOR_ONLY
    round: int


class MoveRound(Command, tag="move_round"):
    """Move a round one place earlier (by=-1) or later (by=1)."""

    roles = FACILITATOR_ONLY
    round: int
    by: int


class ReplaceRound(Command, tag="replace_round"):
    """New settings for a round that has not started. Built by the server from a form."""

    roles = FACILITATOR_ONLY
    round: int
    config: AnyRoundConfig  # type: ignore[valid-type]


class ReplacePlan(Command, tag="replace_plan"):
    """A whole new plan (e.g. a ready-made format), before the first round starts."""

    roles = FACILITATOR_ONLY
    plan: list[AnyRoundConfig]  # type: ignore[valid-type]


# Commands a client may send over the socket; the others carry whole configs and come from forms.
PLAN_CLIENT_COMMANDS: tuple[type[Command], ...] = (AddRound, RemoveRound, MoveRound)
PLAN_COMMANDS: tuple[type[Command], ...] = (*PLAN_CLIENT_COMMANDS, ReplaceRound, ReplacePlan)

PLAN_LOCKED = Rejection(
    "plan_locked",
    N_("That round has started, so it stays as it is. You can add rounds at the end and change rounds that have not started."),
)
ORDER_LOCKED = Rejection(
    "plan_locked",
    N_("Rounds can only be moved or removed before the first round starts. You can still add rounds at the end."),
)
NO_SUCH_TYPE = Rejection("no_such_type", N_("There is no such kind of round."))
TOO_MANY_ROUNDS = Rejection("too_many_rounds", N_("A meeting can have at most 30 rounds."))


MAX_INSTRUCTION_LENGTH = 300
INSTRUCTION_TOO_LONG = Rejection(
    "instruction_too_long", N_("Please keep the words on how to answer to %(max)d characters or fewer."),
    {"max": MAX_INSTRUCTION_LENGTH},
)


BAD_CONDITION = Rejection(
    "bad_condition", N_("A question can only depend on the options of a poll that comes before it.")
)


def _condition_fits(plan: list[RoundConfig], index: int, config: RoundConfig) -> bool:
    if config.show_if_round is None:
        return not config.show_if_options
    if not 0 <= config.show_if_round < index or plan[config.show_if_round].type != "poll":
        return False
    earlier = plan[config.show_if_round]
    count = len(earlier.options) + earlier.other  # type: ignore[attr-defined]
    return bool(config.show_if_options) and all(0 <= o < count for o in config.show_if_options)


def check_plan(plan: list[RoundConfig]) -> Rejection | None:
    if not plan:
        return Rejection("bad_plan", N_("A meeting needs at least one round."))
    if len(plan) > MAX_ROUNDS:
        return TOO_MANY_ROUNDS
    for index, config in enumerate(plan):
        if len(config.instruction) > MAX_INSTRUCTION_LENGTH:
            return INSTRUCTION_TOO_LONG
        if not _condition_fits(plan, index, config):
            return BAD_CONDITION
        problem = ROUND_TYPES[config.type].check_config(config, plan, index)
        if problem is not None:
            return problem
    return None


def decide_plan(plan: list[RoundConfig], started: list[bool], command: Command) -> list[Event] | Rejection:
    """The PlanChanged event a plan command causes, or why not. `started[i]`: round i has begun."""
    any_started = any(started)
    new = list(plan)
    match command:
        case AddRound(type=kind):
            if kind not in ROUND_TYPES:
                return NO_SUCH_TYPE
            config = ROUND_TYPES[kind].config
            new.append(config(**config.starter))
        case RemoveRound(round=index) | MoveRound(round=index) | ReplaceRound(round=index) if not 0 <= index < len(plan):
            return NO_SUCH_ROUND
        case RemoveRound(round=index):
            if any_started:
                return ORDER_LOCKED
            del new[index]
        case MoveRound(round=index, by=by):
            if any_started:
                return ORDER_LOCKED
            target = index + (1 if by > 0 else -1)
            if not 0 <= target < len(plan):
                return []
            new[index], new[target] = new[target], new[index]
        case ReplaceRound(round=index, config=config):
            if started[index]:
                return PLAN_LOCKED
            new[index] = config
        case ReplacePlan(plan=replacement):
            if any_started:
                return ORDER_LOCKED
            new = list(replacement)
    if new == plan:
        return []
    problem = check_plan(new)
    if problem is not None:
        return problem
    return [PlanChanged(plan=new)]
