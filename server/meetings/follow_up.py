"""'You said, we did': what became of a meeting's outcomes, for staff to record and members to see."""

from datetime import UTC, date, datetime

from rooms.rejection import N_

from server.store import Store
from server.store.records import FollowUp, Outcome

STATUSES = {
    "considering": N_("Under consideration"),
    "adopted": N_("Adopted"),
    "partly": N_("Partly adopted"),
    "not_adopted": N_("Not adopted"),
}


async def follow_ups(store: Store, meeting: str) -> dict[str, FollowUp]:
    return {f.item: f for f in await store.list(FollowUp, prefix=f"{meeting}/")}


async def record_follow_up(
    store: Store, meeting: str, item: str, status: str, explanation: str, decided_on: date | None, staff: str
) -> FollowUp:
    follow_up = FollowUp(
        meeting=meeting, item=item, status=status, explanation=explanation, decided_on=decided_on,
        staff=staff, updated_at=datetime.now(UTC),
    )
    await store.put(follow_up)
    return follow_up


def item_text(outcome: Outcome, item: str) -> str:
    """What a follow-up is about, in the words of the outcome: the idea, or the round's title."""
    if item.startswith("round-"):
        index = int(item.removeprefix("round-"))
        return next((r.title for r in outcome.rounds if r.index == index), "")
    return next((i.text for r in outcome.rounds for i in r.ideas if i.id == item), "")
