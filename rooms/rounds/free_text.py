"""Free text: everyone writes an answer in their own words, which they may change while the round
is open. The answers are read by staff (outcome, survey results), never shown on the board, since
they may say more about a person than they meant to share with the room."""

from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.rounds.answers import BAD_ANSWER, Answer, AnswerRound
from rooms.rounds.base import RoundConfig, SummaryRow
from rooms.state import RoomState, Round
from rooms.text import clean_text

MAX_LENGTH = 2000


class TextConfig(RoundConfig, tag="text"):
    how_to = N_("Write your answer in the box and press the button. You can change it until the question closes.")
    labels = {**RoundConfig.labels, "max_length": N_("Longest answer (characters)")}
    starter = {"prompt": N_("What would you like to tell us?")}

    max_length: int = 1000


class WriteText(Command, tag="write_text"):
    """Write (or rewrite) one's answer; an empty text takes it back."""

    text: str
    round: int | None = None


class TextWritten(Event, tag="text_written"):
    round: int
    ballot: str
    answer: str | None


class FreeText(AnswerRound):
    name = "text"
    config = TextConfig
    commands = (WriteText, Answer)
    events = (TextWritten,)
    answer_event = TextWritten

    def check_config(self, config: TextConfig, plan, index) -> Rejection | None:
        if not 1 <= config.max_length <= MAX_LENGTH:
            return Rejection("bad_plan", N_("An answer may be between 1 and 2000 characters long."))
        return None

    def answer_from(self, room: RoomState, rnd: Round, current: str | None, command: Command):
        return _text(rnd, command.text)  # type: ignore[attr-defined]

    def whole(self, room: RoomState, rnd: Round, command: Answer):
        return _text(rnd, command.answer) if isinstance(command.answer, str) else BAD_ANSWER

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        return [SummaryRow(N_("Answers"), len(rnd.data), translate=True)] + [
            SummaryRow(text) for text in rnd.data.values()
        ]


def _text(rnd: Round, text: str) -> str | None | Rejection:
    limit = rnd.config.max_length  # type: ignore[attr-defined]
    text = clean_text(text)
    if len(text) > limit:
        return Rejection("text_too_long", N_("Please keep it to %(max)d characters or fewer."), {"max": limit})
    return text or None


ROUND_TYPE = FreeText()
