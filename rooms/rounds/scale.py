"""Scale: a number from `low` to `high` with words at the ends (check-in, "how important is...").
The board shows the whole distribution, not only the mean."""

import statistics

from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.rounds.answers import BAD_ANSWER, Answer, AnswerRound, counts
from rooms.rounds.base import RoundConfig, SummaryRow
from rooms.state import RoomState, Round


class ScaleConfig(RoundConfig, tag="scale"):
    how_to = N_("Choose the number that fits what you think.")
    labels = {
        **RoundConfig.labels,
        "low": N_("Lowest number"),
        "high": N_("Highest number"),
        "low_label": N_("Words for the lowest number"),
        "high_label": N_("Words for the highest number"),
    }

    low: int = 1
    high: int = 5
    low_label: str = ""
    high_label: str = ""


class Rate(Command, tag="scale"):
    value: int
    round: int | None = None


class ScaleAnswered(Event, tag="scale_answered"):
    round: int
    ballot: str
    answer: int | None


class Scale(AnswerRound):
    name = "scale"
    config = ScaleConfig
    commands = (Rate, Answer)
    events = (ScaleAnswered,)
    answer_event = ScaleAnswered

    def check_config(self, config: ScaleConfig, plan, index) -> Rejection | None:
        if not 2 <= config.high - config.low + 1 <= 11:
            return Rejection("bad_plan", N_("A scale needs between 2 and 11 steps."))
        return None

    def answer_from(self, room: RoomState, rnd: Round, current: int | None, command: Command):
        cfg: ScaleConfig = rnd.config  # type: ignore[assignment]
        value = command.value  # type: ignore[attr-defined]
        if not cfg.low <= value <= cfg.high:
            return Rejection(
                "out_of_range",
                N_("Please choose a number from %(low)d to %(high)d."),
                {"low": cfg.low, "high": cfg.high},
            )
        return value

    def whole(self, room: RoomState, rnd: Round, command: Answer):
        if type(command.answer) is not int:
            return BAD_ANSWER
        return self.answer_from(room, rnd, None, Rate(value=command.answer, round=rnd.index))

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        rows = [SummaryRow(str(value), n) for value, n in distribution(rnd)]
        middle = summary(rnd)
        if middle is not None:
            rows.append(SummaryRow(N_("Average"), None, f"{middle[0]:.1f}", translate=True))
        return rows


ROUND_TYPE = Scale()


def steps(rnd: Round) -> range:
    return range(rnd.config.low, rnd.config.high + 1)  # type: ignore[attr-defined]


def distribution(rnd: Round) -> list[tuple[int, int]]:
    return counts(rnd, steps(rnd), lambda a: [a])


def summary(rnd: Round) -> tuple[float, float] | None:
    """Mean and median of the answers, or None before anyone has answered."""
    values = list(rnd.data.values())
    if not values:
        return None
    return statistics.fmean(values), statistics.median(values)
