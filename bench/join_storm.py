"""Join storm: N phones join one meeting within W seconds (default 600 in 10 s).

Each phone does what a phone does after scanning the QR code: GET the join page, POST the form
(303 + seat cookie), GET the participant page (and, with --assets, its css/js/favicon), open the
WebSocket, and wait for its first `#view` frame. Phone i starts at i*W/N. Prints, over the phones,
the time from starting to having the full view (and its parts), the total time, the server's CPU
per join, and when the board showed everyone.

    cd /work/wt-bench && /work/main/.venv/bin/python bench/join_storm.py
    ... --phones 600 --window 10 --assets --no-pin
"""

import argparse
import os
import re
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
    cpu_seconds,
    fmt_row,
    machine_line,
    now,
    others_line,
    role_socket,
    run_main,
    summary,
    wait_quiet,
)

JOINED = re.compile(rb'class="joined"><span class="number">(\d+)<')


def joined(board) -> int:
    m = JOINED.search(board.last_view)
    return int(m.group(1)) if m else 0


async def main(args) -> None:
    placement = Placement(pin=not args.no_pin)
    stack = Stack()
    try:
        placement.apply_to_load()
        gens = [stack.add(Generator(f"gen{i}", placement)) for i in range(args.generators)]
        with tempfile.TemporaryDirectory() as tmp:
            server = stack.add(BenchServer(Path(tmp) / "bench.sqlite3", cpus=placement.server_cpus).start())
            links = server.demo(members=0)
            board = await role_socket(server.base, links["board"], "board")
            # Warm up what a first request costs once per process (templates, imports), as a
            # server that has been up for a while would have.
            await all_call(gens, "join", base=server.base, code=links["code"], count=1)
            await all_call(gens, "close")
            warm = joined(board)

            own = [server.pid, os.getpid(), *(g.pid for g in gens)]
            await wait_quiet(own, args.quiet_wait)
            watch = CpuWatch(own).start()
            cpu0, m0 = cpu_seconds(server.pid), server.metrics()
            t0 = now() + 1.0
            starts = [t0 + i * args.window / args.phones for i in range(args.phones)]
            per = [{"starts": starts[g :: args.generators], "count": len(starts[g :: args.generators])}
                   for g in range(args.generators)]
            parts = await all_call(gens, "join", per=per, base=server.base, code=links["code"], assets=args.assets)
            timings = [t for part in parts for t in part]
            lag = [t["start"] - s for part, p in zip(parts, per) for t, s in zip(part, p["starts"])]
            t_last_view = max(t["view"] for t in timings)
            await board.wait(lambda b: joined(b) >= warm + args.phones, timeout=60)
            t_board = board.ts[-1]
            cpu = cpu_seconds(server.pid) - cpu0
            m1 = server.metrics()
            usage = watch.stop()
            rss = Path(f"/proc/{server.pid}/status").read_text()
            board.close()
            await all_call(gens, "close")
            server.stop()
    finally:
        stack.close()

    total = summary([t["view"] - t["start"] for t in timings])
    http = summary([t["joined"] - t["start"] for t in timings])
    page = summary([t["page"] - t["joined"] for t in timings])
    ws = summary([t["view"] - t["page"] for t in timings])
    late = summary(lag)
    w = 44
    print(f"Join storm: {args.phones} phones join one meeting, starts spread evenly over {args.window:g} s")
    print(machine_line())
    print(f"placement: {placement.describe(args.generators, args.phones)}")
    print("each phone: GET /j/<code>, POST /j/<code> (303), GET /r/<code>"
          + (" + its /static assets" if args.assets else "")
          + ", WebSocket upgrade, first #view frame (HTTP keep-alive connections shared per generator)")
    print(others_line(usage))
    print()
    print(fmt_row("start -> full view (first #view frame)", total, "", w))
    print(fmt_row("  join page + form post (seat cookie)", http, "", w))
    print(fmt_row("  participant page" + (" + assets" if args.assets else ""), page, "", w))
    print(fmt_row("  WebSocket upgrade -> first #view", ws, "", w))
    print(fmt_row("(scheduling lag of the load: start - plan)", late, "", w))
    print(f"  total: first start -> last phone has its view {t_last_view - t0:.2f} s "
          f"(window {args.window:g} s); board showed all {args.phones} joined {t_board - t0:.2f} s after "
          f"the first start ({1000 * (t_board - t_last_view):+.0f} ms vs the last phone)")
    print(f"  server CPU {cpu:.2f} s for {args.phones} joins = {1000 * cpu / args.phones:.1f} ms per join "
          f"({cpu / (t_last_view - t0):.0%} of one core over the storm); "
          f"store appends {m1['ip_store_appends_total'] - m0['ip_store_appends_total']:.0f}, "
          f"frames sent {m1['ip_frames_sent_total'] - m0['ip_frames_sent_total']:.0f}")
    vm = dict(line.split(":", 1) for line in rss.splitlines() if line.startswith("VmRSS") or line.startswith("VmHWM"))
    print(f"  server memory afterwards: VmRSS {vm['VmRSS'].strip()}, peak VmHWM {vm['VmHWM'].strip()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=600)
    parser.add_argument("--window", type=float, default=10.0, help="seconds over which the joins start")
    parser.add_argument("--assets", action="store_true", help="also fetch the page's /static files")
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--no-pin", action="store_true")
    run_main(lambda: main(parser.parse_args()))
