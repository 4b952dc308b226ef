"""Silent brainwriting: everyone writes ideas; they stay private to their authors until revealed.

The facilitator can then cluster them: merge duplicates into one (every author stays credited;
undo with unmerge) and group ideas under named themes. Later rounds (dots, ranking) vote on the
visible ideas of an ideas round, or on its themes.
"""

from collections.abc import Hashable
from dataclasses import dataclass, field

from rooms.actors import Actor, Role
from rooms.commands import FACILITATOR_ONLY, Command
from rooms.events import Event, ResultsRevealed, RoundClosed
from rooms.rejection import N_, Rejection
from rooms.rounds import texts
from rooms.rounds.base import RoundConfig, RoundType
from rooms.rounds.texts import Item, Items
from rooms.state import RoomState, Round, RoundStatus
from rooms.text import clean_text

MAX_THEME_LENGTH = 60
OVER = ("ideas", "themes")  # what a later round may vote on


class IdeasConfig(RoundConfig, tag="ideas"):
    how_to = N_("Write your idea in the box and press “Send idea”. You can send more than one.")
    labels = {
        **RoundConfig.labels,
        "max_length": N_("Longest idea (characters)"),
        "max_per_person": N_("Ideas per person"),
        "moderated": N_("Hold ideas until I let them through"),
    }

    max_length: int = 280
    max_per_person: int = 5
    # Hold each idea until the facilitator approves it.
    moderated: bool = False


class PostIdea(Command, tag="post_idea"):
    text: str
    round: int | None = None


class MergeIdeas(Command, tag="merge"):
    """Fold `item` into `into` (a duplicate). Both authors stay credited."""

    roles = FACILITATOR_ONLY
    item: str
    into: str
    round: int | None = None


class UnmergeIdea(Command, tag="unmerge"):
    roles = FACILITATOR_ONLY
    item: str
    round: int | None = None


class AddTheme(Command, tag="add_theme"):
    roles = FACILITATOR_ONLY
    name: str
    round: int | None = None


class RemoveTheme(Command, tag="remove_theme"):
    """Remove a theme; its ideas stay, without a theme."""

    roles = FACILITATOR_ONLY
    theme: str
    round: int | None = None


class SetTheme(Command, tag="set_theme"):
    """Put an idea under a theme ("" takes it out of any)."""

    roles = FACILITATOR_ONLY
    item: str
    theme: str = ""
    round: int | None = None


class IdeasMerged(Event, tag="ideas_merged"):
    round: int
    item: str
    into: str


class IdeaUnmerged(Event, tag="idea_unmerged"):
    round: int
    item: str


class ThemeAdded(Event, tag="theme_added"):
    round: int
    theme: str
    name: str


class ThemeRemoved(Event, tag="theme_removed"):
    round: int
    theme: str


class IdeaThemed(Event, tag="idea_themed"):
    round: int
    item: str
    theme: str | None


@dataclass
class IdeasData(Items):
    merged: dict[str, str] = field(default_factory=dict)  # idea -> the idea it was merged into
    themes: dict[str, str] = field(default_factory=dict)  # theme id -> name, in creation order
    theme_of: dict[str, str] = field(default_factory=dict)  # idea -> theme id


@dataclass(frozen=True)
class Option:
    """Something a later round votes on: an idea or a theme."""

    id: str
    text: str
    author: str = ""  # the idea's author ("" for themes); for the "not your own idea" rule


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    ideas: list[Item]


NO_SUCH_THEME = Rejection("no_such_theme", N_("That theme does not exist."))
BAD_THEME_NAME = Rejection("bad_theme_name", N_("A theme needs a name of at most 60 characters."))
CANNOT_MERGE = Rejection(
    "cannot_merge", N_("Those two cannot be merged: choose two different ideas that are on the list.")
)
CLUSTER_COMMANDS = (MergeIdeas, UnmergeIdea, AddTheme, RemoveTheme, SetTheme)


class Ideas(RoundType):
    name = "ideas"
    config = IdeasConfig
    seat_by = "pid"  # ideas are signed by their author's pseudonym anyway
    commands = (PostIdea, *texts.MODERATION_COMMANDS, *CLUSTER_COMMANDS)
    events = (*texts.ITEM_EVENTS, IdeasMerged, IdeaUnmerged, ThemeAdded, ThemeRemoved, IdeaThemed)

    def new_data(self, config: IdeasConfig) -> IdeasData:
        return IdeasData()

    def decide(self, room: RoomState, rnd: Round, command: Command, actor: Actor):
        data: IdeasData = rnd.data
        match command:
            case PostIdea(text=text):
                cfg: IdeasConfig = rnd.config  # type: ignore[assignment]
                return texts.post(rnd, data, actor, text, cfg.max_length, cfg.max_per_person, cfg.moderated)
            case MergeIdeas(item=item, into=into):
                shown = {i.id for i in visible_ideas(rnd)}
                if item == into or item not in shown or into not in shown:
                    return CANNOT_MERGE
                return [IdeasMerged(round=rnd.index, item=item, into=into)]
            case UnmergeIdea(item=item):
                if item not in data.items:
                    return texts.NO_SUCH_ITEM
                return [IdeaUnmerged(round=rnd.index, item=item)] if item in data.merged else []
            case AddTheme(name=raw):
                name = clean_text(raw)
                if not name or len(name) > MAX_THEME_LENGTH:
                    return BAD_THEME_NAME
                return [ThemeAdded(round=rnd.index, theme=f"r{rnd.index}t{len(data.themes) + 1}", name=name)]
            case RemoveTheme(theme=theme):
                if theme not in data.themes:
                    return NO_SUCH_THEME
                return [ThemeRemoved(round=rnd.index, theme=theme)]
            case SetTheme(item=item, theme=theme):
                if item not in data.items:
                    return texts.NO_SUCH_ITEM
                if theme and theme not in data.themes:
                    return NO_SUCH_THEME
                if data.theme_of.get(item) == (theme or None):
                    return []
                return [IdeaThemed(round=rnd.index, item=item, theme=theme or None)]
        return texts.moderate(rnd, data, command)

    def apply(self, room: RoomState, rnd: Round, event: Event) -> None:
        data: IdeasData = rnd.data
        if texts.apply_item_event(data, event):
            return
        match event:
            case IdeasMerged(item=item, into=into):
                # Ideas merged into `item` earlier follow it, so every chain is one step long.
                for other, target in list(data.merged.items()):
                    if target == item:
                        data.merged[other] = into
                data.merged[item] = into
            case IdeaUnmerged(item=item):
                del data.merged[item]
            case ThemeAdded(theme=theme, name=name):
                data.themes[theme] = name
            case ThemeRemoved(theme=theme):
                del data.themes[theme]
                for item in [i for i, t in data.theme_of.items() if t == theme]:
                    del data.theme_of[item]
            case IdeaThemed(item=item, theme=theme):
                if theme is None:
                    data.theme_of.pop(item, None)
                else:
                    data.theme_of[item] = theme

    def contributed(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> bool:
        return bool(rnd.data.by_author.get(pid or ""))

    def contributors(self, room: RoomState, rnd: Round) -> int:
        return len(rnd.data.by_author)

    def restrict(self, room: RoomState, rnd: Round, seated: set[str]) -> IdeasData:
        data: IdeasData = rnd.data
        items = {i: item for i, item in data.items.items() if item.author in seated}
        return IdeasData(
            items=items,
            by_author={a: ids for a, ids in data.by_author.items() if a in seated},
            merged={i: t for i, t in data.merged.items() if i in items and t in items},
            themes=dict(data.themes),
            theme_of={i: t for i, t in data.theme_of.items() if i in items},
        )

    def personal_key(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> Hashable:
        mine = texts.personal_key(rnd.data, pid)
        return mine, tuple(rnd.data.merged.get(i[0]) for i in mine)


ROUND_TYPE = Ideas()


def visible_ideas(rnd: Round) -> list[Item]:
    """Ideas everyone may see: approved, not hidden, not merged into another."""
    return [i for i in texts.visible(rnd.data) if i.id not in rnd.data.merged]


def merged_into(rnd: Round, item: str) -> list[Item]:
    """The ideas merged into `item` (duplicates it stands for)."""
    merged = rnd.data.merged
    return [idea for idea in rnd.data.items.values() if merged.get(idea.id) == item]


def merged_target(rnd: Round, item: str) -> Item | None:
    target = rnd.data.merged.get(item)
    return rnd.data.items[target] if target else None


def themes(rnd: Round) -> list[Theme]:
    """Themes in creation order with their visible ideas, then the ideas without a theme
    (as a theme with id "")."""
    data: IdeasData = rnd.data
    grouped: dict[str, list[Item]] = {t: [] for t in data.themes}
    loose: list[Item] = []
    for idea in visible_ideas(rnd):
        theme = data.theme_of.get(idea.id)
        (grouped[theme] if theme in grouped else loose).append(idea)
    result = [Theme(t, data.themes[t], ideas) for t, ideas in grouped.items()]
    return [*result, Theme("", "", loose)] if loose else result


def ideas_by(rnd: Round, pid: str | None) -> list[Item]:
    return texts.written_by(rnd.data, pid)


def can_see_ideas(rnd: Round, role: Role) -> bool:
    """Ideas are private to their authors until revealed; the facilitator sees them to moderate."""
    return role is Role.FACILITATOR or rnd.status is RoundStatus.REVEALED


def source_index(plan: list[RoundConfig], index: int, source: int | None) -> int | None:
    """The ideas round a later round votes on: `source`, or else the nearest one before it."""
    if source is not None:
        ok = 0 <= source < index and plan[source].type == "ideas"
        return source if ok else None
    return next((i for i in range(index - 1, -1, -1) if plan[i].type == "ideas"), None)


def source_of(room: RoomState, rnd: Round) -> Round:
    src = source_index([r.config for r in room.rounds], rnd.index, rnd.config.source)  # type: ignore[attr-defined]
    assert src is not None  # the plan was checked when the room opened
    return room.rounds[src]


def reveal_source(room: RoomState, rnd: Round) -> list[Event]:
    """Voting on ideas needs them shown: close and reveal the source round if it is not yet."""
    src = source_of(room, rnd)
    events: list[Event] = []
    if src.status.running:
        events.append(RoundClosed(round=src.index))
    if src.status is not RoundStatus.REVEALED:
        events.append(ResultsRevealed(round=src.index))
    return events


def vote_options(room: RoomState, rnd: Round) -> list[Option]:
    """What a later round (with `source` and `over` in its config) votes on: the visible ideas of
    its source round, or that round's named themes that hold at least one visible idea."""
    src = source_of(room, rnd)
    if getattr(rnd.config, "over", "ideas") == "themes":
        return [Option(t.id, t.name) for t in themes(src) if t.id and t.ideas]
    return [Option(i.id, i.text, i.author) for i in visible_ideas(src)]


def stands_for(room: RoomState, rnd: Round, option: str) -> str:
    """The option a vote on `option` counts for now: an idea merged away counts for the idea it
    was merged into."""
    return source_of(room, rnd).data.merged.get(option, option)
