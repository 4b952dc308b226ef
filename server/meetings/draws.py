"""A meeting's fair invitation draw, step by step as staff take it: quotas, the lottery (computed
in a separate process, so live meetings in this one never wait), the seed, the list, invitations
and replacements. One DrawRecord per meeting holds where it has got to."""

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

from server.selection.draw import (
    Draw,
    Options,
    Plan,
    compare_naive,
    draw,
    lottery_document,
    lottery_from_document,
    plan_draw,
)
from server.selection.quotas import Tolerance, edit_quotas
from server.selection.types import Candidate, candidates_from_members
from server.store import Store
from server.store.records import DrawRecord, Invitation, Meeting, Member

NAIVE_RUNS = 1000
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    # One worker, started on first use: the solver takes a core for seconds, never the event loop.
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_with_parent
        )
    return _pool


def _exit_with_parent() -> None:
    """In the worker: end when the server that started it is gone. A server killed outright
    (kill -9, a crash) cannot shut its pool down, and the idle worker would wait for ever."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def meeting_day(meeting: Meeting) -> date:
    return (meeting.starts_at or meeting.created_at).date()


async def candidates(store: Store, meeting: Meeting) -> tuple[list[Candidate], dict[str, Member]]:
    """Active members as candidates, with how many earlier meetings each was invited to."""
    members = {m.id: m for m in await store.list(Member)}
    history: dict[str, int] = {}
    for invitation in await store.list(Invitation):
        if invitation.meeting != meeting.code:
            history[invitation.member] = history.get(invitation.member, 0) + 1
    return candidates_from_members(members.values(), meeting_day(meeting), history), members


@dataclass(frozen=True)
class Setup:
    invite: int
    tolerance_seats: int = 1
    tolerance_percent: int = 10
    history: bool = True
    edits: tuple[tuple[str, str, int, int], ...] = ()  # (dimension, category, min, max)


def make_plan(found: list[Candidate], setup: Setup) -> Plan:
    tolerance = Tolerance(setup.tolerance_seats, setup.tolerance_percent / 100)
    plan = plan_draw(found, setup.invite, tolerance=tolerance)
    if setup.edits:
        edits = {(d, c): (lo, hi) for d, c, lo, hi in setup.edits if (d, c) in {(q.dimension, q.category) for q in plan.quotas}}
        plan = plan_draw(found, setup.invite, quotas=edit_quotas(plan.quotas, edits))
    return plan


def _compute(found: list[Candidate], setup: Setup) -> dict:
    """In the worker process: the optimal lottery, as a document, with the naive comparison."""
    from server.selection.draw import build_lottery  # noqa: PLC0415 - the worker imports the solver itself

    lottery = build_lottery(make_plan(found, setup), Options(history=setup.history))
    naive = compare_naive(lottery, runs=NAIVE_RUNS)
    doc = lottery_document(lottery)
    doc["naive"] = {
        "minimum": naive.naive.minimum, "maximum": naive.naive.maximum, "std": naive.naive.std,
        "below_our_minimum": naive.below_our_minimum, "runs": naive.runs,
    }
    return doc


async def start_lottery(store: Store, record: DrawRecord, found: list[Candidate], setup: Setup) -> None:
    """Mark the draw as computing and compute it in the background; the record says when done."""
    record.status, record.started_at, record.error = "running", datetime.now(UTC), ""
    await store.put(record)

    async def work() -> None:
        try:
            doc = await asyncio.get_running_loop().run_in_executor(_executor(), _compute, found, setup)
            status, error = "ready", ""
        except Exception as problem:  # the page shows it; staff can try again
            doc, status, error = None, "failed", type(problem).__name__
        latest = await store.get(DrawRecord, record.meeting)
        if latest is None or latest.started_at != record.started_at:
            return  # staff changed the setup meanwhile: this result answers an old question
        latest.status, latest.lottery, latest.error, latest.finished_at = status, doc, error, datetime.now(UTC)
        await store.put(latest)

    _running.add(task := asyncio.get_running_loop().create_task(work()))
    task.add_done_callback(_running.discard)


_running: set[asyncio.Task[None]] = set()


def _draw(lottery_doc: dict, seed: str) -> dict:
    return draw(lottery_from_document(lottery_doc), seed).document()


async def draw_list(record: DrawRecord, seed: str) -> None:
    """Draw the list from the computed lottery with `seed` (fast, but not on the event loop)."""
    assert record.lottery is not None
    record.result = await asyncio.get_running_loop().run_in_executor(_executor(), _draw, record.lottery, seed)
    record.seed, record.status = seed, "drawn"


def _replacement(lottery_doc: dict, seed: str, invited_now: list[str], leaving: str, unavailable: list[str]) -> str | None:
    result: Draw = draw(lottery_from_document(lottery_doc), seed)
    return result.replacement(invited_now, leaving, unavailable)


async def replacement(record: DrawRecord, invited_now: list[str], leaving: str, unavailable: list[str]) -> str | None:
    """Who takes the place of `leaving`, keeping every quota; None if nobody can."""
    assert record.lottery is not None
    return await asyncio.get_running_loop().run_in_executor(
        _executor(), _replacement, record.lottery, record.seed, invited_now, leaving, unavailable
    )
