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


async def test_static_files_are_versioned_cached_and_revalidated(server):
    async with http_client() as http:
        page = await http.get(f"{server.base}/")
        links = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
        assert links and all(re.search(r"\?v=[0-9a-f]{10}$", link) for link in links)
        css = next(link for link in links if link.startswith("/static/app.css"))
        versioned = await http.get(f"{server.base}{css}", headers={"Accept-Encoding": "gzip"})
        assert versioned.status_code == 200 and versioned.headers["content-encoding"] == "gzip"
        assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "set-cookie" not in versioned.headers
        # Without the current version (a font named in a stylesheet, an old page): ask again each time.
        plain = await http.get(f"{server.base}/static/app.css")
        assert plain.headers["cache-control"] == "no-cache" and plain.text == versioned.text
        again = await http.get(f"{server.base}/static/app.css", headers={"If-None-Match": plain.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        stale = await http.get(f"{server.base}/static/app.css?v=0000000000")
        assert stale.headers["cache-control"] == "no-cache"
        for missing in ("/static/nope.css", "/static/../server/app.py", "/static/vendor"):
            assert (await http.get(f"{server.base}{missing}")).status_code == 404
