"""Vote storm: N phones each cast their dots within about a second.

Phone i starts at i/N s and casts its dots one after another, each as soon as the previous one is
answered (as the app does: the button waits for its answer). The phones live in separate
load-generator processes; the board and the facilitator's console in the coordinator.

Prints:
- answer latency: dot sent -> its answer (data-ack, result ok = durable in SQLite);
- vote -> board: for each phone's first dot (the ones that change "N of M have voted"), the time
  to the first board frame with data-seq >= the vote's seq; and when the board showed all N
  voters, counted from the last vote sent and from the last answer;
- vote -> facilitator (live tally: every dot changes it);
- durability: after the storm the server is killed with SIGKILL and the dots_cast events in the
  SQLite file are counted: every acknowledged vote must be there;
- frames and fsyncs from /metrics.

    cd /work/wt-bench && /work/main/.venv/bin/python bench/vote_storm.py --phones 600
"""

import argparse
import asyncio
import json
import os
import re
import signal
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BenchServer,
    CpuWatch,
    Generator,
    Placement,
    Stack,
    all_call,
    command_text,
    cpu_seconds,
    fmt_row,
    machine_line,
    now,
    others_line,
    phone_socket,
    role_socket,
    run_main,
    split_counts,
    summary,
    wait_quiet,
)

PROGRESS = re.compile(rb'class="progress-line"><span class="number">(\d+)<')


def voters(board) -> int:
    m = PROGRESS.search(board.last_view)
    return int(m.group(1)) if m else -1


async def main(args) -> None:
    placement = Placement(pin=not args.no_pin)
    stack = Stack()
    counts = split_counts(args.phones, args.generators)
    try:
        placement.apply_to_load()
        gens = [stack.add(Generator(f"gen{i}", placement)) for i in range(args.generators)]
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.sqlite3"
            server = stack.add(BenchServer(db, cpus=placement.server_cpus,
                                           **({"root": args.root} if args.root else {})).start())
            links = server.demo(members=0)
            code = links["code"]
            fac = await role_socket(server.base, links["facilitator"], "facilitator")
            board = await role_socket(server.base, links["board"], "board")
            author = await phone_socket(server.base, code)
            await fac.command("start_round", round=0)
            for i in range(3):
                await author.command("post_idea", text=f"Idé {i + 1}: flere benker og bedre lys langs turveien")
            t = now()
            await all_call(gens, "join", per=[{"count": c} for c in counts], base=server.base, code=code)
            join_s = now() - t
            print(f".. {args.phones} phones joined in {join_s:.1f} s", file=sys.stderr, flush=True)
            await fac.command("start_round", round=1)
            await all_call(gens, "wait_views", contains='value="dot"')

            own = [server.pid, os.getpid(), *(g.pid for g in gens)]
            await wait_quiet(own, args.quiet_wait)
            await all_call(gens, "mark")
            board.mark()
            fac.mark()
            watch = CpuWatch(own).start()
            cpu0, m0 = cpu_seconds(server.pid), server.metrics()
            start = now() + 0.5
            per = []
            for g, c in enumerate(counts):
                plan = []
                for i in range(c):
                    k = sum(counts[:g]) + i
                    msgs = [command_text("dot", idea=f"r0i{(k + d) % 3 + 1}", delta=1, round=1)
                            for d in range(args.dots)]
                    plan.append((i, start + k * args.window / args.phones, msgs))
                per.append({"plan": plan})
            res = await all_call(gens, "send_sequences", per=per)
            phones = [phone for part in res for phone in part]  # [(sent, acked, seq, result, reason)]
            votes = [v for phone in phones for v in phone]
            ok = [v for v in votes if v[3] == "ok"]
            last_sent = max(v[0] for v in votes)
            last_first = max(phone[0][0] for phone in phones)  # the vote that completes the board
            last_ack = max(v[1] for v in votes)
            await board.wait(lambda b: voters(b) >= args.phones, timeout=60)
            board_done = board.ts[-1]  # the frame that showed all voters (later dots do not change it)
            last_seq = max(v[2] for v in votes)
            await fac.wait(lambda f: f.max_seq >= last_seq, timeout=30)
            await asyncio.sleep(0.3)
            cpu = cpu_seconds(server.pid) - cpu0
            m1 = server.metrics()
            usage = watch.stop()
            firsts = sorted((phone[0][0], phone[0][2]) for phone in phones if phone and phone[0][3] == "ok")
            board_lat, board_missing = board.latencies(firsts)
            fac_lat, fac_missing = fac.latencies(sorted((v[0], v[2]) for v in ok))
            frames_board, frames_fac = len(board.seqs), len(fac.seqs)
            received = sum(s["frames"] for s in await all_call(gens, "frame_stats"))

            # Durability: kill the server without warning, then count the votes in the file.
            server.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
            server.proc.wait()  # type: ignore[union-attr]
            server.proc = None
            with sqlite3.connect(db) as con:
                rows = con.execute("SELECT data FROM events WHERE room = ?", (code,)).fetchall()
            stored = sum(1 for (data,) in rows if json.loads(data)["t"] == "dots_cast")
            for ws in (fac, board, author):
                ws.close()
            await all_call(gens, "close")
    finally:
        stack.close()

    delta = {k: m1[k] - m0.get(k, 0) for k in m1}
    n_votes = len(votes)
    acked = summary([v[1] - v[0] for v in votes])
    w = 40
    print((f"[app from {args.root}] " if args.root else "") + f"Vote storm: {args.phones} phones x {args.dots} dots = {n_votes} votes, phones starting "
          f"within {args.window:g} s, each dot sent when the previous one is answered")
    print(machine_line())
    print(f"placement: {placement.describe(args.generators, args.phones)}")
    print(others_line(usage))
    print()
    print(f"storm: first vote sent -> last answer {last_ack - start:.2f} s")
    print(fmt_row("vote -> answer (durable, data-ack)", acked, "", w))
    print(fmt_row("first dot -> board shows it", summary(board_lat), f"missing {board_missing}", w))
    print(fmt_row("every dot -> facilitator tally", summary(fac_lat), f"missing {fac_missing}", w))
    print(f"  board showed all {args.phones} voters {1000 * (board_done - last_first):.0f} ms after the last "
          f"phone's first dot was sent (the vote that completes it); the storm's last vote was sent "
          f"{1000 * (last_sent - last_first):.0f} ms after that one")
    print(f"  answers: {len(ok)} ok of {n_votes} ({n_votes - len(ok)} refused: "
          f"{sorted({v[4] for v in votes if v[3] != 'ok'}) or 'none'}); after SIGKILL the SQLite file holds "
          f"{stored} dots_cast events")
    print(f"  server: {delta['ip_store_appends_total']:.0f} appends (fsyncs) for {n_votes} votes "
          f"({n_votes / max(delta['ip_store_appends_total'], 1):.1f} votes per fsync), CPU {cpu:.2f} s "
          f"({1000 * cpu / n_votes:.2f} ms per vote)")
    print(f"  frames: server sent {delta['ip_frames_sent_total']:.0f}, coalesced away "
          f"{delta['ip_frames_coalesced_total']:.0f}, view flushes {delta['ip_view_flushes_total']:.0f}; "
          f"received: phones {received}, board {frames_board}, facilitator {frames_fac}")
    durable = stored == len(ok) == n_votes
    board_p99 = summary(board_lat)["p99"]
    after_last = 1000 * (board_done - last_first)
    print()
    print(f"target: every vote durable and acknowledged: {len(ok)}/{n_votes} ok, {stored} stored -> "
          f"{'MET' if durable else 'MISSED'}")
    print(f"target: board p99 <= 250 ms: vote->board p99 {board_p99:.0f} ms -> "
          f"{'MET' if board_p99 <= 250 else 'MISSED'}; board complete {after_last:.0f} ms after the vote that completes it -> "
          f"{'MET' if after_last <= 250 else 'MISSED'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=600)
    parser.add_argument("--dots", type=int, default=3)
    parser.add_argument("--window", type=float, default=1.0, help="seconds over which the phones start")
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--root", type=lambda s: Path(s).resolve(), default=None,
                        help="serve the app from this checkout instead (a before/after comparison)")
    parser.add_argument("--no-pin", action="store_true")
    run_main(lambda: main(parser.parse_args()))
