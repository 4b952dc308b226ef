"""Silent brainwriting: everyone writes ideas; they stay private to their authors until revealed."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from rooms.actors import Actor, Role
from rooms.commands import FACILITATOR_ONLY, Command
from rooms.events import Event
from rooms.rejection import N_, NOT_JOINED, ROUND_NOT_OPEN, Rejection
from rooms.rounds.base import RoundConfig, RoundType
from rooms.state import RoomState, Round, RoundStatus
from rooms.text import clean_text


class IdeasConfig(RoundConfig, tag="ideas"):
    max_length: int = 280
    max_per_person: int = 5


class PostIdea(Command, tag="post_idea"):
    text: str
    round: int | None = None


class HideIdea(Command, tag="hide_idea"):
    """Moderation: take an idea off every screen. The author is told, kindly."""

    roles = FACILITATOR_ONLY
    idea: str
    round: int | None = None


class ShowIdea(Command, tag="show_idea"):
    """Undo a hide."""

    roles = FACILITATOR_ONLY
    idea: str
    round: int | None = None


class IdeaPosted(Event, tag="idea_posted"):
    round: int
    idea: str
    author: str
    text: str


class IdeaHidden(Event, tag="idea_hidden"):
    round: int
    idea: str


class IdeaShown(Event, tag="idea_shown"):
    round: int
    idea: str


@dataclass
class Idea:
    id: str
    author: str
    text: str
    hidden: bool = False


@dataclass
class IdeasData:
    ideas: dict[str, Idea] = field(default_factory=dict)
    by_author: dict[str, list[str]] = field(default_factory=dict)  # pid -> idea ids


EMPTY = Rejection("text_empty", N_("Please write your idea first."))
NO_SUCH_IDEA = Rejection("no_such_idea", N_("That idea does not exist."))


class Ideas(RoundType):
    name = "ideas"
    config = IdeasConfig
    commands = (PostIdea, HideIdea, ShowIdea)
    events = (IdeaPosted, IdeaHidden, IdeaShown)

    def new_data(self, config: IdeasConfig) -> IdeasData:
        return IdeasData()

    def decide(
        self, room: RoomState, rnd: Round, command: Command, actor: Actor
    ) -> list[Event] | Rejection:
        data: IdeasData = rnd.data
        match command:
            case PostIdea(text=raw):
                if actor.pid not in room.participants:
                    return NOT_JOINED
                if rnd.status is not RoundStatus.OPEN:
                    return ROUND_NOT_OPEN
                cfg: IdeasConfig = rnd.config  # type: ignore[assignment]
                text = clean_text(raw)
                if not text:
                    return EMPTY
                if len(text) > cfg.max_length:
                    return Rejection(
                        "text_too_long",
                        N_("Please keep your idea to %(max)d characters or fewer."),
                        {"max": cfg.max_length},
                    )
                if len(data.by_author.get(actor.pid, ())) >= cfg.max_per_person:
                    return Rejection(
                        "too_many_ideas",
                        N_("You have posted %(max)d ideas, the most this round allows."),
                        {"max": cfg.max_per_person},
                    )
                idea_id = f"r{rnd.index}i{len(data.ideas) + 1}"
                return [IdeaPosted(round=rnd.index, idea=idea_id, author=actor.pid, text=text)]
            case HideIdea(idea=idea_id) | ShowIdea(idea=idea_id):
                idea = data.ideas.get(idea_id)
                if idea is None:
                    return NO_SUCH_IDEA
                hide = isinstance(command, HideIdea)
                if idea.hidden == hide:
                    return []
                event = IdeaHidden if hide else IdeaShown
                return [event(round=rnd.index, idea=idea_id)]
        raise TypeError(command)

    def apply(self, room: RoomState, rnd: Round, event: Event) -> None:
        data: IdeasData = rnd.data
        match event:
            case IdeaPosted(idea=idea_id, author=author, text=text):
                data.ideas[idea_id] = Idea(idea_id, author, text)
                data.by_author.setdefault(author, []).append(idea_id)
            case IdeaHidden(idea=idea_id):
                data.ideas[idea_id].hidden = True
            case IdeaShown(idea=idea_id):
                data.ideas[idea_id].hidden = False

    def contributors(self, room: RoomState, rnd: Round) -> int:
        return len(rnd.data.by_author)

    def personal_key(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> Hashable:
        mine = rnd.data.by_author.get(pid, ())
        return (rnd.index, rnd.status, tuple((i, rnd.data.ideas[i].hidden) for i in mine))

    def touches(self, room: RoomState, rnd: Round, event: Event) -> Iterable[str]:
        return (rnd.data.ideas[event.idea].author,)  # type: ignore[attr-defined]


ROUND_TYPE = Ideas()


def visible_ideas(rnd: Round) -> list[Idea]:
    return [i for i in rnd.data.ideas.values() if not i.hidden]


def ideas_by(rnd: Round, pid: str | None) -> list[Idea]:
    return [rnd.data.ideas[i] for i in rnd.data.by_author.get(pid, ())]


def can_see_ideas(rnd: Round, role: Role) -> bool:
    """Ideas are private to their authors until revealed; the facilitator sees them to moderate."""
    return role is Role.FACILITATOR or rnd.status is RoundStatus.REVEALED
