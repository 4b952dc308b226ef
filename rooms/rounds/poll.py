"""Poll: single or multiple choice among options; the board shows the distribution."""

from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.rounds.answers import BAD_ANSWER, Answer, AnswerRound, counts
from rooms.rounds.base import RoundConfig, SummaryRow
from rooms.state import RoomState, Round
from rooms.text import clean_text

MAX_OPTIONS = 12
MAX_OTHER_LENGTH = 300
OTHER = N_("Other")


class PollConfig(RoundConfig, tag="poll"):
    how_to = N_("Choose your answer and press the button. You can change it while the round is open.")
    starter = {"options": ["A", "B"]}
    labels = {
        **RoundConfig.labels,
        "options": N_("Options (one per line)"),
        "multiple": N_("Allow more than one choice"),
        "max_choices": N_("Most choices per person (empty: no limit)"),
        "other": N_("Add \"Other, please specify\" (surveys)"),
    }

    options: list[str] = []
    multiple: bool = False
    # With `multiple`, the most options one may choose (None: any number).
    max_choices: int | None = None
    # A last choice "Other" with a text box; its number is len(options).
    other: bool = False


class Choose(Command, tag="choose"):
    """Choose an option (single choice: replaces the earlier choice; multiple: toggles it)."""

    option: int
    round: int | None = None


class PollAnswered(Event, tag="poll_answered"):
    round: int
    ballot: str
    answer: list[int] | None
    other: str = ""  # what "Other" is, in the respondent's words


NO_SUCH_OPTION = Rejection("no_such_option", N_("That choice does not exist."))


class Poll(AnswerRound):
    name = "poll"
    config = PollConfig
    commands = (Choose, Answer)
    events = (PollAnswered,)
    answer_event = PollAnswered

    def check_config(self, config: PollConfig, plan, index) -> Rejection | None:
        if not 2 <= len(config.options) <= MAX_OPTIONS or not all(o.strip() for o in config.options):
            return Rejection("bad_plan", N_("A poll needs between 2 and 12 options."))
        return None

    def answer_from(self, room: RoomState, rnd: Round, current: list[int] | None, command: Command):
        cfg: PollConfig = rnd.config  # type: ignore[assignment]
        option = command.option  # type: ignore[attr-defined]
        if not 0 <= option < len(cfg.options):
            return NO_SUCH_OPTION
        if not cfg.multiple:
            return [option]
        chosen = list(current or [])
        if option in chosen:
            chosen.remove(option)
            return chosen or None
        if cfg.max_choices is not None and len(chosen) >= cfg.max_choices:
            return Rejection(
                "too_many_choices",
                N_("You can choose at most %(max)d. Tap one you chose to take it back."),
                {"max": cfg.max_choices},
            )
        return sorted([*chosen, option])

    def whole(self, room: RoomState, rnd: Round, command: Answer):
        cfg: PollConfig = rnd.config  # type: ignore[assignment]
        chosen = command.answer if isinstance(command.answer, list) else [command.answer]
        count = len(cfg.options) + cfg.other
        if not chosen or not all(type(o) is int and 0 <= o < count for o in chosen):
            return NO_SUCH_OPTION
        if len(set(chosen)) != len(chosen) or (not cfg.multiple and len(chosen) > 1):
            return BAD_ANSWER
        if cfg.multiple and cfg.max_choices is not None and len(chosen) > cfg.max_choices:
            return Rejection("too_many_choices", N_("You can choose at most %(max)d."), {"max": cfg.max_choices})
        return sorted(chosen)

    def other_from(self, rnd: Round, answer, command: Command, current: str):
        cfg: PollConfig = rnd.config  # type: ignore[assignment]
        if not cfg.other or not answer or len(cfg.options) not in answer:
            return ""
        if not isinstance(command, Answer):
            return current
        text = clean_text(command.other) if isinstance(command.other, str) else ""
        if not text:
            return Rejection("other_missing", N_("Please write what your other answer is."))
        if len(text) > MAX_OTHER_LENGTH:
            return Rejection("text_too_long", N_("Please keep it to %(max)d characters or fewer."), {"max": MAX_OTHER_LENGTH})
        return text

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        rows = [SummaryRow(option, n) for option, n in distribution(rnd)]
        if rnd.config.other:  # type: ignore[attr-defined]
            rows.append(SummaryRow(OTHER, others(rnd), translate=True))
            rows += [SummaryRow(OTHER, None, text, translate=True) for text in rnd.notes.values()]
        return rows


ROUND_TYPE = Poll()


def distribution(rnd: Round) -> list[tuple[str, int]]:
    """Every option with how many chose it, in the order of the plan."""
    cfg: PollConfig = rnd.config  # type: ignore[assignment]
    return [(cfg.options[i], n) for i, n in counts(rnd, range(len(cfg.options)), lambda a: a)]


def others(rnd: Round) -> int:
    """How many chose "Other"."""
    return sum(len(rnd.config.options) in answer for answer in rnd.data.values())  # type: ignore[attr-defined]
