from enum import StrEnum

import msgspec


class Role(StrEnum):
    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"
    BOARD = "board"
    SYSTEM = "system"  # the server itself, e.g. admitting a participant who joined over HTTP
    HOST = "host"  # a table host's device: adds people without a phone and enters for them


class Actor(msgspec.Struct, frozen=True):
    """Who sends a command.

    `pid` is the per-room pseudonym that authors ideas; `ballot` is a separate key for secret
    votes, derived from a secret only the participant's device holds, so no stored record links
    the two.

    `scribe` is set when someone enters on behalf of a participant without a phone: "facilitator",
    or the id of the table host doing it (for a HOST actor, the host's own id).
    """

    role: Role
    pid: str | None = None
    ballot: str | None = None
    scribe: str | None = None


FACILITATOR = Actor(Role.FACILITATOR)
SYSTEM = Actor(Role.SYSTEM)
