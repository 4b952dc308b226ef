"""Typed records kept beside the event logs: meetings, members, invitations, outcomes, histories.

Each record names its kind and its key. Keys with a '/' group records for listing by prefix
(a member's history entries are listed under '<member>/').
"""

from datetime import date, datetime
from typing import Any, ClassVar

import msgspec
from rooms.rounds.base import SummaryRow


class Record(msgspec.Struct, kw_only=True):
    kind: ClassVar[str]

    @property
    def key(self) -> str:
        raise NotImplementedError


class Meeting(Record):
    kind = "meeting"
    code: str  # the room's join code, also the room id
    title: str
    created_at: datetime
    # sha256 of the facilitator's and the board's link keys; the keys themselves are not stored.
    facilitator_key: str
    board_key: str
    language: str = "nb"
    ended_at: datetime | None = None
    starts_at: datetime | None = None
    place: str = ""
    description: str = ""
    mode: str = "meeting"  # meeting (live, together) | survey (remote, each at their own pace)
    closes_at: datetime | None = None  # a survey's closing time, once opened
    # A survey's results shown to the panel ("here is what the panel said"), with staff's words.
    published_at: datetime | None = None
    summary: str = ""

    @property
    def key(self) -> str:
        return self.code

    @property
    def survey(self) -> bool:
        return self.mode == "survey"


class Member(Record):
    """A panel member: who they are, how to reach them, and the self-reported facts the fair
    draws mirror the population by. See server/panel/fields.py for the allowed values."""

    kind = "member"
    id: str
    name: str
    email: str = ""
    phone: str = ""
    birth_year: int | None = None
    gender: str = ""  # female | male | other | "" (not stated)
    district: str = ""  # delområde code, e.g. 320101; "" not stated
    background: str = ""  # immigrant | born_to_immigrants | neither | "" (not stated)
    language: str = "nb"
    accessibility: str = ""  # needs the member has told us about, in their words
    status: str = "active"  # active | paused | withdrawn
    consent_version: str = ""
    consent_date: date | None = None
    created_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.id


class StaffUser(Record):
    """A municipal employee who may log in. The password is kept only as an scrypt hash."""

    kind = "staff_user"
    username: str
    name: str
    role: str  # administrator | coordinator | facilitator
    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True

    @property
    def key(self) -> str:
        return self.username


class StaffSession(Record):
    """A logged-in browser: keyed by the sha256 of the cookie's token."""

    kind = "staff_session"
    token_hash: str
    username: str
    expires_at: datetime

    @property
    def key(self) -> str:
        return self.token_hash


class AuditEntry(Record):
    """Who changed what, and when. Names the fields changed, never their values."""

    kind = "audit"
    at: datetime
    entry_id: str  # random, so two entries in the same microsecond never collide
    staff: str
    action: str
    target: str = ""
    fields: list[str] = []

    @property
    def key(self) -> str:
        return f"{self.at.isoformat()}/{self.entry_id}"


class Invitation(Record):
    """A member's personal link to one meeting, and their answer; keyed by the sha256 of the
    link's token. The token is derived from SECRET_KEY and `id` (server/meetings/invitations.py),
    so letters can be printed again, but a copy of the database alone does not reveal it."""

    kind = "invitation"
    token_hash: str
    member: str
    meeting: str
    id: str = ""
    answer: str = ""  # "" (no answer yet), yes, no
    accessibility: str = ""  # needs for this meeting, in the member's words
    dietary: str = ""
    answered_at: datetime | None = None
    checked_in_at: datetime | None = None  # arrived at the door (staff check-in)
    # Surveys: when the member last sent their answers (saw the receipt), and was last reminded.
    completed_at: datetime | None = None
    reminded_at: datetime | None = None
    revoked_at: datetime | None = None  # withdrawn by staff: the link no longer works

    @property
    def key(self) -> str:
        return self.token_hash


class Seat(Record):
    """Who a device is in a room: keyed by the sha256 of the secret kept in the device's cookie.

    Holds the participant's pseudonym only. The ballot key is derived from the secret itself,
    so nothing stored links a participant to their votes.
    """

    kind = "seat"
    secret_hash: str
    room: str
    pid: str

    @property
    def key(self) -> str:
        return self.secret_hash


class HostKey(Record):
    """A table host's device in one room: keyed by the sha256 of the key in its cookie. Whether
    the host may still act is the room's business (HostAdded / HostRemoved)."""

    kind = "host_key"
    key_hash: str
    room: str
    host: str

    @property
    def key(self) -> str:
        return self.key_hash


class DrawRecord(Record):
    """A meeting's invitation draw: its setup, the computed lottery, the seed and the result.
    The lottery and result are the selection module's documents: opaque member ids and
    categories, never names (server/selection/draw.py)."""

    kind = "draw"
    meeting: str
    invite: int = 30
    tolerance_seats: int = 1
    tolerance_percent: int = 10
    history: bool = True
    edits: list[tuple[str, str, int, int]] = []  # staff's quota changes: dimension, category, min, max
    status: str = "planned"  # planned, running, ready, failed, drawn
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str = ""
    lottery: dict[str, Any] | None = None
    seed: str = ""
    result: dict[str, Any] | None = None
    replacements: list[tuple[str, str]] = []  # (who declined, who was invited instead)

    @property
    def key(self) -> str:
        return self.meeting


class OutcomeIdea(msgspec.Struct):
    id: str
    text: str
    votes: int | None = None  # None where no vote was held on the idea
    # The idea whose follow-up applies: this one, or the one it was merged into.
    follows: str = ""
    theme: str = ""  # the theme the facilitator grouped it under, if any
    merged: int = 0  # how many similar ideas were merged into this one


class RoundOutcome(msgspec.Struct):
    index: int
    type: str
    title: str
    contributors: int
    ideas: list[OutcomeIdea] = []
    # The results of rounds that are not about ideas (polls, scales, rankings, questions...).
    rows: list[SummaryRow] = []


class Outcome(Record):
    """What a meeting produced: tallies only, never who voted for what."""

    kind = "outcome"
    meeting: str
    title: str
    ended_at: datetime
    participants: int
    rounds: list[RoundOutcome]

    @property
    def key(self) -> str:
        return self.meeting


class FollowUp(Record):
    """What the municipality did with an outcome: an idea (`item` = its id) or a whole round
    (`item` = "round-<index>")."""

    kind = "follow_up"
    meeting: str
    item: str
    status: str  # considering | adopted | partly | not_adopted
    explanation: str = ""
    decided_on: date | None = None
    staff: str = ""
    updated_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.meeting}/{self.item}"


class HistoryEntry(Record):
    """What a member would want to see again about one meeting."""

    kind = "history"
    member: str
    meeting: str
    title: str
    date: datetime
    attended: bool
    ideas: list[OutcomeIdea] = []
    survey: bool = False  # `meeting` is a survey the member sent answers to

    @property
    def key(self) -> str:
        return f"{self.member}/{self.meeting}"
