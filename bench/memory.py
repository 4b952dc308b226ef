"""Memory per idle phone connection and server CPU per 1,000 messages.

Memory: the server's VmRSS (/proc/<pid>/status) with the room live, after N phones have joined
over HTTP (seats, participants in the room state), and after the N have opened their WebSockets
and sat idle. Per connection = (after sockets - after joins) / N; per phone = (after sockets -
before) / N. The same is done for the bare websockets server as a reference.

CPU (utime+stime from /proc/<pid>/stat, before and after each burst):
- inbound: every phone casts its dots back to back (each after the previous answer), all phones
  starting within a second -> server CPU per 1,000 commands received (each is decided, stored,
  answered, and shown on the board/console);
- outbound: the facilitator hides/shows ideas (`common.moderation`) while the ideas are revealed -> every phone gets a
  new view -> server CPU per 1,000 frames sent.

    cd /work/wt-bench && /work/main/.venv/bin/python bench/memory.py --phones 1000
"""

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    IDEAS,
    MODERATION_START,
    BareServer,
    BenchServer,
    CpuWatch,
    Generator,
    Placement,
    Stack,
    all_call,
    command_text,
    cpu_seconds,
    machine_line,
    hidden_after,
    moderation,
    now,
    others_line,
    phone_socket,
    role_socket,
    rss_kib,
    run_main,
    split_counts,
    wait_quiet,
)



async def settle_rss(pid: int, seconds: float = 3.0) -> int:
    """RSS after the process has had a moment to settle (the smallest of a few readings)."""
    readings = []
    for _ in range(int(seconds / 0.5)):
        await asyncio.sleep(0.5)
        readings.append(rss_kib(pid))
    return min(readings[-3:])


async def idle_cpu(pid: int, own: list[int], args) -> tuple[float, dict]:
    """Server CPU seconds per second while every phone sits idle (keep-alive pings and timers)."""
    await wait_quiet(own, args.quiet_wait)
    watch = CpuWatch(own).start()
    cpu0, t0 = cpu_seconds(pid), now()
    await asyncio.sleep(args.idle_seconds)
    return (cpu_seconds(pid) - cpu0) / (now() - t0), watch.stop()


async def main(args) -> None:
    placement = Placement(pin=not args.no_pin)
    stack = Stack()
    counts = split_counts(args.phones, args.generators)
    out: dict[str, object] = {}
    try:
        placement.apply_to_load()
        gens = [stack.add(Generator(f"gen{i}", placement)) for i in range(args.generators)]
        with tempfile.TemporaryDirectory() as tmp:
            server = stack.add(BenchServer(Path(tmp) / "bench.sqlite3", cpus=placement.server_cpus).start())
            links = server.demo(members=0)
            code = links["code"]
            fac = await role_socket(server.base, links["facilitator"], "facilitator")
            board = await role_socket(server.base, links["board"], "board")
            authors = [await phone_socket(server.base, code) for _ in range(2)]
            await fac.command("start_round", round=0)
            for i, text in enumerate(IDEAS):
                await authors[i % 2].command("post_idea", text=text)
            # Warm up: one phone per generator joins, connects and leaves (first-use costs).
            await all_call(gens, "join", base=server.base, code=code, count=1)
            await all_call(gens, "close")
            rss0 = await settle_rss(server.pid)
            await all_call(gens, "join", per=[{"count": c} for c in counts], base=server.base, code=code,
                           connect=False)
            rss1 = await settle_rss(server.pid)
            await all_call(gens, "connect", base=server.base, code=code)
            rss2 = await settle_rss(server.pid, 5.0)
            out["ours"] = (rss0, rss1, rss2)
            own = [server.pid, os.getpid(), *(g.pid for g in gens)]
            out["idle"] = await idle_cpu(server.pid, own, args)

            # Outbound: reveal the ideas, then hide/show one idea: every phone gets a new view.
            await fac.command("close_round", round=0)
            await fac.command("reveal", round=0)
            await all_call(gens, "wait_views", contains='class="idea-list"')
            cmd, item = MODERATION_START
            ack = await fac.command(cmd, item=item, round=0)
            await all_call(gens, "wait_seq", seq=ack.seq)
            await wait_quiet(own, args.quiet_wait)
            watch = CpuWatch(own).start()
            cpu0, m0 = cpu_seconds(server.pid), server.metrics()
            seq = 0
            for k in range(args.toggles):
                cmd, item = moderation(k)
                ack = await fac.command(cmd, item=item, round=0)
                seq = ack.seq
                await asyncio.sleep(1 / args.rate)
            await all_call(gens, "wait_seq", seq=seq)
            await asyncio.sleep(0.5)
            cpu_out, m1 = cpu_seconds(server.pid) - cpu0, server.metrics()
            out["out"] = (cpu_out, m1["ip_frames_sent_total"] - m0["ip_frames_sent_total"], watch.stop())

            # Inbound: every phone casts its dots, all starting within a second (on visible ideas).
            for item in hidden_after(args.toggles):
                await fac.command("show", item=item, round=0)
            await fac.command("start_round", round=1)
            await all_call(gens, "wait_views", contains='value="dot"')
            await wait_quiet(own, args.quiet_wait)
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
                    plan.append((i, start + k / args.phones, msgs))
                per.append({"plan": plan})
            t0 = now()
            res = await all_call(gens, "send_sequences", per=per)
            storm_s = now() - t0
            await asyncio.sleep(0.5)  # the last coalesced views
            cpu_in, m1 = cpu_seconds(server.pid) - cpu0, server.metrics()
            usage_in = watch.stop()
            results = [v for part in res for phone in part for v in phone]
            ok = sum(1 for v in results if v[3] == "ok")
            out["in"] = (cpu_in, m1["ip_commands_total"] - m0["ip_commands_total"],
                         m1["ip_frames_sent_total"] - m0["ip_frames_sent_total"], ok, len(results), storm_s, usage_in)
            for ws in (fac, board, *authors):
                ws.close()
            await all_call(gens, "close")
            server.stop()

        bare = stack.add(BareServer(cpus=placement.server_cpus).start())
        b0 = await settle_rss(bare.pid)
        await all_call(gens, "connect_bare", per=[{"count": c} for c in counts], host="127.0.0.1", port=bare.port)
        b1 = await settle_rss(bare.pid, 5.0)
        out["bare"] = (b0, b1)
        out["bare_idle"] = await idle_cpu(bare.pid, [bare.pid, os.getpid(), *(g.pid for g in gens)], args)
        await all_call(gens, "close")
        bare.stop()
    finally:
        stack.close()

    n = args.phones
    rss0, rss1, rss2 = out["ours"]  # type: ignore[misc]
    b0, b1 = out["bare"]  # type: ignore[misc]
    print(f"Memory and CPU: {n} phones in one room, one server process")
    print(machine_line())
    print(f"placement: {placement.describe(args.generators, n)}")
    print()
    print("Memory (server VmRSS, KiB):")
    print(f"  room live, facilitator + board + 2 authors connected  {rss0:>8}")
    print(f"  + {n} phones joined over HTTP (no sockets)          {rss1:>8}   (+{(rss1 - rss0) / n:.1f} KiB per join)")
    print(f"  + their {n} WebSockets open and idle                {rss2:>8}   (+{(rss2 - rss1) / n:.1f} KiB per idle connection)")
    verdict = "MET" if (rss2 - rss1) / n <= 30 else "MISSED"
    print(f"  per idle phone, join included: {(rss2 - rss0) / n:.1f} KiB; per idle connection: "
          f"{(rss2 - rss1) / n:.1f} KiB -> target <= 30 KiB per idle phone connection: {verdict}")
    print(f"  reference, bare websockets server: {b0} -> {b1} KiB with {n} idle connections = "
          f"{(b1 - b0) / n:.1f} KiB per connection")
    idle, usage_idle = out["idle"]  # type: ignore[misc]
    bare_idle, _ = out["bare_idle"]  # type: ignore[misc]
    print(f"Idle CPU over {args.idle_seconds:g} s with {n} idle phones: server {1000 * idle:.1f} ms per second "
          f"({1e6 * idle / n:.1f} µs per phone per second); bare websockets server {1000 * bare_idle:.1f} ms per second")
    print(f"  {others_line(usage_idle)}")
    print()
    cpu_out, frames_out, usage_out = out["out"]  # type: ignore[misc]
    print(f"CPU, outbound: {args.toggles} hide/show actions, every phone re-rendered a view: "
          f"{frames_out:.0f} frames sent, server CPU {cpu_out:.2f} s = "
          f"{1000 * cpu_out / max(1, frames_out) * 1000:.0f} ms per 1,000 frames")
    print(f"  {others_line(usage_out)}")
    cpu_in, commands, frames_in, ok, total, storm_s, usage_in = out["in"]  # type: ignore[misc]
    print(f"CPU, inbound: {total} dot commands ({args.dots} per phone, all phones starting within 1 s; "
          f"{ok} answered ok, storm {storm_s:.1f} s): server counted {commands:.0f} commands, sent "
          f"{frames_in:.0f} frames, CPU {cpu_in:.2f} s = {1000 * cpu_in / max(1, commands) * 1000:.0f} ms "
          "per 1,000 commands")
    print(f"  {others_line(usage_in)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--dots", type=int, default=3, help="dots each phone casts in the inbound burst")
    parser.add_argument("--toggles", type=int, default=20, help="hide/show actions in the outbound burst")
    parser.add_argument("--rate", type=float, default=4.0, help="hide/show actions per second")
    parser.add_argument("--idle-seconds", type=float, default=25.0,
                        help="how long to measure idle CPU (>= 20 s: one keep-alive ping cycle of both servers)")
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--quiet-wait", type=float, default=30.0)
    parser.add_argument("--no-pin", action="store_true")
    run_main(lambda: main(parser.parse_args()))
