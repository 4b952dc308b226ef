"""Fan-out: N phones in one room on ONE server process, and the same load on a bare websockets server.

Phase A (every phone's view changes): the ideas round is revealed, so every phone shows the idea
list; the facilitator hides and shows one idea at a steady rate (`hide_idea`/`show_idea`).
Phase B (a vote, measured at the board): the dot-voting round is open; at the same steady rate a
different phone casts its first dot, which changes the board's "N of M have voted".

Latency = from the moment the command was written to the socket to the arrival, at each phone and
at the board, of the first frame whose data-seq >= the command's seq (the seq comes from the
command's answer, data-ack). All processes stamp with time.monotonic (one clock per machine).

The same run then repeats both phases against bench/bare_ws.py (websockets.broadcast of a frame
of the same size as ours to every other connection) and prints ours/bare for each percentile.
The app runs twice: FLUSH_INTERVAL=0.1 (the default: views coalesced to ~10/s) and 0.01.

    cd /work/wt-bench && /work/main/.venv/bin/python bench/fanout.py --phones 1000
    ... --phones 200|1000|3000  --rate 2  --actions 20  --flush 0.1,0.01  --no-pin
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BareServer,
    BenchServer,
    CpuWatch,
    Generator,
    Placement,
    Stack,
    all_call,
    command_text,
    cpu_seconds,
    fmt_ratio,
    fmt_row,
    machine_line,
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

IDEAS = [
    "Flere benker og skygge langs turveien ved elva, så eldre kan ta pauser på vei til sentrum.",
    "Gatelys på snarveien mellom skolen og idrettshallen, den er helt mørk om vinteren.",
    "Et felles verksted der vi kan låne verktøy og reparere sykler og småting sammen.",
    "Tryggere skolevei: fartsdumper og fotgjengerfelt ved krysset ved butikken.",
    "Parsellhager på den tomme tomta bak biblioteket, med vann og et lite redskapsskur.",
    "Bussen bør gå hver halvtime også på kveldstid og i helgene, ikke bare i rushtiden.",
    "En møteplass for ungdom med åpent hus på fredager, styrt av ungdommene selv.",
    "Flere søppeldunker og kildesortering ved badeplassen, og tømming oftere om sommeren.",
]


def log(msg: str) -> None:
    print(f".. {msg}", file=sys.stderr, flush=True)


async def steady(rate: float, count: int, fire) -> list:
    """Call fire(k) at start + k/rate for k in 0..count-1."""
    start = now() + 0.3
    out = []
    for k in range(count):
        await asyncio.sleep(max(0.0, start + k / rate - now()))
        out.append(fire(k))
    return out


def gen_plans(gens: int, count: int, start: float, rate: float, text) -> list[dict]:
    """Vote k from generator k % gens, its phone k // gens, at start + k/rate."""
    plans: list[list] = [[] for _ in range(gens)]
    for k in range(count):
        plans[k % gens].append((k // gens, start + k / rate, [text(k)]))
    return [{"plan": p} for p in plans]


def merge_votes(results: list[list], gens: int, count: int) -> list[tuple]:
    out = []
    for k in range(count):
        out.append(results[k % gens][k // gens][0])
    return out


async def phone_latencies(gens, actions) -> tuple[list[float], int]:
    res = await all_call(gens, "latencies", actions=actions)
    lat = [x for r in res for x in r["latencies"]]
    return lat, sum(r["missing"] for r in res)


async def run_ours(args, placement: Placement, flush: float, gens: list[Generator], stack: Stack) -> dict:
    counts = split_counts(args.phones, len(gens))
    rate_env = {"FLUSH_INTERVAL": str(flush)}
    if args.rate > 4:
        rate_env.update(WS_RATE=str(2 * args.rate), WS_BURST=str(max(20, int(4 * args.rate))))
    with tempfile.TemporaryDirectory() as tmp:
        server = stack.add(BenchServer(Path(tmp) / "bench.sqlite3", cpus=placement.server_cpus,
                                       extra_env=rate_env).start())
        try:
            links = server.demo(members=0)
            code = links["code"]
            fac = await role_socket(server.base, links["facilitator"], "facilitator")
            board = await role_socket(server.base, links["board"], "board")
            authors = [await phone_socket(server.base, code) for _ in range(2)]
            await fac.command("start_round", round=0)
            for i, text in enumerate(IDEAS):
                await authors[i % 2].command("post_idea", text=text)
            t = now()
            await all_call(gens, "join", per=[{"count": c} for c in counts], base=server.base, code=code,
                           concurrency=args.concurrency)
            join_s = now() - t
            log(f"ours FLUSH_INTERVAL={flush}: {args.phones} phones joined and connected in {join_s:.1f} s")
            await fac.command("reveal", round=0)
            await all_call(gens, "wait_views", contains='class="idea-list"')

            # Phase A: hide/show an idea; every phone's and the board's view changes.
            own = [server.pid, os.getpid(), *(g.pid for g in gens)]
            await wait_quiet(own, args.quiet_wait)
            await all_call(gens, "mark")
            board.mark()
            watch = CpuWatch(own).start()
            cpu0, m0 = cpu_seconds(server.pid), server.metrics()
            gen0 = sum(cpu_seconds(g.pid) for g in gens)
            sent = await steady(args.rate, args.actions, lambda k: fac.send_command(
                "hide_idea" if k % 2 == 0 else "show_idea", idea="r0i1", round=0))
            acks = [await asyncio.wait_for(fut, 60) for _, _, fut in sent]
            assert all(a.result == "ok" for a in acks), [a.reason for a in acks]
            actions = [(t, a.seq) for (_, t, _), a in zip(sent, acks)]
            last = max(a.seq for a in acks)
            never = sum(await all_call(gens, "wait_seq", seq=last, timeout=30))
            await board.wait(lambda b: b.max_seq >= last)
            cpu_a, m1 = cpu_seconds(server.pid) - cpu0, server.metrics()
            gen_a = sum(cpu_seconds(g.pid) for g in gens) - gen0
            watch_a = watch.stop()
            phones_a, missing_a = await phone_latencies(gens, actions)
            board_a, board_missing_a = board.latencies(actions)
            stats = await all_call(gens, "frame_stats")
            view_size_a = sorted(s["view_sizes"] for s in stats)[len(stats) // 2]
            received_a = sum(s["frames"] for s in stats)
            frames_a = m1["ip_frames_sent_total"] - m0["ip_frames_sent_total"]
            board_sizes = sorted(board.sizes)
            board_size_a = board_sizes[len(board_sizes) // 2] if board_sizes else 1000

            # Phase B: a different phone casts a dot at the same rate; measured at the board.
            await fac.command("start_round", round=1)
            await all_call(gens, "wait_views", contains='value="dot"')
            await wait_quiet(own, args.quiet_wait)
            await all_call(gens, "mark")
            board.mark()
            fac.mark()
            votes = min(args.actions, args.phones)
            watch = CpuWatch(own).start()
            cpu0, m0 = cpu_seconds(server.pid), server.metrics()
            start = now() + 0.5
            res = await all_call(gens, "send_sequences", per=gen_plans(
                len(gens), votes, start, args.rate,
                lambda k: command_text("dot", idea="r0i2", delta=1, round=1)))
            cast = merge_votes(res, len(gens), votes)
            assert all(v[3] == "ok" for v in cast), [v[4] for v in cast if v[3] != "ok"]
            actions_b = sorted((v[0], v[2]) for v in cast)
            last = max(v[2] for v in cast)
            await board.wait(lambda b: b.max_seq >= last)
            await fac.wait(lambda f: f.max_seq >= last)
            cpu_b, m1 = cpu_seconds(server.pid) - cpu0, server.metrics()
            watch_b = watch.stop()
            board_b, board_missing_b = board.latencies(actions_b)
            fac_b, _ = fac.latencies(actions_b)
            board_sizes = sorted(board.sizes)
            board_size_b = board_sizes[len(board_sizes) // 2] if board_sizes else 1000
            frames_b = m1["ip_frames_sent_total"] - m0["ip_frames_sent_total"]
            for ws in (fac, board, *authors):
                ws.close()
        finally:
            await all_call(gens, "close")
            server.stop()
    return {
        "label": f"ours FLUSH_INTERVAL={flush}",
        "join_s": join_s,
        "a_phones": summary(phones_a), "a_missing": missing_a + never, "a_board": summary(board_a),
        "a_board_missing": board_missing_a, "a_cpu": cpu_a, "a_frames": frames_a, "a_watch": watch_a,
        "a_gen_us": 1e6 * gen_a / max(1, received_a), "view_size": view_size_a, "board_size_a": board_size_a,
        "b_board": summary(board_b), "b_board_missing": board_missing_b, "b_fac": summary(fac_b),
        "b_ack": summary([v[1] - v[0] for v in cast]), "b_cpu": cpu_b, "b_frames": frames_b,
        "b_watch": watch_b, "board_size_b": board_size_b, "votes": votes,
    }


async def run_bare(args, placement: Placement, gens: list[Generator], stack: Stack, size_a: int,
                   size_b: int) -> dict:
    counts = split_counts(args.phones, len(gens))
    bare = stack.add(BareServer(cpus=placement.server_cpus).start())
    try:
        host, port = "127.0.0.1", bare.port
        await all_call(gens, "connect_bare", per=[{"count": c} for c in counts], host=host, port=port)
        board = await open_ws(host, port, "/")
        sender = await open_ws(host, port, "/")
        own = [bare.pid, os.getpid(), *(g.pid for g in gens)]
        await wait_quiet(own, args.quiet_wait)
        await all_call(gens, "mark")
        board.mark()
        watch = CpuWatch(own).start()
        cpu0 = cpu_seconds(bare.pid)
        gen0 = sum(cpu_seconds(g.pid) for g in gens)
        payload = json.dumps({"size": size_a})
        sent = await steady(args.rate, args.actions, lambda k: sender.send_text(payload))
        actions = [(t, k + 1) for k, t in enumerate(sent)]
        never = sum(await all_call(gens, "wait_seq", seq=args.actions, timeout=30))
        await board.wait(lambda b: b.max_seq >= args.actions)
        cpu_a = cpu_seconds(bare.pid) - cpu0
        gen_a = sum(cpu_seconds(g.pid) for g in gens) - gen0
        watch_a = watch.stop()
        received_a = sum(s["frames"] for s in await all_call(gens, "frame_stats"))
        phones_a, missing_a = await phone_latencies(gens, actions)
        board_a, board_missing_a = board.latencies(actions)

        await wait_quiet(own, args.quiet_wait)
        await all_call(gens, "mark")
        board.mark()
        votes = min(args.actions, args.phones)
        watch = CpuWatch(own).start()
        cpu0 = cpu_seconds(bare.pid)
        start = now() + 0.5
        payload = json.dumps({"size": size_b})
        res = await all_call(gens, "send_sequences", expect_ack=False, per=gen_plans(
            len(gens), votes, start, args.rate, lambda k: payload))
        cast = merge_votes(res, len(gens), votes)
        actions_b = [(v[0], args.actions + k + 1) for k, v in enumerate(cast)]
        await board.wait(lambda b: b.max_seq >= args.actions + votes)
        cpu_b = cpu_seconds(bare.pid) - cpu0
        watch_b = watch.stop()
        board_b, board_missing_b = board.latencies(actions_b)
        board.close()
        sender.close()
    finally:
        await all_call(gens, "close")
        bare.stop()
    return {
        "label": "bare websockets.broadcast",
        "a_phones": summary(phones_a), "a_missing": missing_a + never, "a_board": summary(board_a),
        "a_board_missing": board_missing_a, "a_cpu": cpu_a, "a_frames": args.actions * (args.phones + 1),
        "a_watch": watch_a, "a_gen_us": 1e6 * gen_a / max(1, received_a), "b_board": summary(board_b), "b_board_missing": board_missing_b,
        "b_cpu": cpu_b, "b_frames": votes * (args.phones + 1), "b_watch": watch_b, "votes": votes,
    }


def report(args, placement: Placement, runs: list[dict], bare: dict) -> None:
    w = 40
    print(f"Fan-out: {args.phones} phones in one room on ONE server process (issue 8)")
    print(machine_line())
    print(f"placement: {placement.describe(args.generators, args.phones)}")
    print(f"load: {args.actions} actions per phase at {args.rate:g}/s; + 2 author phones, 1 board, "
          "1 facilitator; clocks: time.monotonic in every process")
    for r in [*runs, bare]:
        print(f"{r['label']}, phase A: {others_line(r['a_watch'])}")
        print(f"{r['label']}, phase B: {others_line(r['b_watch'])}")
    print("load generators' own CPU per frame received (phase A): "
          + ", ".join(f"{r['label']} {r['a_gen_us']:.0f} µs" for r in [*runs, bare]))
    print()
    print("Phase A: facilitator hides/shows an idea (ideas revealed) -> every phone's and the board's view "
          "changes; send -> first frame with data-seq >= the command's seq")
    for r in [*runs, bare]:
        per_action = 1000 * r["a_cpu"] / args.actions
        per_frame = 1e6 * r["a_cpu"] / max(1, r["a_frames"])
        print(fmt_row(f"{r['label']} phones", r["a_phones"],
                      f"missing {r['a_missing']}; server CPU {per_action:.1f} ms/action, "
                      f"{per_frame:.1f} µs/frame ({r['a_frames']:.0f} frames)", w))
        print(fmt_row(f"{r['label']} board", r["a_board"], "", w))
    print(f"  frame sizes: ours phone view {runs[0]['view_size']} B, board view {runs[0]['board_size_a']} B; "
          f"bare sends {runs[0]['view_size']} B to all")
    for r in runs:
        print(fmt_ratio(f"ratio {r['label'].replace('ours ', '')} / bare phones", r["a_phones"], bare["a_phones"], w))
        print(fmt_ratio(f"ratio {r['label'].replace('ours ', '')} / bare board", r["a_board"], bare["a_board"], w))
    print()
    print(f"Phase B: {bare['votes']} votes, one every {1 / args.rate:.2f} s from a different phone; "
          "send -> board frame with data-seq >= the vote's seq")
    for r in runs:
        per_vote = 1000 * r["b_cpu"] / r["votes"]
        print(fmt_row(f"{r['label']} vote->board", r["b_board"],
                      f"missing {r['b_board_missing']}; server CPU {per_vote:.1f} ms/vote, "
                      f"{r['b_frames']:.0f} frames", w))
        print(fmt_row(f"{r['label']} vote->answer (durable)", r["b_ack"], "", w))
        print(fmt_row(f"{r['label']} vote->facilitator", r["b_fac"], "", w))
    per_vote = 1000 * bare["b_cpu"] / bare["votes"]
    print(fmt_row("bare vote->board", bare["b_board"],
                  f"missing {bare['b_board_missing']}; server CPU {per_vote:.1f} ms/vote, "
                  f"{bare['b_frames']:.0f} frames (broadcast to all {args.phones + 1} others)", w))
    print(f"  frame sizes: ours board view {runs[0]['board_size_b']} B; bare sends {runs[0]['board_size_b']} B "
          f"to every other socket (ours sends a vote to the board, the facilitator and the voter only)")
    for r in runs:
        print(fmt_ratio(f"ratio {r['label'].replace('ours ', '')} / bare", r["b_board"], bare["b_board"], w))
    print()
    default = next((r for r in runs if r["label"].endswith("=0.1")), runs[0])
    ratio = default["b_board"]["p99"] / bare["b_board"]["p99"]
    verdict = "MET" if ratio <= 1.5 else "MISSED"
    print(f"target (1,000 phones, one process): vote->board p99 within 1.5x bare in the same run: "
          f"{default['b_board']['p99']:.1f} ms vs {bare['b_board']['p99']:.1f} ms = {ratio:.2f}x -> {verdict}"
          + ("" if args.phones == 1000 else f" (measured with {args.phones} phones)"))


async def main(args) -> None:
    placement = Placement(pin=not args.no_pin)
    stack = Stack()
    try:
        placement.apply_to_load()  # the coordinator runs with the load
        gens = [stack.add(Generator(f"gen{i}", placement)) for i in range(args.generators)]
        runs = []
        for flush in args.flush:
            runs.append(await run_ours(args, placement, flush, gens, stack))
        log("bare websockets server")
        bare = await run_bare(args, placement, gens, stack, runs[0]["view_size"], runs[0]["board_size_b"])
        report(args, placement, runs, bare)
    finally:
        stack.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=1000, help="phones in the room (200, 1000, 3000, ...)")
    parser.add_argument("--rate", type=float, default=2.0, help="facilitator actions / votes per second")
    parser.add_argument("--actions", type=int, default=20, help="actions per phase (made even)")
    parser.add_argument("--flush", type=lambda s: [float(x) for x in s.split(",")], default=[0.1, 0.01],
                        help="FLUSH_INTERVAL values to run the app with, comma-separated")
    parser.add_argument("--generators", type=int, default=2, help="load-generator processes")
    parser.add_argument("--concurrency", type=int, default=32, help="joins in flight per generator")
    parser.add_argument("--quiet-wait", type=float, default=60.0,
                        help="wait up to this many seconds for other processes to go quiet before each phase")
    parser.add_argument("--no-pin", action="store_true", help="do not pin; nice the load instead")
    args = parser.parse_args()
    args.actions += args.actions % 2  # end with the idea shown again
    run_main(lambda: main(args))
