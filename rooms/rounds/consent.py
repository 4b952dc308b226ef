"""Consent (gradients of agreement): a proposal rated on five steps from "fully agree" to "block",
with an optional reason on the lowest two. The board shows the spread and the reasons."""

import msgspec

from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.rounds.answers import BAD_ANSWER, Answer, AnswerRound, counts
from rooms.rounds.base import RoundConfig, SummaryRow
from rooms.state import RoomState, Round
from rooms.text import clean_text

LEVELS = (1, 2, 3, 4, 5)
# Steps 4 ("disagree") and 5 ("block") invite a reason: that is what the group must hear.
REASON_LEVELS = (4, 5)
LEVEL_NAMES = {
    1: N_("Fully agree"),
    2: N_("Agree with reservations"),
    3: N_("Can live with it"),
    4: N_("Disagree"),
    5: N_("Block"),
}


class ConsentConfig(RoundConfig, tag="consent"):
    how_to = N_("Choose how much you agree with the proposal. If you choose one of the lowest steps, please say why.")
    labels = {
        **RoundConfig.labels,
        "max_reason_length": N_("Longest reason (characters)"),
    }

    max_reason_length: int = 280


class GiveConsent(Command, tag="consent"):
    level: int
    reason: str = ""
    round: int | None = None


class ConsentAnswer(msgspec.Struct, frozen=True):
    level: int
    reason: str = ""


class ConsentGiven(Event, tag="consent_given"):
    round: int
    ballot: str
    answer: ConsentAnswer | None


class Consent(AnswerRound):
    name = "consent"
    config = ConsentConfig
    commands = (GiveConsent, Answer)
    events = (ConsentGiven,)
    answer_event = ConsentGiven

    def answer_from(self, room: RoomState, rnd: Round, current: ConsentAnswer | None, command: Command):
        cfg: ConsentConfig = rnd.config  # type: ignore[assignment]
        level = command.level  # type: ignore[attr-defined]
        if level not in LEVELS:
            return Rejection("out_of_range", N_("Please choose one of the five steps."))
        reason = clean_text(command.reason) if level in REASON_LEVELS else ""  # type: ignore[attr-defined]
        if len(reason) > cfg.max_reason_length:
            return Rejection(
                "text_too_long",
                N_("Please keep it to %(max)d characters or fewer."),
                {"max": cfg.max_reason_length},
            )
        if not reason and current is not None and current.level == level:
            reason = current.reason  # choosing the same step again keeps the reason given
        return ConsentAnswer(level, reason)

    def whole(self, room: RoomState, rnd: Round, command: Answer):
        value = command.answer
        if not isinstance(value, dict) or type(value.get("level")) is not int or not isinstance(value.get("reason", ""), str):
            return BAD_ANSWER
        given = GiveConsent(level=value["level"], reason=value.get("reason", ""), round=rnd.index)
        return self.answer_from(room, rnd, None, given)

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        rows = [SummaryRow(name, n, translate=True) for name, n in bars(rnd)]
        return rows + [SummaryRow(LEVEL_NAMES[level], None, reason, translate=True) for level, reason in reasons(rnd)]


ROUND_TYPE = Consent()


def bars(rnd: Round) -> list[tuple[str, int]]:
    """Each step's name (a message id) with how many chose it, from "fully agree" to "block"."""
    return [(LEVEL_NAMES[level], n) for level, n in counts(rnd, LEVELS, lambda a: [a.level])]


def reasons(rnd: Round) -> list[tuple[int, str]]:
    """The reasons given, lowest step first; without who gave them."""
    return sorted(((a.level, a.reason) for a in rnd.data.values() if a.reason), key=lambda r: -r[0])
