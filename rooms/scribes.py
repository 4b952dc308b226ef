"""Taking part without a phone: table hosts, people a scribe enters for, and help on request.

A scribe (the facilitator, or a table host the facilitator has let in) adds a person without a
phone and enters that person's ideas and votes. The entries obey the person's own limits (the
server gives each such person a ballot of their own) and are marked in the log by a ScribeEntry
that names neither the scribe nor the person.
"""

from rooms.actors import Actor, Role
from rooms.commands import AddHost, AddPerson, AnswerHelp, CancelHelp, Command, RemoveHost, RequestHelp
from rooms.events import (
    Event,
    HelpCleared,
    HelpRequested,
    HostAdded,
    HostRemoved,
    ScribeEntry,
)
from rooms.people import admit
from rooms.rejection import N_, NOT_JOINED, Rejection
from rooms.state import Participant, RoomState, RoundStatus

SCRIBE_COMMANDS: tuple[type[Command], ...] = (AddPerson, AddHost, RemoveHost, RequestHelp, CancelHelp, AnswerHelp)
# A scribe may also type in paper cards after the round has closed, until the results are shown.
SCRIBE_STATUSES = frozenset({RoundStatus.OPEN, RoundStatus.PAUSED, RoundStatus.CLOSED})
MAX_TABLE = 50

BAD_TABLE = Rejection("bad_table", N_("Choose a table between 1 and 50, or none."))
NO_SUCH_HOST = Rejection("no_such_host", N_("That table host is no longer in this meeting."))
NOT_SCRIBED = Rejection(
    "not_scribed", N_("You can only enter answers for people who take part without a phone.")
)
OTHER_TABLE = Rejection("other_table", N_("That person sits at another table."))


def may_scribe(state: RoomState, actor: Actor) -> Rejection | None:
    """Why `actor` (a scribe acting as a participant) may not act for that person, if so."""
    person = state.participants.get(actor.pid or "")
    if person is None:
        return NOT_JOINED
    if not person.scribed:
        return NOT_SCRIBED
    if actor.scribe == "facilitator":
        return None
    table = state.hosts.get(actor.scribe or "")
    if table is None:
        return NO_SUCH_HOST
    if table and state.tables.get(person.pid) != table:
        return OTHER_TABLE
    return None


def mark(events: list[Event], actor: Actor) -> list[Event]:
    """Events entered by a scribe get a ScribeEntry in front of them."""
    return [ScribeEntry(events=len(events)), *events] if actor.scribe and events else events


def decide_scribes(state: RoomState, command: Command, actor: Actor) -> list[Event] | Rejection:
    match command:
        case AddPerson():
            return _add_person(state, command, actor)
        case AddHost(host=host, table=table):
            if not 0 <= table <= MAX_TABLE:
                return BAD_TABLE
            return [] if state.hosts.get(host) == table else [HostAdded(host=host, table=table)]
        case RemoveHost(host=host):
            return [HostRemoved(host=host)] if host in state.hosts else []
        case RequestHelp() | CancelHelp():
            if actor.pid not in state.participants:
                return NOT_JOINED
            if actor.scribe and (problem := may_scribe(state, actor)):
                return problem
            asking = actor.pid in state.help
            if isinstance(command, RequestHelp):
                return [] if asking else [HelpRequested(pid=actor.pid)]  # type: ignore[arg-type]
            return [HelpCleared(pid=actor.pid)] if asking else []  # type: ignore[arg-type]
        case AnswerHelp(pid=pid):
            return [HelpCleared(pid=pid)] if pid in state.help else []
    raise TypeError(f"no rule for {type(command).__name__}")


def _add_person(state: RoomState, command: AddPerson, actor: Actor) -> list[Event] | Rejection:
    table = command.table
    if actor.role is Role.HOST:
        host_table = state.hosts.get(actor.scribe or "")
        if host_table is None:
            return NO_SUCH_HOST
        if host_table:
            table = host_table  # a host adds people at their own table
    if not 0 <= table <= MAX_TABLE:
        return BAD_TABLE
    return admit(state, command.pid, command.name, command.member, scribed=True, table=table)


def apply_scribes(state: RoomState, event: Event) -> bool:
    """Folds this module's events; False for any other event."""
    match event:
        case HostAdded(host=host, table=table):
            state.hosts[host] = table
        case HostRemoved(host=host):
            state.hosts.pop(host, None)
        case HelpRequested(pid=pid):
            state.help[pid] = None
        case HelpCleared(pid=pid):
            state.help.pop(pid, None)
        case ScribeEntry():
            pass
        case _:
            return False
    return True


def people_without_phone(state: RoomState, table: int = 0) -> list[Participant]:
    """Who a scribe can enter for: at `table`, or everyone (0)."""
    return [
        p for p in state.participants.values()
        if p.scribed and (not table or state.tables.get(p.pid) == table)
    ]
