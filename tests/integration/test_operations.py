"""Health, metrics and the headers every response carries."""

import re

import pytest

from tests.support.phone import http_client, join_with_code

pytestmark = pytest.mark.anyio


def metric(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, name
    return float(m.group(1))


async def test_health_and_metrics_report_what_happens(server):
    links = server.demo(members=0)
    async with http_client() as http:
        health = await http.get(f"{server.base}/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        before = (await http.get(f"{server.base}/metrics")).text
        phone = await (await join_with_code(http, server.base, links["code"])).connect()
        await phone.command("post_idea", text="for tidlig")
        after = (await http.get(f"{server.base}/metrics")).text
        assert metric(after, "ip_commands_total") == metric(before, "ip_commands_total") + 1
        assert metric(after, "ip_commands_rejected_total") == metric(before, "ip_commands_rejected_total") + 1
        assert metric(after, 'ip_open_sockets{audience="participant"}') >= 1
        assert metric(after, "ip_frames_sent_total") > metric(before, "ip_frames_sent_total")
        await phone.close()


async def test_pages_carry_security_headers_and_are_compressed(server):
    async with http_client() as http:
        page = await http.get(f"{server.base}/", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["x-content-type-options"] == "nosniff"
        script = await http.get(f"{server.base}/static/vendor/htmx.min.js", headers={"Accept-Encoding": "gzip"})
        assert script.status_code == 200 and script.headers["content-encoding"] == "gzip"
        missing = await http.get(f"{server.base}/no/such/page")
        assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
