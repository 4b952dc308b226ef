"""The "stalled views" of issue 8, reproduced on purpose and explained.

Under heavy load `fanout.py` once waited forever for the board and every phone to show the
newest data-seq, while the facilitator's commands were all answered. The cause: the benchmark
hid and showed the same idea in turns, and a server that has fallen behind handles two such
commands in one batch (or between two view flushes). Hide + show changes nothing, so no view is
sent (docs/protocol.md: a view is sent when what the socket shows changes), and the screens keep
the data-seq of their last real change. The screens were right; the benchmark's wait was wrong.

This script sends pairs of facilitator commands back to back (as a server that is behind sees
them) and, for each pair, checks (1) whether the board got a frame with the pair's last seq and
(2) whether the board shows what a freshly opened board shows (its content, data-seq aside):

- cancelling pairs: hide r0i1, show r0i1 (what fanout.py did);
- moving pairs: hide the next idea, show the previous one (`common.moderation`, what the
  benchmarks do now).

    .venv/bin/python bench/stall.py --pairs 20
"""

import argparse
import asyncio
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    IDEAS,
    MODERATION_START,
    BenchServer,
    Stack,
    machine_line,
    moderation,
    now,
    phone_socket,
    role_socket,
    run_main,
)

SEQ = re.compile(rb' data-seq="\d+"')


def content(view: bytes) -> bytes:
    return SEQ.sub(b"", view)


async def pairs(server, links, fac, board, phones, plan, wait: float) -> tuple[int, int, int]:
    """Returns (pairs whose last seq reached the board, boards showing the current content,
    phones showing the current content) over all pairs."""
    got_seq = current = phones_current = 0
    for first, second in plan:
        f1 = fac.send_command(first[0], item=first[1], round=0)[2]
        f2 = fac.send_command(second[0], item=second[1], round=0)[2]
        a1, a2 = await asyncio.wait_for(f1, 30), await asyncio.wait_for(f2, 30)
        assert a1.result == a2.result == "ok", (a1.reason, a2.reason)
        deadline = now() + wait
        while board.max_seq < a2.seq and now() < deadline:
            await asyncio.sleep(0.02)  # a benchmark's patience; nothing else would come
        got_seq += board.max_seq >= a2.seq
        fresh = await role_socket(server.base, links["board"], "board")
        current += content(board.last_view) == content(fresh.last_view)
        fresh.close()
        reference = await phone_socket(server.base, links["code"])  # a newcomer sees what all see
        phones_current += sum(content(p.last_view) == content(reference.last_view) for p in phones)
        reference.close()
    return got_seq, current, phones_current


async def main(args) -> None:
    stack = Stack()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            server = stack.add(BenchServer(Path(tmp) / "stall.sqlite3").start())
            links = server.demo(members=0)
            code = links["code"]
            fac = await role_socket(server.base, links["facilitator"], "facilitator")
            board = await role_socket(server.base, links["board"], "board")
            authors = [await phone_socket(server.base, code) for _ in range(2)]
            await fac.command("start_round", round=0)
            for i, text in enumerate(IDEAS):
                await authors[i % 2].command("post_idea", text=text)
            phones = [await phone_socket(server.base, code) for _ in range(args.phones)]
            await fac.command("reveal", round=0)
            cmd, item = MODERATION_START
            await fac.command(cmd, item=item, round=0)
            cancelling = [(("hide", "r0i2"), ("show", "r0i2"))] * args.pairs
            moving = [(moderation(2 * k), moderation(2 * k + 1)) for k in range(args.pairs)]
            results = {}
            for name, plan in (("cancelling: hide r0i2, show r0i2", cancelling),
                               ("moving: hide next, show previous", moving)):
                results[name] = await pairs(server, links, fac, board, phones, plan, args.wait)
            for ws in (fac, board, *authors, *phones):
                ws.close()
    finally:
        stack.close()

    print("Stalled views (issue 8): pairs of facilitator commands sent back to back")
    print(machine_line())
    print(f"{args.pairs} pairs of each kind, {args.phones} phones; after both answers, the board is given "
          f"{args.wait:g} s to show the pair's last seq")
    for name, (got, current, phones_current) in results.items():
        print(f"  {name:<36} board got the last seq: {got:>3}/{args.pairs}; board shows the current "
              f"screen: {current:>3}/{args.pairs}; phones showing it: {phones_current}/{args.pairs * args.phones}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--phones", type=int, default=20)
    parser.add_argument("--wait", type=float, default=1.0, help="seconds to wait for the board after each pair")
    run_main(lambda: main(parser.parse_args()))
