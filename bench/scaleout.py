"""Scale-out (issue 6): the same meeting load on one process with SQLite, one process with Redis,
and three processes sharing Redis, side by side in one run.

Three set-ups are up at once, each with its own meeting and its own N phones (the same
load-generator processes hold every phone's socket):

- (a) `1 proc SQLite`: one `python -m server serve`, SQLite, in-memory fan-out (the default);
- (b) `1 proc Redis`: one process with REDIS_URL (event log, records and fan-out in Redis);
- (c) `3 procs Redis`: three processes on separate ports sharing Redis; the phones are spread
  round-robin over them (each joins through its process and keeps its socket there, as a load
  balancer would place them); one board on each process; facilitator on process 0.

Every Redis set-up gets a key prefix of its own, wiped at the end. Actions are interleaved: in every
period of 1/rate s each set-up gets one, 1/(rate*3) s apart, so all three see the same background
load (this machine is shared).

Phase A (every phone's view changes): the facilitator hides one idea and shows another while the
ideas are revealed (`common.moderation`); latency to every phone's first frame with data-seq >= the command's seq. This shows that
each phone is held and up to date, wherever its process is.
Phase B (steady votes): one dot a vote, each from a different phone (in (c) the voters rotate over
the three processes); latency vote -> the board on process 0 (two votes in three arrive there
through Redis pub/sub), -> every board, and -> the durable answer. After the phase every server
is killed with SIGKILL and the dots in the store are counted against the answers.

    .venv/bin/python bench/scaleout.py            # 600 phones, 300 votes at 5/s, 20 hide/shows
    ... --phones 600 --votes 300 --rate 5 --actions 20 --redis-url redis://127.0.0.1:6379/13
"""

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402

from bench.common import (  # noqa: E402
    IDEAS,
    MODERATION_START,
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
    others_line,
    phone_socket,
    role_socket,
    run_main,
    split_counts,
    summary,
    wait_quiet,
)
from server.store.redis import RedisStore  # noqa: E402
from tests.conftest import start_all  # noqa: E402



def log(msg: str) -> None:
    print(f".. {msg}", file=sys.stderr, flush=True)


@dataclass
class Setup:
    label: str
    servers: list[BenchServer]
    redis_prefix: str | None = None
    code: str = ""
    fac: RawWS | None = None
    boards: list[RawWS] = field(default_factory=list)  # boards[i] on servers[i]
    authors: list[RawWS] = field(default_factory=list)
    # Per generator: for each of its phones in this set-up, the index of the server it is on.
    placement: list[list[int]] = field(default_factory=list)
    res: dict = field(default_factory=dict)

    @property
    def pids(self) -> list[int]:
        return [s.pid for s in self.servers]

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self.pids)


async def build(args, label: str, processes: int, redis_url: str | None, gens, stack: Stack,
                placement: Placement, tmp: Path) -> Setup:
    env: dict[str, str] = {}
    prefix = None
    if redis_url:
        prefix = f"bench{uuid.uuid4().hex[:8]}:"
        env = {"REDIS_URL": redis_url, "REDIS_PREFIX": prefix}
    slug = label.replace(" ", "-")
    servers = [stack.add(BenchServer(tmp / f"{slug}-{i}.sqlite3", cpus=placement.server_cpus, extra_env=env))
               for i in range(processes)]
    # In threads: earlier set-ups' sockets keep answering pings meanwhile (see fanout.setup_ours).
    await asyncio.to_thread(start_all, servers)  # type: ignore[arg-type]
    setup = Setup(label, servers, prefix)
    links = await asyncio.to_thread(servers[0].demo, members=0)
    setup.code = code = links["code"]
    setup.fac = await role_socket(servers[0].base, links["facilitator"], "facilitator")
    setup.boards = [await role_socket(s.base, links["board"], "board") for s in servers]
    setup.authors = [await phone_socket(servers[0].base, code) for _ in range(2)]
    await setup.fac.command("start_round", round=0)
    for i, text in enumerate(IDEAS):
        await setup.authors[i % 2].command("post_idea", text=text)
    t = now()
    per_gen = split_counts(args.phones, len(gens))
    setup.placement = [[] for _ in gens]
    # Round-robin over the processes: phone k joins through, and stays on, process k % P.
    for p, server in enumerate(servers):
        counts = [split_counts(n, processes)[p] for n in per_gen]
        await all_call(gens, "join", per=[{"count": c} for c in counts], base=server.base, code=code,
                       concurrency=args.concurrency, group=label)
        for g, c in enumerate(counts):
            setup.placement[g] += [p] * c
    log(f"{label}: {args.phones} phones joined and connected in {now() - t:.1f} s")
    await setup.fac.command("reveal", round=0)
    await all_call(gens, "wait_views", contains='class="idea-list"', group=label)
    cmd, item = MODERATION_START
    ack = await setup.fac.command(cmd, item=item, round=0)
    await all_call(gens, "wait_seq", seq=ack.seq, group=label)
    return setup


async def mark_all(gens, setups: list[Setup]) -> None:
    for st in setups:
        await all_call(gens, "mark", group=st.label)
        for ws in (st.fac, *st.boards):
            ws.mark()  # type: ignore[union-attr]


async def phase_a(args, gens, setups: list[Setup], own: list[int]) -> dict:
    await wait_quiet(own, args.quiet_wait)
    await mark_all(gens, setups)
    watch = CpuWatch(own).start()
    cpu0 = {st.label: st.cpu() for st in setups}
    slot = 1 / (args.rate * len(setups))
    start = now() + 0.5
    sent: dict[str, list] = {st.label: [] for st in setups}
    for k in range(args.actions):
        for s, st in enumerate(setups):
            await asyncio.sleep(max(0.0, start + k / args.rate + s * slot - now()))
            cmd, item = moderation(k)
            _, t, fut = st.fac.send_command(cmd, item=item, round=0)  # type: ignore[union-attr]
            sent[st.label].append((t, fut))
    for st in setups:
        acks = [await asyncio.wait_for(fut, 60) for _, fut in sent[st.label]]
        assert all(a.result == "ok" for a in acks), [a.reason for a in acks]
        actions = [(t, a.seq) for (t, _), a in zip(sent[st.label], acks)]
        last = max(seq for _, seq in actions)
        never = sum(await all_call(gens, "wait_seq", seq=last, timeout=60, group=st.label))
        res = await all_call(gens, "latencies", actions=actions, group=st.label)
        st.res["a_phones"] = summary([x for r in res for x in r["latencies"]])
        st.res["a_missing"] = sum(r["missing"] for r in res) + never
        st.res["a_cpu"] = st.cpu() - cpu0[st.label]
        st.res["a_held"] = sum(await all_call(gens, "open_count", group=st.label))
    return watch.stop()


async def phase_b(args, gens, setups: list[Setup], own: list[int], redis_url: str) -> dict:
    for st in setups:
        await st.fac.command("start_round", round=1)  # type: ignore[union-attr]
        await all_call(gens, "wait_views", contains='value="dot"', group=st.label)
    votes = min(args.votes, args.phones)
    g = len(gens)
    # The voters: phone j of generator g, taken so that consecutive votes rotate over the processes.
    voters: dict[str, list[tuple[int, int, int]]] = {}
    for st in setups:
        queues: dict[int, list[tuple[int, int, int]]] = {}
        for gi, procs in enumerate(st.placement):
            for j, p in enumerate(procs):
                queues.setdefault(p, []).append((gi, j, p))
        for q in queues.values():  # alternate the generators inside each process
            q.sort(key=lambda x: (x[1], x[0]))
        order: list[tuple[int, int, int]] = []
        while len(order) < votes:
            for p in sorted(queues):
                if queues[p] and len(order) < votes:
                    order.append(queues[p].pop(0))
        voters[st.label] = order
    await wait_quiet(own, args.quiet_wait)
    await mark_all(gens, setups)
    r0 = redis.Redis.from_url(redis_url).info("cpu")
    watch = CpuWatch(own).start()
    cpu0 = {st.label: st.cpu() for st in setups}
    slot = 1 / (args.rate * len(setups))
    start = now() + 0.5
    plans: list[list] = [[] for _ in gens]
    where: list[list[tuple[str, int]]] = [[] for _ in gens]  # per generator entry: (set-up, process)
    for k in range(votes):
        for s, st in enumerate(setups):
            gi, j, p = voters[st.label][k]
            text = command_text("dot", idea="r0i2", delta=1, round=1)
            plans[gi].append((st.label, j, start + k / args.rate + s * slot, text, True))
            where[gi].append((st.label, p))
    res = await all_call(gens, "send_mixed", per=[{"plan": p} for p in plans])
    r1 = redis.Redis.from_url(redis_url).info("cpu")
    cast: dict[str, list[tuple[tuple, int]]] = {st.label: [] for st in setups}
    for gi in range(g):
        for (label, p), v in zip(where[gi], res[gi]):
            cast[label].append((v, p))
    for st in setups:
        got = cast[st.label]
        ok = [(v, p) for v, p in got if v[3] == "ok"]
        st.res["b_ok"] = len(ok)
        st.res["b_votes"] = len(got)
        st.res["b_refused"] = sorted({v[4] for v, _ in got if v[3] != "ok"})
        st.res["b_ack"] = summary([v[1] - v[0] for v, _ in ok])
        actions = sorted((v[0], v[2]) for v, _ in ok)
        last = max(seq for _, seq in actions)
        for b in st.boards:
            await b.wait(lambda ws: ws.max_seq >= last, timeout=60)
        lat, miss = st.boards[0].latencies(actions)
        st.res["b_board"], st.res["b_board_missing"] = summary(lat), miss
        if len(st.boards) > 1:
            every, local, remote = [], [], []
            for bi, b in enumerate(st.boards):
                for v, p in ok:
                    got_lat, _ = b.latencies([(v[0], v[2])])
                    every += got_lat
                    (local if p == bi else remote).extend(got_lat)
            st.res["b_boards"] = summary(every)
            st.res["b_local"] = summary(local)
            st.res["b_remote"] = summary(remote)
        st.res["b_cpu"] = st.cpu() - cpu0[st.label]
        st.res["b_held"] = sum(await all_call(gens, "open_count", group=st.label))
    usage = watch.stop()
    usage["redis_cpu"] = (r1["used_cpu_user"] + r1["used_cpu_sys"]) - (r0["used_cpu_user"] + r0["used_cpu_sys"])
    return usage


async def durable(st: Setup, redis_url: str) -> int:
    """Kill every process of the set-up without warning, then count the dots in its store."""
    for server in st.servers:
        server.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        server.proc.wait()  # type: ignore[union-attr]
        server.proc = None
    if st.redis_prefix is None:
        with sqlite3.connect(st.servers[0].database) as con:
            rows = [data for (data,) in con.execute("SELECT data FROM events WHERE room = ?", (st.code,))]
    else:
        store = await RedisStore(redis_url, st.redis_prefix).open()
        try:
            rows = [data for _, data in await store.read(st.code)]
        finally:
            await store.close()
    return sum(1 for data in rows if json.loads(data)["t"] == "dots_cast")


async def wipe(st: Setup, redis_url: str) -> None:
    if st.redis_prefix is None:
        return
    store = await RedisStore(redis_url, st.redis_prefix).open()
    try:
        await store.wipe()
    finally:
        await store.close()


def report(args, placement: Placement, setups: list[Setup], usage_a: dict, usage_b: dict) -> None:
    w = 44
    base = setups[0]
    print(f"Scale-out: {args.phones} phones in one meeting: 1 process + SQLite vs 1 process + Redis vs "
          "3 processes + Redis (issue 6)")
    print(machine_line())
    print(f"placement: {placement.describe(args.generators, args.phones)}; every server process of every "
          "set-up on the server CPU (so 3 processes share one core here: this measures the cost of "
          "scaling out, not the gain of more cores); Redis is the machine's shared redis-server, not pinned")
    print(f"load: phase A {args.actions} hide/shows, phase B {min(args.votes, args.phones)} votes, each at "
          f"{args.rate:g}/s per set-up, interleaved {1000 / (args.rate * len(setups)):.0f} ms apart; "
          "clocks: time.monotonic in every process")
    print(f"phase A: {others_line(usage_a)}")
    print(f"phase B: {others_line(usage_b)}; redis-server CPU {usage_b['redis_cpu']:.2f} s "
          "(all its clients, other tenants' included)")
    print()
    print("Phase A: the facilitator hides/shows an idea: every phone's view changes; "
          "send -> each phone's first frame with data-seq >= the command's seq")
    for st in setups:
        r = st.res
        print(fmt_row(f"{st.label} phones", r["a_phones"],
                      f"missing {r['a_missing']}; held {r['a_held']}/{args.phones}; "
                      f"server CPU {1000 * r['a_cpu'] / args.actions:.1f} ms/action", w))
    for st in setups[1:]:
        print(fmt_ratio(f"ratio ({st.label}) / ({base.label})", st.res["a_phones"], base.res["a_phones"], w))
    print()
    print(f"Phase B: steady votes, each from a different phone (in 3 procs: rotating over the processes); "
          "send -> board frame with data-seq >= the vote's seq")
    for st in setups:
        r = st.res
        print(fmt_row(f"{st.label} vote->board (process 0)", r["b_board"],
                      f"missing {r['b_board_missing']}; server CPU {1000 * r['b_cpu'] / r['b_votes']:.1f} ms/vote", w))
        if "b_boards" in r:
            print(fmt_row(f"{st.label} vote->every board", r["b_boards"], "(one board per process)", w))
            print(fmt_row("   board on the voter's process", r["b_local"], "", w))
            print(fmt_row("   board on another process", r["b_remote"], "(through Redis pub/sub)", w))
        print(fmt_row(f"{st.label} vote->answer", r["b_ack"], "(durable)", w))
    for st in setups[1:]:
        print(fmt_ratio(f"ratio ({st.label}) / ({base.label}) board", st.res["b_board"], base.res["b_board"], w))
        print(fmt_ratio(f"ratio ({st.label}) / ({base.label}) answer", st.res["b_ack"], base.res["b_ack"], w))
    print()
    for st in setups:
        r = st.res
        print(f"  {st.label:<16} phones held {r['b_held']}/{args.phones}; answers {r['b_ok']} ok of {r['b_votes']} "
              f"(refused: {r['b_refused'] or 'none'}); after SIGKILL the store holds {r['stored']} dots "
              f"-> {'all durable' if r['stored'] == r['b_ok'] == r['b_votes'] else 'NOT all durable'}")
    print()
    for st in setups[1:]:
        ratio = st.res["b_board"]["p99"] / base.res["b_board"]["p99"]
        print(f"vote->board p99: {st.label} {st.res['b_board']['p99']:.1f} ms / {base.label} "
              f"{base.res['b_board']['p99']:.1f} ms = {ratio:.2f}x")


async def main(args) -> None:
    placement = Placement(pin=not args.no_pin)
    stack = Stack()
    setups: list[Setup] = []
    try:
        placement.apply_to_load()
        gens = [stack.add(Generator(f"gen{i}", placement)) for i in range(args.generators)]
        with tempfile.TemporaryDirectory() as tmp:
            for label, procs, url in (("1 proc SQLite", 1, None), ("1 proc Redis", 1, args.redis_url),
                                      ("3 procs Redis", 3, args.redis_url)):
                setups.append(await build(args, label, procs, url, gens, stack, placement, Path(tmp)))
            own = [os.getpid(), *(g.pid for g in gens), *(p for st in setups for p in st.pids)]
            usage_a = await phase_a(args, gens, setups, own)
            usage_b = await phase_b(args, gens, setups, own, args.redis_url)
            for st in setups:
                st.res["stored"] = await durable(st, args.redis_url)
                for ws in (st.fac, *st.boards, *st.authors):
                    ws.close()  # type: ignore[union-attr]
            await all_call(gens, "close")
        report(args, placement, setups, usage_a, usage_b)
    finally:
        stack.close()
        for st in setups:
            try:
                await wipe(st, args.redis_url)
            except Exception as exc:
                print(f"warning: could not wipe {st.redis_prefix}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=600)
    parser.add_argument("--votes", type=int, default=300, help="votes per set-up (at most one per phone)")
    parser.add_argument("--actions", type=int, default=20, help="phase-A hide/shows per set-up")
    parser.add_argument("--rate", type=float, default=5.0, help="actions / votes per second, per set-up")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--quiet-wait", type=float, default=30.0)
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args()
    run_main(lambda: main(args))
