"""Vote storm: N phones each cast their dots within about a second.

Prints acknowledgement latency (command sent -> durable answer received), the time until the
board shows every voter, and frames/flushes from the server's /metrics. The load runs in this
process; the server is a separate process (the machine has 2 cores: both share them).

    .venv/bin/python bench/vote_storm.py --phones 600
"""

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import ServerProcess  # noqa: E402
from tests.support.phone import http_client, join_with_code, open_role  # noqa: E402

PROGRESS = re.compile(r'class="progress-line"><span class="number">(\d+)<')


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def metrics(text: str) -> dict[str, float]:
    return {m[0]: float(m[1]) for m in re.findall(r"^(ip_\w+) (\S+)$", text, re.M)}


async def run(phones: int, dots: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp) / "bench.sqlite3", extra_env={"WS_BURST": "50"}).start()
        try:
            links = server.demo(members=0)
            async with http_client(timeout=60) as http:
                facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
                board = await (await open_role(http, links["board"], "board")).connect()
                author = await (await join_with_code(http, server.base, links["code"])).connect()
                await facilitator.command("start_round", round=0)
                for i in range(3):
                    await author.command("post_idea", text=f"Idé {i}")
                clients = []
                for start in range(0, phones, 50):
                    batch = [join_with_code(http, server.base, links["code"]) for _ in range(start, min(phones, start + 50))]
                    clients += await asyncio.gather(*batch)
                await asyncio.gather(*(c.connect() for c in clients))
                await facilitator.command("start_round", round=1)
                await asyncio.gather(*(c.wait_for(lambda c: 'value="dot"' in c.view, 60) for c in clients))
                ideas = re.findall(r'name="idea" value="(r0i\d)"', clients[0].view)[:3]
                before = metrics((await http.get(f"{server.base}/metrics")).text)

                latencies: list[float] = []
                spread = 1.0 / phones

                async def vote(i: int, client) -> None:
                    await asyncio.sleep(i * spread)
                    for d in range(dots):
                        sent = time.perf_counter()
                        frame = await client.command("dot", idea=ideas[(i + d) % 3], timeout=60)
                        latencies.append(time.perf_counter() - sent)
                        assert frame.result == ("ok", None), frame.text[:200]

                t0 = time.perf_counter()
                await asyncio.gather(*(vote(i, c) for i, c in enumerate(clients)))
                last_ack = time.perf_counter()
                await board.wait_for(lambda b: (m := PROGRESS.search(b.view)) is not None and int(m.group(1)) == phones, 60)
                board_done = time.perf_counter()
                after = metrics((await http.get(f"{server.base}/metrics")).text)
                delta = {k: after[k] - before.get(k, 0) for k in after}
                for c in [*clients, board, facilitator, author]:
                    await c.close()
        finally:
            server.stop()
    votes = phones * dots
    print(f"machine: {os.cpu_count()} cores; server and load generator share them")
    print(f"phones={phones} dots each={dots} votes={votes} sent over ~1 s")
    print(f"storm took {last_ack - t0:.2f} s until the last answer")
    print(f"answer latency (durable): p50 {1000 * statistics.median(latencies):.1f} ms  "
          f"p95 {1000 * pct(latencies, 0.95):.1f} ms  p99 {1000 * pct(latencies, 0.99):.1f} ms  max {1000 * max(latencies):.1f} ms")
    print(f"board showed all {phones} voters {1000 * (board_done - last_ack):.0f} ms after the last answer")
    print(f"store appends {delta['ip_store_appends_total']:.0f} for {votes} votes "
          f"({votes / max(delta['ip_store_appends_total'], 1):.1f} votes per fsync)")
    print(f"frames sent {delta['ip_frames_sent_total']:.0f}, coalesced away {delta['ip_frames_coalesced_total']:.0f}, "
          f"view flushes {delta['ip_view_flushes_total']:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--dots", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.phones, args.dots))
