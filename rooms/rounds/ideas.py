"""Silent brainwriting: everyone writes ideas; they stay private to their authors until revealed."""

from collections.abc import Hashable

from rooms.actors import Actor, Role
from rooms.commands import Command
from rooms.events import Event, ResultsRevealed, RoundClosed
from rooms.rounds import texts
from rooms.rounds.base import RoundConfig, RoundType
from rooms.rounds.texts import Item, Items
from rooms.state import RoomState, Round, RoundStatus


class IdeasConfig(RoundConfig, tag="ideas"):
    max_length: int = 280
    max_per_person: int = 5
    # Hold each idea until the facilitator approves it.
    moderated: bool = False


class PostIdea(Command, tag="post_idea"):
    text: str
    round: int | None = None


class Ideas(RoundType):
    name = "ideas"
    config = IdeasConfig
    commands = (PostIdea, *texts.MODERATION_COMMANDS)
    events = texts.ITEM_EVENTS

    def new_data(self, config: IdeasConfig) -> Items:
        return Items()

    def decide(self, room: RoomState, rnd: Round, command: Command, actor: Actor):
        if isinstance(command, PostIdea):
            cfg: IdeasConfig = rnd.config  # type: ignore[assignment]
            return texts.post(
                rnd, rnd.data, actor, command.text, cfg.max_length, cfg.max_per_person, cfg.moderated
            )
        return texts.moderate(rnd, rnd.data, command)

    def apply(self, room: RoomState, rnd: Round, event) -> None:
        texts.apply_item_event(rnd.data, event)

    def contributed(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> bool:
        return bool(rnd.data.by_author.get(pid or ""))

    def contributors(self, room: RoomState, rnd: Round) -> int:
        return len(rnd.data.by_author)

    def personal_key(self, room: RoomState, rnd: Round, pid: str | None, ballot: str | None) -> Hashable:
        return texts.personal_key(rnd.data, pid)


ROUND_TYPE = Ideas()


def visible_ideas(rnd: Round) -> list[Item]:
    return texts.visible(rnd.data)


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
