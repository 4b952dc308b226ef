"""Poll: single or multiple choice among options; the board shows the distribution."""

from rooms.commands import Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.rounds.answers import AnswerRound, counts
from rooms.rounds.base import RoundConfig, SummaryRow
from rooms.state import RoomState, Round

MAX_OPTIONS = 12


class PollConfig(RoundConfig, tag="poll"):
    how_to = N_("Choose your answer and press the button. You can change it while the round is open.")
    starter = {"options": ["A", "B"]}
    labels = {
        **RoundConfig.labels,
        "options": N_("Options (one per line)"),
        "multiple": N_("Allow more than one choice"),
        "max_choices": N_("Most choices per person (empty: no limit)"),
    }

    options: list[str] = []
    multiple: bool = False
    # With `multiple`, the most options one may choose (None: any number).
    max_choices: int | None = None


class Choose(Command, tag="choose"):
    """Choose an option (single choice: replaces the earlier choice; multiple: toggles it)."""

    option: int
    round: int | None = None


class PollAnswered(Event, tag="poll_answered"):
    round: int
    ballot: str
    answer: list[int] | None


NO_SUCH_OPTION = Rejection("no_such_option", N_("That choice does not exist."))


class Poll(AnswerRound):
    name = "poll"
    config = PollConfig
    commands = (Choose,)
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

    def summary(self, room: RoomState, rnd: Round) -> list[SummaryRow]:
        return [SummaryRow(option, n) for option, n in distribution(rnd)]


ROUND_TYPE = Poll()


def distribution(rnd: Round) -> list[tuple[str, int]]:
    """Every option with how many chose it, in the order of the plan."""
    cfg: PollConfig = rnd.config  # type: ignore[assignment]
    return [(cfg.options[i], n) for i, n in counts(rnd, range(len(cfg.options)), lambda a: a)]
