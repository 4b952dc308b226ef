"""Fan-out: N phones in one room on ONE server process, against a bare websockets server, same run.

Three servers are up at once, each with its own N phones (one socket per phone per server, held
by the same load-generator processes): the app with FLUSH_INTERVAL=0.1 (the default: views
coalesced to at most ~10/s), the app with FLUSH_INTERVAL=0.01, and bench/bare_ws.py. The
actions are interleaved: in every period of 1/rate s each server gets one action, 1/(rate*3) s
apart. So all three see the same background load, which on a shared 2-core machine matters more
than anything else (--flush 0.1 drops the second app server; --flush 0.1,0.01 is the default).

Phase A (every phone's view changes): the ideas round is revealed, so every phone shows the idea
list; the facilitator hides the next idea and shows the previous one (`hide`/`show`, see
`common.moderation`: a view never repeats within 16 actions). The bare server gets a
message from its "facilitator" socket and broadcasts a frame of the size of our phone view to all.
Phase B (a vote, measured at the board): the dot-voting round is open; each action is the first
dot of a different phone, which changes the board's "N of M have voted". On the bare server the
same phone sends a message and the server broadcasts a board-sized frame to every other socket.

Latency = from the moment a command was written to its socket to the arrival, at each phone and
at the board, of the first frame whose data-seq >= the command's seq (ours: the seq of the
command's answer, data-ack; bare: the message's number). All processes stamp with
time.monotonic, one clock per machine.

    cd /work/wt-bench && /work/main/.venv/bin/python bench/fanout.py --phones 1000
    ... --phones 200|1000|3000  --rate 2  --actions 40  --flush 0.1,0.01  --no-pin
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
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
    RawWS,
    Stack,
    all_call,
    command_text,
    cpu_seconds,
    fmt_ratio,
    fmt_row,
    machine_line,
    moderation,
    now,
    open_ws,
    others_line,
    phone_socket,
    role_socket,
    run_main,
    split_counts,
    summary,
    wait_quiet,
)



def log(msg: str) -> None:
    print(f".. {msg}", file=sys.stderr, flush=True)


@dataclass
class Target:
    label: str
    server: object
    board: RawWS
    sender: RawWS  # ours: the facilitator; bare: a socket that only sends
    bare: bool = False
    authors: list[RawWS] = field(default_factory=list)
    sent: list = field(default_factory=list)
    res: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.server.pid  # type: ignore[attr-defined]

    @property
    def pids(self) -> list[int]:
        return self.server.pids if not self.bare else [self.server.pid]  # type: ignore[attr-defined]

    def cpu(self) -> float:
        return self.server.cpu() if not self.bare else cpu_seconds(self.server.pid)  # type: ignore[attr-defined]


async def setup_ours(args, placement, flush: float, asgi: str, gens, stack: Stack, tmp: str,
                     root: Path | None = None) -> Target:
    env = {"FLUSH_INTERVAL": str(flush)}
    if args.rate > 4:
        env.update(WS_RATE=str(2 * args.rate), WS_BURST=str(max(20, int(4 * args.rate))))
    label = f"ours FLUSH_INTERVAL={flush:g}" if len(args.servers) == 1 else f"ours {asgi} FLUSH_INTERVAL={flush:g}"
    slug = f"{asgi}-{flush:g}"
    if root is not None:
        label, slug = f"before ({root.name}) FLUSH_INTERVAL={flush:g}", f"before-{slug}"
    server = stack.add(BenchServer(Path(tmp) / f"bench-{slug}.sqlite3", cpus=placement.server_cpus,
                                   extra_env=env, gc_log=Path(tmp) / f"gc-{slug}.log", server=asgi,
                                   **({"root": root} if root else {})))
    # In threads: the sockets of the servers set up before keep answering pings meanwhile (uvicorn
    # closes a socket whose pong is 20 s late; a busy machine can take that long to start a server).
    await asyncio.to_thread(server.start)
    links = await asyncio.to_thread(server.demo, members=0)
    code = links["code"]
    fac = await role_socket(server.base, links["facilitator"], "facilitator")
    board = await role_socket(server.base, links["board"], "board")
    authors = [await phone_socket(server.base, code) for _ in range(2)]
    await fac.command("start_round", round=0)
    for i, text in enumerate(IDEAS):
        await authors[i % 2].command("post_idea", text=text)
    t = now()
    await all_call(gens, "join", per=[{"count": c} for c in split_counts(args.phones, len(gens))],
                   base=server.base, code=code, concurrency=args.concurrency, group=label)
    log(f"{label}: {args.phones} phones joined and connected in {now() - t:.1f} s")
    await fac.command("reveal", round=0)
    await all_call(gens, "wait_views", contains='class="idea-list"', group=label)
    cmd, item = MODERATION_START
    ack = await fac.command(cmd, item=item, round=0)
    await all_call(gens, "wait_seq", seq=ack.seq, group=label)
    return Target(label, server, board, fac, authors=authors)


async def setup_bare(args, placement, gens, stack: Stack) -> Target:
    server = stack.add(BareServer(cpus=placement.server_cpus))
    await asyncio.to_thread(server.start)
    await all_call(gens, "connect_bare", per=[{"count": c} for c in split_counts(args.phones, len(gens))],
                   host="127.0.0.1", port=server.port, group="bare")
    board = await open_ws("127.0.0.1", server.port, "/")
    sender = await open_ws("127.0.0.1", server.port, "/")
    return Target("bare websockets.broadcast", server, board, sender, bare=True)


async def mark_all(gens, targets: list[Target]) -> None:
    for tg in targets:
        await all_call(gens, "mark", group=tg.label if not tg.bare else "bare")
        tg.board.mark()
        tg.sender.mark()


def group_of(tg: Target) -> str:
    return "bare" if tg.bare else tg.label


async def phase_a(args, gens, targets: list[Target], own: list[int]) -> None:
    ours = [t for t in targets if not t.bare]
    size = (await all_call(gens, "view_size", group=ours[0].label))[0]
    payload = json.dumps({"size": size})
    await wait_quiet(own, args.quiet_wait)
    await mark_all(gens, targets)
    watch = CpuWatch(own).start()
    cpu0 = {t.label: t.cpu() for t in targets}
    gen0 = sum(cpu_seconds(g.pid) for g in gens)
    slot = 1 / (args.rate * len(targets))
    start = now() + 0.5
    sent: dict[str, list] = {t.label: [] for t in targets}
    for k in range(args.actions):
        for s, tg in enumerate(targets):
            await asyncio.sleep(max(0.0, start + k / args.rate + s * slot - now()))
            if tg.bare:
                sent[tg.label].append((tg.sender.send_text(payload), k + 1))
            else:
                cmd, item = moderation(k)
                _, t, fut = tg.sender.send_command(cmd, item=item, round=0)
                sent[tg.label].append((t, fut))
    for tg in targets:
        if tg.bare:
            actions = sent[tg.label]
        else:
            acks = [await asyncio.wait_for(fut, 60) for _, fut in sent[tg.label]]
            assert all(a.result == "ok" for a in acks), [a.reason for a in acks]
            actions = [(t, a.seq) for (t, _), a in zip(sent[tg.label], acks)]
        last = max(seq for _, seq in actions)
        never = sum(await all_call(gens, "wait_seq", seq=last, timeout=30, group=group_of(tg)))
        try:
            await tg.board.wait(lambda b: b.max_seq >= last)
        except TimeoutError:
            raise TimeoutError(f"{tg.label}: board at seq {tg.board.max_seq}, expected {last}; "
                               f"{never} phones short of it too") from None
        tg.res["a_actions"] = actions
        tg.res["a_never"] = never
    usage = watch.stop()
    t_end = now()
    for tg in targets:
        if not tg.bare:
            tg.res["a_gc"] = tg.server.gc_pauses(start, t_end)  # type: ignore[attr-defined]
    gen_cpu = sum(cpu_seconds(g.pid) for g in gens) - gen0
    received = 0
    for tg in targets:
        tg.res["a_cpu"] = tg.cpu() - cpu0[tg.label]
        res = await all_call(gens, "latencies", actions=tg.res["a_actions"], group=group_of(tg))
        tg.res["a_phones"] = summary([x for r in res for x in r["latencies"]])
        tg.res["a_missing"] = sum(r["missing"] for r in res) + tg.res["a_never"]
        lat, miss = tg.board.latencies(tg.res["a_actions"])
        tg.res["a_board"], tg.res["a_board_missing"] = summary(lat), miss
        stats = await all_call(gens, "frame_stats", group=group_of(tg))
        tg.res["a_frames"] = sum(s["frames"] for s in stats)
        received += tg.res["a_frames"]
    targets[0].res["a_size"] = size
    targets[0].res["a_watch"] = usage
    targets[0].res["a_gen_us"] = 1e6 * gen_cpu / max(1, received)


async def phase_b(args, gens, targets: list[Target], own: list[int]) -> None:
    for tg in targets:
        if not tg.bare:
            await tg.sender.command("start_round", round=1)
            await all_call(gens, "wait_views", contains='value="dot"', group=tg.label)
    ours = [t for t in targets if not t.bare]
    size = len(ours[0].board.last_view)
    payload = json.dumps({"size": size})
    votes = min(args.actions, args.phones)
    await wait_quiet(own, args.quiet_wait)
    await mark_all(gens, targets)
    watch = CpuWatch(own).start()
    cpu0 = {t.label: t.cpu() for t in targets}
    slot = 1 / (args.rate * len(targets))
    start = now() + 0.5
    g = len(gens)
    plans: list[list] = [[] for _ in gens]
    for k in range(votes):
        for s, tg in enumerate(targets):
            text = payload if tg.bare else command_text("dot", idea="r0i2", delta=1, round=1)
            plans[k % g].append((group_of(tg), k // g, start + k / args.rate + s * slot, text, not tg.bare))
    res = await all_call(gens, "send_mixed", per=[{"plan": p} for p in plans])
    # Back to (target, vote k) order.
    cursor = [0] * g
    cast: dict[str, list] = {t.label: [] for t in targets}
    for k in range(votes):
        for tg in targets:
            cast[tg.label].append(res[k % g][cursor[k % g]])
            cursor[k % g] += 1
    for tg in targets:
        votes_t = cast[tg.label]
        if tg.bare:
            actions = [(v[0], args.actions + k + 1) for k, v in enumerate(votes_t)]
        else:
            assert all(v[3] == "ok" for v in votes_t), [v[4] for v in votes_t if v[3] != "ok"]
            actions = sorted((v[0], v[2]) for v in votes_t)
            tg.res["b_ack"] = summary([v[1] - v[0] for v in votes_t])
        last = max(seq for _, seq in actions)
        await tg.board.wait(lambda b: b.max_seq >= last)
        lat, miss = tg.board.latencies(actions)
        tg.res["b_board"], tg.res["b_board_missing"] = summary(lat), miss
        if tg.bare:
            # The bare server's board is one socket at a fixed place in its set's iteration order
            # (so its latency changes from run to run); a receiver at a random place is every receiver.
            await all_call(gens, "wait_seq", seq=last, timeout=30, group="bare")
            res_all = await all_call(gens, "latencies", actions=actions, group="bare")
            tg.res["b_all"] = summary(lat + [x for r in res_all for x in r["latencies"]])
        if not tg.bare:
            await tg.sender.wait(lambda f: f.max_seq >= last)
            tg.res["b_fac"] = summary(tg.sender.latencies(actions)[0])
    usage = watch.stop()
    t_end = now()
    for tg in targets:
        tg.res["b_cpu"] = tg.cpu() - cpu0[tg.label]
        if not tg.bare:
            tg.res["b_gc"] = tg.server.gc_pauses(start, t_end)  # type: ignore[attr-defined]
        tg.res["votes"] = votes
    targets[0].res["b_size"] = size
    targets[0].res["b_watch"] = usage


def gc_line(ours: list[Target], phase: str) -> str:
    parts = []
    for tg in ours:
        pauses = tg.res[f"{phase}_gc"]
        full = [ms for _, gen, ms in pauses if gen == 2]
        parts.append(f"{tg.label.replace('ours ', '')}: {len(pauses)} pauses > 1 ms, longest "
                     f"{max((ms for *_, ms in pauses), default=0):.0f} ms, {len(full)} full (gen 2) "
                     f"totalling {sum(full):.0f} ms")
    return "  server garbage collection during the phase (bench/gcwatch): " + "; ".join(parts)


def report(args, placement: Placement, targets: list[Target]) -> None:
    w = 40
    ours = [t for t in targets if not t.bare]
    bare = next(t for t in targets if t.bare)
    first = targets[0].res
    slot_ms = 1000 / (args.rate * len(targets))
    print(f"Fan-out: {args.phones} phones in one room on ONE server process (issue 8)")
    print(machine_line())
    print(f"placement: {placement.describe(args.generators, args.phones)}; "
          f"the {len(targets)} servers all on the server CPU, each phone has a socket to each")
    print(f"load: {args.actions} actions per phase at {args.rate:g}/s per server, interleaved "
          f"{slot_ms:.0f} ms apart ({', '.join(t.label for t in targets)}); ours also has 2 author phones, "
          "a board and a facilitator; clocks: time.monotonic in every process")
    print(f"phase A: {others_line(first['a_watch'])}")
    print(f"phase B: {others_line(first['b_watch'])}")
    print(f"load generators' own CPU per frame received (phase A): {first['a_gen_us']:.0f} µs")
    print()
    print("Phase A: the facilitator hides/shows an idea (ideas revealed): every phone's and the board's view "
          "changes; send -> first frame with data-seq >= the command's seq")
    for tg in targets:
        r = tg.res
        print(fmt_row(f"{tg.label} phones", r["a_phones"],
                      f"missing {r['a_missing']}; server CPU {1000 * r['a_cpu'] / args.actions:.1f} ms/action, "
                      f"{1e6 * r['a_cpu'] / max(1, r['a_frames']):.0f} µs/frame", w))
        print(fmt_row(f"{tg.label} board", r["a_board"], "", w))
    print(f"  frame size: ours phone view {first['a_size']} B (the bare server sends {first['a_size']} B to all)")
    print(gc_line(ours, "a"))
    for tg in ours:
        name = tg.label.replace("ours ", "")
        print(fmt_ratio(f"ratio {name} / bare, phones", tg.res["a_phones"], bare.res["a_phones"], w))
        print(fmt_ratio(f"ratio {name} / bare, board", tg.res["a_board"], bare.res["a_board"], w))
    before = next((t for t in ours if t.label.startswith("before")), None)
    if before is not None:
        now_ = ours[0]
        print(fmt_ratio(f"after / before, phones", now_.res["a_phones"], before.res["a_phones"], w))
        print(f"  after / before, server CPU per frame: {now_.res['a_cpu'] / max(1, now_.res['a_frames']) * 1e6:.0f} / "
              f"{before.res['a_cpu'] / max(1, before.res['a_frames']) * 1e6:.0f} µs = "
              f"{(now_.res['a_cpu'] / max(1, now_.res['a_frames'])) / (before.res['a_cpu'] / max(1, before.res['a_frames'])):.2f}x")
    print()
    votes = bare.res["votes"]
    print(f"Phase B: {votes} votes per server, one every {1 / args.rate:.2f} s, each from a different phone; "
          "send -> board frame with data-seq >= the vote's seq")
    for tg in targets:
        r = tg.res
        extra = f"missing {r['b_board_missing']}; server CPU {1000 * r['b_cpu'] / votes:.1f} ms/vote"
        if tg.bare:
            extra += f" (broadcast to all {args.phones + 1} others)"
        print(fmt_row(f"{tg.label} vote->board", r["b_board"], extra, w))
        if tg.bare:
            print(fmt_row(f"{tg.label} vote->any receiver", r["b_all"], "(board and phones)", w))
        if not tg.bare:
            print(fmt_row(f"{tg.label} vote->answer", r["b_ack"], "(durable)", w))
            print(fmt_row(f"{tg.label} vote->console", r["b_fac"], "", w))
    print(f"  frame size: ours board view {first['b_size']} B; the bare server sends {first['b_size']} B to every "
          "other socket, ours sends a vote's frames to the board, the facilitator and the voter only")
    print(gc_line(ours, "b"))
    for tg in ours:
        name = tg.label.replace('ours ', '')
        print(fmt_ratio(f"ratio {name} / bare board", tg.res["b_board"], bare.res["b_board"], w))
        print(fmt_ratio(f"ratio {name} / bare any receiver", tg.res["b_board"], bare.res["b_all"], w))
    if before is not None:
        now_ = ours[0]
        print(fmt_ratio("after / before, vote->board", now_.res["b_board"], before.res["b_board"], w))
        print(f"  after / before, server CPU per vote: {1000 * now_.res['b_cpu'] / votes:.1f} / "
              f"{1000 * before.res['b_cpu'] / votes:.1f} ms")
    print()
    default = next((t for t in ours if t.label.endswith("=0.1")), ours[0])
    for tg in ours[1:]:
        if tg is not default:
            print(f"  {tg.label}: vote->board p99 {tg.res['b_board']['p99']:.1f} ms = "
                  f"{tg.res['b_board']['p99'] / bare.res['b_board']['p99']:.2f}x the bare board socket")
    n = int(default.res["b_board"]["n"])
    ours_p99 = default.res["b_board"]["p99"]
    for name, base in (("the bare server's board socket", bare.res["b_board"]),
                       ("any receiver of the bare server", bare.res["b_all"])):
        ratio = ours_p99 / base["p99"]
        print(f"target (1,000 phones, one process): vote->board p99 within 1.5x bare, vs {name}: "
              f"{ours_p99:.1f} ms vs {base['p99']:.1f} ms = {ratio:.2f}x -> {'MET' if ratio <= 1.5 else 'MISSED'}")
    print(f"  ({default.label}; {n} votes" + (", so p99 is the maximum" if n < 100 else "")
          + ("" if args.phones == 1000 else f"; measured with {args.phones} phones") + ")")
    busiest = max(1000 * t.res["a_cpu"] / args.actions for t in targets)
    if busiest > slot_ms:
        print(f"note: a server needed {busiest:.0f} ms CPU per phase-A action, more than the {slot_ms:.0f} ms between "
              "interleaved actions: the servers' work overlapped on the server CPU; use --flush 0.1 or a lower --rate")


def keep_evidence(tmp: str, targets: list[Target]) -> None:
    """On failure, copy the servers' logs, GC logs and databases out of the temporary folder."""
    import shutil
    import time as _time

    dest = Path(tempfile.gettempdir()) / f"fanout-failure-{_time.strftime('%Y%m%d-%H%M%S')}"
    shutil.copytree(tmp, dest, dirs_exist_ok=True)
    for tg in targets:
        if not tg.bare:
            print(f".. {tg.label}: facilitator answered up to seq {tg.sender.max_seq}, board at "
                  f"{tg.board.max_seq}; facilitator socket {'closed' if tg.sender.closed else 'open'} "
                  f"(close code {tg.sender.close_code}), pings received {tg.sender.pings}", file=sys.stderr)
    print(f".. server logs, GC logs and databases kept in {dest}", file=sys.stderr, flush=True)


async def main(args) -> None:
    placement = Placement(pin=not args.no_pin)
    stack = Stack()
    try:
        placement.apply_to_load()  # the coordinator runs with the load
        gens = [stack.add(Generator(f"gen{i}", placement)) for i in range(args.generators)]
        with tempfile.TemporaryDirectory() as tmp:
            targets = [await setup_ours(args, placement, f, asgi, gens, stack, tmp)
                       for asgi in args.servers for f in args.flush]
            if args.baseline:  # the same app from another checkout, for a before/after in one run
                targets.append(await setup_ours(args, placement, args.flush[0], args.servers[0], gens, stack,
                                                tmp, root=args.baseline))
            targets.append(await setup_bare(args, placement, gens, stack))
            own = [os.getpid(), *(g.pid for g in gens), *(p for t in targets for p in t.pids)]
            try:
                await phase_a(args, gens, targets, own)
                await phase_b(args, gens, targets, own)
            except BaseException:
                keep_evidence(tmp, targets)
                raise
            for tg in targets:
                for ws in (tg.board, tg.sender, *tg.authors):
                    ws.close()
            await all_call(gens, "close")
        report(args, placement, targets)
    finally:
        stack.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=1000, help="phones in the room (200, 1000, 3000, ...)")
    parser.add_argument("--rate", type=float, default=2.0, help="facilitator actions / votes per second, per server")
    parser.add_argument("--actions", type=int, default=40, help="actions per phase (made even)")
    parser.add_argument("--flush", type=lambda s: [float(x) for x in s.split(",")], default=[0.1, 0.01],
                        help="FLUSH_INTERVAL values to run the app with, comma-separated")
    parser.add_argument("--servers", type=lambda s: s.split(","), default=["uvicorn"],
                        help="ASGI servers to run the app on, comma-separated (uvicorn, granian)")
    parser.add_argument("--baseline", type=lambda s: Path(s).resolve(), default=None,
                        help="also run the app from this checkout (e.g. the commit before a change), interleaved")
    parser.add_argument("--generators", type=int, default=2, help="load-generator processes")
    parser.add_argument("--concurrency", type=int, default=32, help="joins in flight per generator")
    parser.add_argument("--quiet-wait", type=float, default=30.0,
                        help="wait up to this many seconds for other processes to go quiet before each phase")
    parser.add_argument("--no-pin", action="store_true", help="do not pin; nice the load instead")
    args = parser.parse_args()
    args.actions += args.actions % 2  # end with the idea shown again
    run_main(lambda: main(args))
