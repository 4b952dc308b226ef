"""The fair draw from the staff pages, against a real server: quotas against the panel, an
infeasible setup explained, the lottery computed in the background with progress, the list drawn
from a public seed, checked again, invited, and a replacement who keeps the quotas."""

import asyncio
import csv
import hashlib
import hmac
import io
import json
import re
import sqlite3

import pytest

from server.selection.draw import replay
from tests.support.phone import _cookies, cookie_header, http_client
from tests.support.staff import Staff
from tests.integration.test_panel import HEADER, admin

pytestmark = pytest.mark.anyio

SECRET_KEY = "test-secret-key"  # tests/conftest.py gives every server this key
GENDERS = ["kvinne", "mann"]
BACKGROUNDS = ["innvandrer", "ingen", "ingen", "ingen", "norskfødt med innvandrerforeldre"]


def panel_csv(n: int) -> bytes:
    """n members spread over gender, age, district and background (deterministic)."""
    rows = [
        f"Medlem {i};;;{1940 + (i * 7) % 65};{GENDERS[i % 2]};{320101 + (i * 5) % 22};{BACKGROUNDS[i % 5]};bokmål;v1;\n"
        for i in range(n)
    ]
    return (HEADER + "".join(rows)).encode("utf-8")


async def until_computed(staff: Staff, meeting: str) -> None:
    """Poll the progress fragment, as the page does, until it sends the browser on."""
    for _ in range(300):
        progress = await staff.get(f"{meeting}/draw/progress")
        if "hx-redirect" in progress.headers:
            return
        assert 'role="status"' in progress.text
        await asyncio.sleep(0.5)
    raise AssertionError("the lottery was not computed in 150 s")


async def test_staff_draw_a_fair_list_check_it_invite_and_replace(server):
    links = server.demo(members=0)
    code = links["code"]
    meeting = f"/staff/meetings/{code}"
    async with http_client(timeout=60) as http:
        staff = await admin(http, server, links)
        assert "120 medlemmer importert" in (await staff.upload(panel_csv(120))).text

        # An impossible setup is explained before anything is drawn.
        await staff.post(f"{meeting}/draw/setup", {"invite": "12", "history": "yes"})
        page = (await staff.get(f"{meeting}/draw")).text
        assert 'name="min:gender:female"' in page and 'role="alert"' not in page
        edits = {"invite": "12", "history": "yes", "keep_edits": "yes", "min:gender:female": "12", "max:gender:female": "12",
                 "min:gender:male": "12", "max:gender:male": "12"}
        await staff.post(f"{meeting}/draw/setup", edits)
        page = (await staff.get(f"{meeting}/draw")).text
        assert 'role="alert"' in page and "/draw/lottery" not in page
        assert "Kjønn" in re.search(r'role="alert">(.*?)</div>', page, re.S).group(1)

        # A sound setup: the lottery is computed in the background, with progress.
        await staff.post(f"{meeting}/draw/setup", {"invite": "12", "history": "yes"})
        assert (await staff.post(f"{meeting}/draw/lottery")).status_code == 303
        await until_computed(staff, meeting)
        page = (await staff.get(f"{meeting}/draw")).text
        fingerprint = re.search(r'class="fingerprint">([0-9a-f]{64})<', page).group(1)
        low = float(re.search(r"Laveste sjanse: ([0-9.]+) %", page).group(1))
        assert low > 0

        chances = list(csv.reader(io.StringIO((await staff.get(f"{meeting}/draw/chances.csv")).text.lstrip("\ufeff")), delimiter=";"))
        assert len(chances) == 121 and min(float(r[-1]) for r in chances[1:]) == pytest.approx(low, abs=0.06)

        # The seed from three dice names the ticket; the list is checked from its record.
        assert (await staff.post(f"{meeting}/draw/seed", {"seed": "042"})).status_code == 303
        page = (await staff.get(f"{meeting}/draw")).text
        assert "lodd nummer 42" in page
        document = json.loads((await staff.get(f"{meeting}/draw/document.json")).text)
        assert document["lottery_sha256"] == fingerprint and len(document["invited"]) == 12
        assert "Medlem" not in json.dumps(document)  # no names in the public record
        assert list(replay(document).invited) == document["invited"]
        assert "identiske" in (await staff.post(f"{meeting}/draw/check")).text

        # Invite them; one says no; the replacement keeps every quota.
        await staff.post(f"{meeting}/draw/invite")
        invited = invitations(server.database, code)
        assert sorted(invited) == sorted(document["invited"])
        leaving = document["invited"][0]
        link, cookies = f"{server.base}/i/{token(invited[leaving])}", {}
        letter = await http.get(link)
        _cookies(letter, cookies)
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', letter.text).group(1)
        answer = await http.post(f"{link}/answer", data={"coming": "no", "_csrf_token": csrf}, headers=cookie_header(cookies))
        assert answer.status_code == 303
        assert (await staff.post(f"{meeting}/draw/replace/{leaving}")).status_code == 303
        now = invitations(server.database, code)
        coming = set(now) - set(invited)
        assert len(coming) == 1
        replacement = coming.pop()
        categories = {c[0]: c[1] for c in document["candidates"]}
        current = [replacement if m == leaving else m for m in document["invited"]]
        for q in document["quotas"]:
            seats = sum(1 for m in current if categories[m][document["dimensions"].index(q["dimension"])] == q["category"])
            assert q["min"] <= seats <= q["max"], q


def invitations(database, code: str) -> dict[str, str]:
    """member id -> invitation id, for the meeting."""
    with sqlite3.connect(database) as db:
        found = {}
        for (data,) in db.execute("SELECT data FROM records WHERE kind = 'invitation'"):
            record = json.loads(data)
            if record["meeting"] == code:
                found[record["member"]] = record["id"]
        return found


def token(invitation_id: str) -> str:
    return hmac.new(SECRET_KEY.encode(), f"invitation:{invitation_id}".encode(), hashlib.sha256).hexdigest()[:32]
