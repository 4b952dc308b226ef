"""The browser-facing defences, route by route from the app's own route table (so a new route is
covered the day it is added): CSRF on every POST, the security headers on every page type,
cookies that scripts cannot read and that stay on HTTPS behind TLS, no inline script anywhere,
and WebSockets only from our own pages."""

import hashlib
import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from server.app import create_app
from server.settings import Settings
from tests.conftest import ServerProcess
from tests.security.site import CSRF, cookies_of, explains_itself, log_in, plain_client, site
from tests.support.cast import cast
from tests.support.phone import cookie_header

ROOT = Path(__file__).resolve().parents[2]
FORM_EXPIRED_NB = "Dette skjemaet er utløpt"


@pytest.fixture(scope="module")
def routes() -> dict[str, set[str]]:
    """method -> paths, as the app serves them."""
    app = create_app(Settings(database_path=":memory:", secret_key="x"))
    found: dict[str, set[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", ()):
                found.setdefault(method, set()).add(route.path)
    return found


@pytest.fixture(scope="module")
def here(server):
    s = site(server)
    checkin = s.get(f"/staff/meetings/{s.code}/checkin").text
    params = {
        "code": s.code, "token": s.links["participants"][0].rsplit("/", 1)[-1], "index": "0",
        "invitation_id": re.search(r"/checkin/([0-9a-f]+)", checkin).group(1),  # type: ignore[union-attr]
        "member_id": "demo-0001", "member": "demo-0001", "pid": "nobody",
        "file_path": "app.css", "name": "app.css",
        "number": "1", "item": "x", "action": "approve", "kind": "csv",
    }
    return s, params


def fill(path: str, params: dict) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: params[m.group(1)], path)


def store_digest(database: Path) -> str:
    """Everything the store holds, as one hash."""
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
            for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_post_route_refuses_a_form_without_its_token(server, routes, here):
    s, params = here
    # A token that is real, but another browser's: double-submit means it must match the cookie.
    other = httpx.get(f"{server.base}/staff/login")
    foreign = CSRF.search(other.text).group(1)  # type: ignore[union-attr]
    before = store_digest(server.database)
    assert routes["POST"], "no POST routes found"
    for path in sorted(routes["POST"]):
        url = s.base + fill(path, params)
        for form in ({"name": "x", "confirm": "yes"}, {"name": "x", "confirm": "yes", "_csrf_token": foreign}):
            refused = s.http.post(url, data=form, headers=s.header())
            assert refused.status_code == 403, (path, refused.status_code)
            assert explains_itself(refused) and FORM_EXPIRED_NB in refused.text, (path, refused.text[:500])
    # Nothing anywhere in the store changed.
    assert store_digest(server.database) == before


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_page_type_carries_the_security_headers(server, routes, here):
    s, params = here
    urls = [fill(path, params) for path in sorted(routes["GET"])]
    urls += ["/no/such/page", "/static/vendor/htmx.min.js", "/r/NOPE00/console", "/staff/panel/nobody"]
    seen = set()
    for url in urls:
        for who in (s.header(), {}):  # as staff with the facilitator's key, and as a stranger
            response = s.http.get(s.base + url, headers=who)
            seen.add(response.status_code)
            check_headers(response, url)
    response = s.http.put(s.base + "/", headers=s.header())  # a method no route takes
    check_headers(response, "PUT /")
    seen.add(response.status_code)
    assert {200, 303, 403, 404, 405} <= seen, seen


def check_headers(response: httpx.Response, url: str) -> None:
    policy = response.headers.get("content-security-policy", "")
    directives = dict((d.split(" ", 1) + [""])[:2] for d in (x.strip() for x in policy.split(";")) if d)
    assert directives.get("default-src") == "'self'", (url, policy)
    assert directives.get("script-src") == "'self'", (url, policy)
    assert directives.get("style-src") == "'self'", (url, policy)
    assert directives.get("frame-ancestors") == "'none'", (url, policy)
    assert directives.get("form-action") == "'self'" and directives.get("base-uri") == "'self'", (url, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (url, policy)
    assert response.headers.get("referrer-policy") == "no-referrer", url
    assert response.headers.get("x-content-type-options") == "nosniff", url
    assert response.headers.get("x-frame-options") == "DENY", url


def test_no_template_has_inline_script_style_or_event_handlers():
    """The CSP would block them; this says where, before a browser has to."""
    problems = []
    for template in sorted((ROOT / "web" / "templates").rglob("*.html")):
        text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", "", template.read_text(), flags=re.S)  # markup only
        for pattern, what in (
            (r"<script(?![^>]*\bsrc=)[^>]*>", "inline script"),
            (r"\son[a-z]+\s*=", "event handler attribute"),
            (r"\sstyle\s*=", "style attribute"),
            (r"<style\b", "style element"),
            (r"javascript:", "javascript: URL"),
        ):
            for m in re.finditer(pattern, text, re.I):
                problems.append(f"{template.relative_to(ROOT)}: {what}: {m.group(0)}")
    assert not problems, "\n".join(problems)


def test_the_api_schema_pages_are_not_served(server):
    for path in ("/schema", "/schema/swagger", "/schema/openapi.json"):
        assert httpx.get(server.base + path).status_code == 404, path


COOKIE_FLAGS = re.compile(r";\s*")


def set_cookies(response: httpx.Response) -> list[tuple[str, set[str]]]:
    out = []
    for header in response.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0]
        flags = {part.split("=")[0].strip().lower() + ("=" + part.split("=", 1)[1].lower() if part.lower().startswith("samesite") else "") for part in COOKIE_FLAGS.split(header)[1:]}
        out.append((name, flags))
    return out


async def every_cookie(server, base: str) -> dict[str, set[str]]:
    """Set-Cookie of every cookie the app hands out, by name, from the pages that set them."""
    links = server.demo(members=1)
    local = {k: (v.replace(base, server.base) if isinstance(v, str) else [x.replace(base, server.base) for x in v]) for k, v in links.items()}
    seen: dict[str, set[str]] = {}
    http = plain_client(headers={"X-Forwarded-Proto": "https"} if base.startswith("https") else {})

    def note(response: httpx.Response) -> httpx.Response:
        for name, flags in set_cookies(response):
            seen[name.split("_" + local["code"])[0]] = flags
        return response

    join = note(http.get(f"{server.base}/j/{local['code']}"))
    jar = cookies_of(join, {})
    token = CSRF.search(join.text).group(1)  # type: ignore[union-attr]
    nonce = re.search(r'name="join_nonce" value="([^"]+)"', join.text).group(1)  # type: ignore[union-attr]
    note(http.post(f"{server.base}/j/{local['code']}", data={"_csrf_token": token, "join_nonce": nonce}, headers=cookie_header(jar)))
    invitation = note(http.get(local["participants"][0]))
    jar = cookies_of(invitation, {})
    note(http.post(local["participants"][0], data={"_csrf_token": CSRF.search(invitation.text).group(1)}, headers=cookie_header(jar)))  # type: ignore[union-attr]
    facilitator = cookies_of(note(http.get(local["facilitator"])), {})
    note(http.get(local["board"]))
    note(http.get(f"{server.base}/lang", params={"to": "en"}))
    staff = log_in(http, server.base, local["staff_username"], local["staff_password"])
    note(http.post(f"{server.base}/staff/logout", data={"_csrf_token": staff["csrftoken"]}, headers=cookie_header(staff)))
    note(http.post(f"{server.base}/staff/login", data={}, headers={}))  # refused, sets nothing new
    console = http.get(f"{server.base}/r/{local['code']}/console", headers=cookie_header(facilitator))
    made = http.post(
        f"{server.base}/r/{local['code']}/console/hosts",
        data={"table": "0", "_csrf_token": CSRF.search(console.text).group(1)},  # type: ignore[union-attr]
        headers=cookie_header(cookies_of(console, dict(facilitator))),
    )
    host_link = re.search(r'value="(https?://[^"]+/host\?key=[^"]+)"', made.text).group(1).replace(base, server.base)  # type: ignore[union-attr]
    note(http.get(host_link))
    # The staff session cookie is set by a successful login.
    page = http.get(f"{server.base}/staff/login")
    done = http.post(
        f"{server.base}/staff/login",
        data={"username": local["staff_username"], "password": local["staff_password"], "_csrf_token": CSRF.search(page.text).group(1)},  # type: ignore[union-attr]
        headers=cookie_header(cookies_of(page, {})),
    )
    note(done)
    return seen


EVERY_COOKIE = {"csrftoken", "ip_seat", "ip_facilitator", "ip_board", "ip_host", "ip_staff_session", "lang"}


@pytest.mark.anyio
async def test_cookies_are_httponly_and_samesite_and_not_secure_on_plain_http(server):
    seen = await every_cookie(server, server.base)
    assert set(seen) == EVERY_COOKIE, seen
    for name, flags in seen.items():
        assert "httponly" in flags and "samesite=lax" in flags and "path" in flags, (name, flags)
        assert "secure" not in flags, name  # a Secure cookie would never come back over http
    assert "strict-transport-security" not in httpx.get(server.base + "/").headers


@pytest.mark.anyio
async def test_behind_tls_every_cookie_is_secure_and_browsers_are_told_to_stay_on_https(tmp_path):
    public = "https://panel.example.no"
    tls = ServerProcess(tmp_path / "tls.sqlite3", extra_env={"BASE_URL": public}).start()
    try:
        seen = await every_cookie(tls, public)
        assert set(seen) == EVERY_COOKIE, seen
        for name, flags in seen.items():
            assert {"httponly", "samesite=lax", "secure"} <= flags, (name, flags)
        hsts = httpx.get(tls.base + "/", headers={"X-Forwarded-Proto": "https"}).headers["strict-transport-security"]
        assert "max-age=31536000" in hsts
    finally:
        tls.stop()


@pytest.mark.anyio
@pytest.mark.parametrize("origin", [
    "https://evil.example", "null", "http://127.0.0.1.evil.example", "http://localhost:1", "file://",
])
async def test_a_socket_opened_from_another_site_is_refused(server, origin):
    everyone = await cast(server)
    ws = server.base.replace("http", "ws")
    for client in everyone.clients.values():
        with pytest.raises(InvalidStatus) as refused:
            await connect(client.ws_url.replace(server.base.replace("http", "ws"), ws),
                          additional_headers={**cookie_header(client.cookies), "Origin": origin})
        assert refused.value.response.status_code == 403
    # The same cookies from our own page's origin are welcome.
    async with connect(everyone.phone.ws_url, additional_headers={**cookie_header(everyone.phone.cookies), "Origin": server.base}) as ok:
        assert 'id="view"' in await ok.recv()
    await everyone.close()
