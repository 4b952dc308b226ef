"""What one view flush costs the server, by number of connected phones, without sockets.

A white-box micro-benchmark of `LiveRoom._flush` (server/realtime/live_room.py) with the app's
own views and templates and N participant connections whose send does nothing, so that what is
measured is the flush itself: rendering, the walk over the participants, and queueing frames.
It runs in this process; nothing is started. Cases:

- vote:  a dot from one phone (dots round open). No participant's view changes except the
         voter's (who gets it in the answer), the board's count and the console's tally do.
- hide:  the facilitator hides an idea (ideas revealed): every participant gets a new view.

Prints the mean CPU time per flush (process time, so that other processes on a busy machine
count less) and per connected participant, and the share of the vote flush spent computing
personal keys (cProfile). Sends run inside the flush where the code sends at once (eager drains);
with one task per frame (older code) they run after it and are not counted here: fanout.py's
server CPU per frame is the end-to-end figure.

    cd /work/wt-bench && /work/main/.venv/bin/python bench/flush_cost.py --phones 200,1000,3000
"""

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rooms import Actor, Join, Role, apply, decide, new_room  # noqa: E402
from rooms.actors import FACILITATOR, SYSTEM  # noqa: E402
from rooms.commands import RevealResults, StartRound  # noqa: E402
from rooms.rounds.dots import CastDot  # noqa: E402
from rooms.rounds.ideas import PostIdea  # noqa: E402
from rooms.rounds.texts import HideItem, ShowItem  # noqa: E402

from server.app import template_environment  # noqa: E402
from server.meetings.service import demo_plan  # noqa: E402
from server.meetings.views import RoomViews  # noqa: E402
from server.realtime.connection import Audience, Connection  # noqa: E402
from server.realtime.live_room import LiveRoom  # noqa: E402


async def _nothing(frame: str) -> None:
    return None


def run(room: LiveRoom, command, actor: Actor) -> None:
    events = decide(room.state, command, actor)
    assert isinstance(events, list), events
    for event in events:
        apply(room.state, event)
    note = getattr(room, "_note", None)  # what the batch worker does after an append (newer code)
    if note is not None:
        note(events)


async def build(phones: int) -> tuple[LiveRoom, list[Actor]]:
    views = RoomViews(template_environment())
    room = LiveRoom("BENCH", store=None, views=views, publish=lambda *a: None,  # type: ignore[arg-type]
                    after_append=None, scribed_ballot=lambda room, pid: pid, flush_interval=0.0)  # type: ignore[arg-type]
    for event in new_room("BENCH", "Innbyggerpanel: benk", demo_plan()):  # type: ignore[union-attr]
        apply(room.state, event)
    actors = []
    for i in range(phones + 2):  # two authors, not connected
        pid = f"p{i:05d}"
        run(room, Join(nonce=f"j{i}", pid=pid), SYSTEM)
        actors.append(Actor(Role.PARTICIPANT, pid=pid, ballot=f"b{i:05d}"))
    run(room, StartRound(nonce="s0", round=0), FACILITATOR)
    for i in range(8):
        run(room, PostIdea(nonce=f"i{i}", text=f"Idé nummer {i + 1}: flere benker og bedre lys langs turveien"),
            actors[i % 2])
    run(room, RevealResults(nonce="r0", round=0), FACILITATOR)
    # Attached as the socket endpoint does, so that the room's own indexes know them.
    for audience in (Audience.BOARD, Audience.FACILITATOR):
        await room.attach(Connection(_nothing, audience, FACILITATOR, "nb", "x"))
    for actor in actors[2:]:
        await room.attach(Connection(_nothing, Audience.PARTICIPANT, actor, "nb", "x"))
    await asyncio.sleep(0)
    return room, actors[2:]


async def measure(phones: int, repeats: int) -> dict[str, float]:
    room, actors = await build(phones)
    room._flush()
    await asyncio.sleep(0)
    out: dict[str, float] = {}

    # hide/show while the ideas are revealed: every participant's view changes
    total = 0.0
    for k in range(repeats):
        run(room, (HideItem if k % 2 == 0 else ShowItem)(nonce=f"h{k}", item="r0i1", round=0), FACILITATOR)
        t = time.process_time()
        room._flush()
        total += time.process_time() - t
        await asyncio.sleep(0)  # let the (no-op) sends run
    out["hide"] = total / repeats

    # votes: a different phone's first dot each time
    run(room, StartRound(nonce="s1", round=1), FACILITATOR)
    room._flush()
    await asyncio.sleep(0)
    total = 0.0
    for k in range(repeats):
        run(room, CastDot(nonce=f"d{k}", idea="r0i2", round=1), actors[k % len(actors)])
        t = time.process_time()
        room._flush()
        total += time.process_time() - t
        await asyncio.sleep(0)
    out["vote"] = total / repeats

    profile = cProfile.Profile()
    profile.enable()
    for k in range(repeats, 2 * repeats):
        run(room, CastDot(nonce=f"d{k}", idea="r0i3", round=1), actors[k % len(actors)])
        room._flush()
    profile.disable()
    stats = pstats.Stats(profile)
    cum = {f"{Path(f[0]).name}:{f[2]}": v[3] for f, v in stats.stats.items()}  # type: ignore[attr-defined]
    flush = cum.get("live_room.py:_flush", 0.0)
    out["vote_personal_key_share"] = cum.get("views.py:personal_key", 0.0) / flush if flush else 0.0
    out["vote_participant_pass_share"] = cum.get("live_room.py:_flush_participants", 0.0) / flush if flush else 0.0
    return out


async def main(args) -> None:
    print("Flush cost (white-box, in-process, no sockets): LiveRoom._flush with N participant connections")
    print(f"{'phones':>7} {'hide: ms/flush':>15} {'µs/phone':>9} {'vote: ms/flush':>15} {'µs/phone':>9} "
          f"{'participant pass':>17} {'personal_key':>13}")
    for n in args.phones:
        r = await measure(n, args.repeats)
        print(f"{n:>7} {1000 * r['hide']:>15.2f} {1e6 * r['hide'] / n:>9.1f} {1000 * r['vote']:>15.2f} "
              f"{1e6 * r['vote'] / n:>9.1f} {r['vote_participant_pass_share']:>16.0%} "
              f"{r['vote_personal_key_share']:>13.0%}")
    print("(participant pass / personal_key = share of a vote's flush, from cProfile; a vote changes no "
          "participant's view but the voter's, who already has it in the answer)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=lambda s: [int(x) for x in s.split(",")], default=[200, 1000, 3000])
    parser.add_argument("--repeats", type=int, default=40)
    asyncio.run(main(parser.parse_args()))
