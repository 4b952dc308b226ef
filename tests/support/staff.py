"""Someone using the site over HTTP with their own cookies (and CSRF token), such as a logged-in
member of staff or a panel member following their personal link."""

import re
from dataclasses import dataclass, field

import httpx

from tests.support.phone import _cookies, cookie_header


@dataclass
class Visitor:
    http: httpx.AsyncClient
    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    async def get(self, path: str) -> httpx.Response:
        response = await self.http.get(self.base + path, headers=cookie_header(self.cookies))
        _cookies(response, self.cookies)
        return response

    async def post(self, path: str, data: dict | None = None, files: dict | None = None, csrf: bool = True) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            form["_csrf_token"] = self.cookies["csrftoken"]
        response = await self.http.post(self.base + path, data=form, files=files, headers=cookie_header(self.cookies))
        _cookies(response, self.cookies)
        return response


@dataclass
class Staff(Visitor):
    async def upload(self, data: bytes) -> httpx.Response:
        return await self.post("/staff/panel/import", files={"file": ("panel.csv", data, "text/csv")})

    async def count(self) -> int:
        page = await self.get("/staff/panel?status=")
        return int(re.search(r"av (\d+) medlemmer|of (\d+) members", page.text).group(1) or 0)
