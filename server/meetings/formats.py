"""Ready-made meeting formats a facilitator can start from. Titles and prompts are written in the
meeting's language when the format is applied."""

from collections.abc import Callable
from dataclasses import dataclass

from rooms.plan import AnyRoundConfig
from rooms.rejection import N_
from rooms.rounds.consent import ConsentConfig
from rooms.rounds.dots import DotsConfig
from rooms.rounds.ideas import IdeasConfig
from rooms.rounds.scale import ScaleConfig

from server.i18n import Translator


@dataclass(frozen=True)
class Format:
    name: str  # message id
    description: str  # message id
    build: Callable[[Translator], list[AnyRoundConfig]]


def _check_in(_: Translator) -> ScaleConfig:
    return ScaleConfig(
        title=_("Check-in"), prompt=_("How are you arriving today?"), low=1, high=5,
        low_label=_("Tired"), high_label=_("Full of energy"),
    )


def _brainwriting(_: Translator) -> list[AnyRoundConfig]:
    return [
        _check_in(_),
        IdeasConfig(title=_("Ideas"), prompt=_("Write your ideas, one at a time. Only you see them until they are shown to everyone.")),
        DotsConfig(title=_("Prioritise"), prompt=_("Give your dots to the ideas you find most important."), dots=3, max_per_idea=2),
        ConsentConfig(title=_("Proposal"), prompt=_("Proposal: (write the proposal the group should weigh here)")),
    ]


def _one_two_four_all(_: Translator) -> list[AnyRoundConfig]:
    return [
        IdeasConfig(title=_("1: Alone"), prompt=_("Think on your own for a minute and write your ideas."), max_per_person=3),
        IdeasConfig(title=_("2: In pairs"), prompt=_("Share with one other person. Write the idea you agree is best."), max_per_person=2, tables=2),
        IdeasConfig(title=_("4: In fours"), prompt=_("Two pairs meet. Write the idea the four of you find most important."), max_per_person=1, tables=4),
        DotsConfig(title=_("All: Prioritise"), prompt=_("Give your dots to the ideas the whole room should take forward."), dots=3, max_per_idea=2),
    ]


def _world_cafe(_: Translator) -> list[AnyRoundConfig]:
    return [
        IdeasConfig(title=_("Table talk 1"), prompt=_("Talk at your table and write down what you find important."), tables=5),
        IdeasConfig(title=_("Table talk 2: new tables"), prompt=_("You are at a new table. Build on what you heard and write new ideas."), tables=5),
        IdeasConfig(title=_("Table talk 3: new tables"), prompt=_("One more new table. What is missing so far?"), tables=5),
        DotsConfig(title=_("Harvest"), prompt=_("Give your dots to the ideas that matter most to you."), source=2, dots=3),
    ]


FORMATS: dict[str, Format] = {
    "brainwriting": Format(
        N_("Check-in, ideas, priorities and a proposal"),
        N_("A check-in question, silent brainwriting, dot voting on the ideas, and consent on a proposal."),
        _brainwriting,
    ),
    "1-2-4-all": Format(
        N_("1-2-4-All"),
        N_("Everyone thinks alone, then in pairs, then in fours (the app seats them), and the whole room prioritises."),
        _one_two_four_all,
    ),
    "world-cafe": Format(
        N_("World Café"),
        N_("Three table talks where people move to new tables between rounds, then a harvest with dot voting."),
        _world_cafe,
    ),
}
