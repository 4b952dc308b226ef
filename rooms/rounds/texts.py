"""Text participants contribute in a round (ideas, statements, questions): posting it, holding it
for the facilitator's approval when the round asks for that, and hiding it (moderation).

Round types that collect text keep an `Items` in their data, list MODERATION_COMMANDS and
ITEM_EVENTS among their own, and call `post`, `moderate` and `apply_item_event`.
"""

from dataclasses import dataclass, field

from rooms.actors import Actor
from rooms.commands import FACILITATOR_ONLY, Command
from rooms.events import Event
from rooms.rejection import N_, Rejection
from rooms.state import Round
from rooms.text import clean_text


@dataclass
class Item:
    id: str
    author: str  # pseudonym of the participant who wrote it; "" for text the facilitator wrote
    text: str
    hidden: bool = False
    pending: bool = False  # waiting for the facilitator's approval

    @property
    def visible(self) -> bool:
        return not self.hidden and not self.pending


@dataclass
class Items:
    items: dict[str, Item] = field(default_factory=dict)
    by_author: dict[str, list[str]] = field(default_factory=dict)


class ItemPosted(Event, tag="item_posted"):
    round: int
    item: str
    author: str
    text: str
    pending: bool = False


class ItemApproved(Event, tag="item_approved"):
    round: int
    item: str


class ItemHidden(Event, tag="item_hidden"):
    round: int
    item: str


class ItemShown(Event, tag="item_shown"):
    round: int
    item: str


class HideItem(Command, tag="hide"):
    """Take a text off every screen. Its author is told, kindly."""

    roles = FACILITATOR_ONLY
    item: str
    round: int | None = None


class ShowItem(Command, tag="show"):
    """Undo a hide."""

    roles = FACILITATOR_ONLY
    item: str
    round: int | None = None


class ApproveItem(Command, tag="approve"):
    """Let a text that waits for approval through to everyone."""

    roles = FACILITATOR_ONLY
    item: str
    round: int | None = None


MODERATION_COMMANDS: tuple[type[Command], ...] = (HideItem, ShowItem, ApproveItem)
ITEM_EVENTS: tuple[type[Event], ...] = (ItemPosted, ItemApproved, ItemHidden, ItemShown)

EMPTY = Rejection("text_empty", N_("Please write something first."))
NO_SUCH_ITEM = Rejection("no_such_item", N_("That text does not exist."))


def post(
    rnd: Round, items: Items, actor: Actor, raw: str, max_length: int, max_per_person: int,
    moderated: bool,
) -> list[Event] | Rejection:
    """Events for a participant's new text, or why not. The caller checks the round is open."""
    text = clean_text(raw)
    if not text:
        return EMPTY
    if len(text) > max_length:
        return Rejection(
            "text_too_long",
            N_("Please keep it to %(max)d characters or fewer."),
            {"max": max_length},
        )
    if len(items.by_author.get(actor.pid or "", ())) >= max_per_person:
        return Rejection(
            "too_many",
            N_("You have sent %(max)d, the most this round allows."),
            {"max": max_per_person},
        )
    item_id = f"r{rnd.index}i{len(items.items) + 1}"
    return [ItemPosted(round=rnd.index, item=item_id, author=actor.pid or "", text=text, pending=moderated)]


def moderate(rnd: Round, items: Items, command: Command) -> list[Event] | Rejection:
    item = items.items.get(getattr(command, "item", ""))
    if item is None:
        return NO_SUCH_ITEM
    match command:
        case HideItem():
            return [] if item.hidden else [ItemHidden(round=rnd.index, item=item.id)]
        case ShowItem():
            return [ItemShown(round=rnd.index, item=item.id)] if item.hidden else []
        case ApproveItem():
            return [ItemApproved(round=rnd.index, item=item.id)] if item.pending else []
    raise TypeError(command)


def apply_item_event(items: Items, event: Event) -> bool:
    """Fold an item event; False if `event` is not one."""
    match event:
        case ItemPosted(item=item_id, author=author, text=text, pending=pending):
            items.items[item_id] = Item(item_id, author, text, pending=pending)
            if author:
                items.by_author.setdefault(author, []).append(item_id)
        case ItemApproved(item=item_id):
            items.items[item_id].pending = False
        case ItemHidden(item=item_id):
            items.items[item_id].hidden = True
        case ItemShown(item=item_id):
            items.items[item_id].hidden = False
        case _:
            return False
    return True


def visible(items: Items) -> list[Item]:
    return [i for i in items.items.values() if i.visible]


def waiting(items: Items) -> list[Item]:
    return [i for i in items.items.values() if i.pending and not i.hidden]


def written_by(items: Items, pid: str | None) -> list[Item]:
    return [items.items[i] for i in items.by_author.get(pid or "", ())]


def personal_key(items: Items, pid: str | None) -> tuple:
    mine = items.by_author.get(pid or "", ())
    return tuple((i, items.items[i].hidden, items.items[i].pending) for i in mine)
