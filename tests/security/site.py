"""A staff member, a facilitator and a meeting over plain (synchronous) HTTP, for tests that send
many requests one after another: the form fuzzer and the CSRF sweep."""

import asyncio
import re
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from http.cookies import SimpleCookie

import httpx

from tests.support.phone import http_client, open_role

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')

# Words that say what went wrong, on the pages a refusal renders (Bokmål).
ERROR_HEADINGS = ("Noe stemte ikke", "Siden finnes ikke", "Noe gikk galt")


def cookies_of(response: httpx.Response, into: dict[str, str]) -> dict[str, str]:
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            into[name] = morsel.value
    return into


def explains_itself(response: httpx.Response) -> bool:
    """A refusal a person can read: an HTML page with a heading and a message saying what to do."""
    body = response.text
    return (
        "text/html" in response.headers.get("content-type", "")
        and "<h1" in body
        and ('data-color="danger"' in body or 'class="field-error"' in body or any(h in body for h in ERROR_HEADINGS))
    )


@dataclass
class Site:
    base: str
    links: dict
    http: httpx.Client
    cookies: dict[str, str] = field(default_factory=dict)  # the staff session and the facilitator's key

    def __repr__(self) -> str:  # short, for test reports
        return f"Site({self.code})"

    @property
    def code(self) -> str:
        return self.links["code"]

    @property
    def csrf(self) -> str:
        return self.cookies["csrftoken"]

    def header(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        jar = {**self.cookies, **(extra or {})}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.http.get(self.base + path, headers=self.header(), **kwargs)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs) -> httpx.Response:
        form = {**(data or {}), **({"_csrf_token": self.csrf} if csrf else {})}
        return self.http.post(self.base + path, data=form, headers=self.header(), **kwargs)


def log_in(http: httpx.Client, base: str, username: str, password: str) -> dict[str, str]:
    """The cookies of a staff session (and its CSRF token) after the login form."""
    page = http.get(f"{base}/staff/login")
    cookies = cookies_of(page, {})
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    done = http.post(
        f"{base}/staff/login", data={"username": username, "password": password, "_csrf_token": token},
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
    )
    assert done.status_code == 303, done.text[:300]
    return cookies_of(done, cookies)


def facilitator_cookies(links: dict) -> dict[str, str]:
    """Open the facilitator's link: its key moves into a cookie."""
    opened = httpx.get(links["facilitator"])
    assert opened.status_code == 303
    return cookies_of(opened, {})


def plain_client(**kwargs) -> httpx.Client:
    """Keeps no cookies of its own: each request carries exactly the cookies the test gives it."""
    return httpx.Client(timeout=60, cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])), **kwargs)


def site(server, members: int = 3) -> Site:
    links = server.demo(members=members)
    http = plain_client()
    cookies = log_in(http, server.base, links["staff_username"], links["staff_password"])
    return Site(server.base, links, http, {**cookies, **facilitator_cookies(links)})


def end_meeting(links: dict) -> None:
    """The facilitator ends the meeting over its socket: the outcome and histories are written."""

    async def run() -> None:
        async with http_client() as http:
            facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
            assert (await facilitator.command("end_meeting", confirm="yes")).result == ("ok", None)
            await facilitator.close()

    asyncio.run(run())
