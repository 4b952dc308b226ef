"""When a meeting ends: write its outcome (tallies only) and each attending member's history."""

from datetime import UTC, datetime

from rooms import Event, RoomState, contributors
from rooms.events import MeetingEnded
from rooms.rounds import ROUND_TYPES
from rooms.rounds.dots import results as dot_results
from rooms.rounds.ideas import ideas_by, merged_into, visible_ideas

from server.store import Store
from server.meetings.invitations import invitations_to
from server.store.records import HistoryEntry, Invitation, Meeting, Outcome, OutcomeIdea, RoundOutcome


def _votes_by_idea(state: RoomState) -> dict[str, int]:
    """Dots per idea over all dot rounds. Only totals: ballots are never written out."""
    votes: dict[str, int] = {}
    for rnd in state.rounds:
        if rnd.kind == "dots" and rnd.status.value != "pending":
            for idea, n in dot_results(state, rnd):
                votes[idea.id] = votes.get(idea.id, 0) + n
    return votes


def build_outcome(state: RoomState, ended_at: datetime) -> Outcome:
    votes = _votes_by_idea(state)
    rounds = []
    for rnd in state.rounds:
        ideas: list[OutcomeIdea] = []
        if rnd.kind == "ideas":
            themes = rnd.data.themes
            ideas = [
                OutcomeIdea(
                    i.id, i.text, votes.get(i.id), theme=themes.get(rnd.data.theme_of.get(i.id, ""), ""),
                    merged=len(merged_into(rnd, i.id)),
                )
                for i in visible_ideas(rnd)
            ]
        elif rnd.kind == "dots":
            ideas = [OutcomeIdea(i.id, i.text, n) for i, n in dot_results(state, rnd)]
        rounds.append(
            RoundOutcome(
                index=rnd.index,
                type=rnd.kind,
                title=rnd.config.title,
                contributors=contributors(state, rnd),
                ideas=ideas,
                rows=ROUND_TYPES[rnd.kind].summary(state, rnd) if rnd.status.value != "pending" else [],
            )
        )
    return Outcome(
        meeting=state.code,
        title=state.title,
        ended_at=ended_at,
        participants=len(state.participants),
        rounds=rounds,
    )


def build_histories(
    state: RoomState, ended_at: datetime, invitations: list[Invitation] = ()  # type: ignore[assignment]
) -> list[HistoryEntry]:
    """One entry per invited member (attended if they joined through their link or were checked
    in at the door) and per member who joined: their ideas, and the votes those got."""
    votes = _votes_by_idea(state)
    pids = {p.member: p.pid for p in state.participants.values() if p.member is not None}
    checked_in = {i.member for i in invitations if i.checked_in_at}
    members = dict.fromkeys([*(i.member for i in invitations), *pids])
    entries = []
    for member in members:
        pid = pids.get(member)
        mine = [
            # A duplicate merged into another idea shares that idea's votes.
            OutcomeIdea(
                i.id, i.text, None if i.hidden else votes.get(rnd.data.merged.get(i.id, i.id)),
                follows=rnd.data.merged.get(i.id, i.id),
            )
            for rnd in state.rounds
            if rnd.kind == "ideas" and pid is not None
            for i in ideas_by(rnd, pid)
        ]
        entries.append(
            HistoryEntry(
                member=member,
                meeting=state.code,
                title=state.title,
                date=ended_at,
                attended=pid is not None or member in checked_in,
                ideas=mine,
            )
        )
    return entries


async def record_outcome(store: Store, state: RoomState) -> None:
    """Idempotent: writes the outcome and histories of an ended meeting (again, if called twice)."""
    meeting = await store.get(Meeting, state.code)
    ended_at = (meeting.ended_at if meeting and meeting.ended_at else None) or datetime.now(UTC)
    for entry in build_histories(state, ended_at, await invitations_to(store, state.code)):
        await store.put(entry)
    await store.put(build_outcome(state, ended_at))
    if meeting is not None and meeting.ended_at is None:
        meeting.ended_at = ended_at
        await store.put(meeting)


def outcome_recorder(store: Store):
    async def after_append(state: RoomState, events: list[Event]) -> None:
        if any(isinstance(e, MeetingEnded) for e in events):
            await record_outcome(store, state)
        elif not events and state.ended and await store.get(Outcome, state.code) is None:
            await record_outcome(store, state)  # the process stopped between ending and writing

    return after_append

