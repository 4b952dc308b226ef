"""Everyone who can be in a meeting, connected over real sockets: the facilitator, the board, a
phone that joined with the code, a phone that came through a personal invitation, a scribe
entering for someone without a phone, and a table host doing the same.

Used by the security tests (fuzzing every audience, role checks, the secret-ballot dump)."""

import re
import secrets
from dataclasses import dataclass, field

import httpx

from tests.support.phone import (
    Client,
    _cookies,
    _form_post,
    http_client,
    join_with_code,
    join_with_invitation,
    open_role,
)

HOST_LINK = re.compile(r'value="(https?://[^"]+/host\?key=[^"]+)"')


async def add_person(http: httpx.AsyncClient, base: str, code: str, cookies: dict, name: str, table: int = 0) -> str:
    """A person without a phone, added on the scribe page (at `table`); their pseudonym (pid)."""
    response = await _form_post(http, f"{base}/r/{code}/scribe", dict(cookies), {"name": name, "table": str(table)})
    assert response.status_code == 303, response.text[:500]
    return response.headers["location"].rsplit("/", 1)[-1]


async def host_cookies(http: httpx.AsyncClient, base: str, code: str, facilitator: dict, table: int = 0) -> dict[str, str]:
    """A table host's device: the facilitator makes the link, the device opens it."""
    console = await http.get(f"{base}/r/{code}/console", headers=_header(facilitator))
    token = re.search(r'name="_csrf_token" value="([^"]+)"', console.text).group(1)  # type: ignore[union-attr]
    cookies = dict(facilitator)
    _cookies(console, cookies)
    made = await http.post(f"{base}/r/{code}/console/hosts", data={"table": str(table), "_csrf_token": token}, headers=_header(cookies))
    assert made.status_code == 200, made.text[:300]
    link = HOST_LINK.search(made.text).group(1)  # type: ignore[union-attr]
    opened = await http.get(link)
    assert opened.status_code == 303
    device: dict[str, str] = {}
    _cookies(opened, device)
    return device


def _header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


@dataclass
class Cast:
    links: dict
    http: httpx.AsyncClient
    facilitator: Client
    board: Client
    phone: Client  # joined with the code
    invited: Client  # joined through a personal invitation
    scribe: Client  # the facilitator entering for `scribed`
    host: Client  # a table host entering for `hosted`
    scribed: str = ""
    hosted: str = ""
    host_cookies: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # short, for test reports
        return f"Cast({self.code})"

    @property
    def code(self) -> str:
        return self.links["code"]

    @property
    def clients(self) -> dict[str, Client]:
        return {
            "facilitator": self.facilitator, "board": self.board, "phone": self.phone,
            "invited": self.invited, "scribe": self.scribe, "host": self.host,
        }

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()
        await self.http.aclose()


async def cast(server, members: int = 2, phone_name: str = "Per") -> Cast:
    """A fresh demo meeting (every round type) with one of each audience connected."""
    links = server.demo(members=members)
    base, code = server.base, links["code"]
    http = http_client()
    facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
    board = await (await open_role(http, links["board"], "board")).connect()
    phone = await (await join_with_code(http, base, code, name=phone_name)).connect()
    invited = await (await join_with_invitation(http, links["participants"][0])).connect()
    scribed = await add_person(http, base, code, facilitator.cookies, "Ola")
    device = await host_cookies(http, base, code, facilitator.cookies)
    hosted = await add_person(http, base, code, device, "Kari")
    scribe = await Client(base, code, audience="scribe", query=f"&for={scribed}", cookies=facilitator.cookies).connect()
    host = await Client(base, code, audience="scribe", query=f"&for={hosted}", cookies=device).connect()
    everyone = Cast(links, http, facilitator, board, phone, invited, scribe, host, scribed, hosted, device)
    for client in everyone.clients.values():
        await client.wait_for(lambda c: c.view != "")
    return everyone


async def vote(client: Client, index: int) -> None:
    """One valid answer in round `index` of the demo plan, taken from what the client's view
    offers (ideas, questions and statements are written; everything else is voted)."""
    await client.wait_for(lambda c: f'name="round" value="{index}"' in c.view)
    view = client.view
    fields: dict[str, object]
    match index:
        case 0:
            fields = {"cmd": "post_idea", "text": f"Idé {secrets.token_hex(3)}"}
        case 1:
            fields = {"cmd": "dot", "idea": _offered(view, "idea")}
        case 2:
            fields = {"cmd": "choose", "option": 0}
        case 3:
            fields = {"cmd": "scale", "value": 3}
        case 4:
            fields = {"cmd": "consent", "level": 2}
        case 5:
            fields = {"cmd": "rank", "option": _offered(view, "option")}
        case 6:
            fields = {"cmd": "allocate", "option": 0, "delta": 1}
        case 7:
            fields = {"cmd": "ask", "text": f"Spørsmål {secrets.token_hex(3)}?"}
        case 8:
            fields = {"cmd": "rate", "statement": _offered(view, "statement"), "vote": "agree"}
        case 9:
            fields = {"cmd": "write_text", "text": f"Takk {secrets.token_hex(3)}"}
    name = str(fields.pop("cmd"))
    frame = await client.command(name, round=index, **fields)
    assert frame.result == ("ok", None), (index, frame.text[:300])


def _offered(view: str, field_name: str) -> str:
    found = re.search(rf'name="{field_name}" value="([^"]+)"', view)
    assert found, (field_name, view[:500])
    return found.group(1)
