"""A logged-in member of staff over HTTP, with the session's cookies and CSRF token."""

import re
from dataclasses import dataclass, field

import httpx

from tests.support.phone import cookie_header


@dataclass
class Staff:
    http: httpx.AsyncClient
    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(self.base + path, headers=cookie_header(self.cookies))

    async def post(self, path: str, data: dict | None = None, files: dict | None = None, csrf: bool = True) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            form["_csrf_token"] = self.cookies["csrftoken"]
        return await self.http.post(self.base + path, data=form, files=files, headers=cookie_header(self.cookies))

    async def upload(self, data: bytes) -> httpx.Response:
        return await self.post("/staff/panel/import", files={"file": ("panel.csv", data, "text/csv")})

    async def count(self) -> int:
        page = await self.get("/staff/panel?status=")
        return int(re.search(r"av (\d+) medlemmer|of (\d+) members", page.text).group(1) or 0)
