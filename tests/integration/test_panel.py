"""The panel register over HTTP against a real server and real SQLite: logging in, roles, CSRF,
spreadsheet import and export, editing, composition, the audit log and erasure."""

import re
import sqlite3
import pytest

from tests.support.phone import cookie_header, http_client, join_with_invitation, open_role, staff_login
from tests.support.staff import Staff

pytestmark = pytest.mark.anyio

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
HEADER = "navn;epost;telefon;fødselsår;kjønn;delområde;innvandringsbakgrunn;språk;samtykkeversjon;samtykkedato\n"


async def admin(http, server, links) -> Staff:
    return Staff(http, server.base, await staff_login(http, links))


async def test_login_refuses_wrong_passwords_and_locks_after_five(server):
    links = server.demo(members=0)
    async with http_client() as http:
        with pytest.raises(AssertionError):
            await staff_login(http, links, password="wrong password")
        page = await http.post(links["staff"], data={"username": "nobody", "password": "x"})
        assert page.status_code == 403  # no CSRF token: refused before any password check
        staff = await admin(http, server, links)
        await staff.post("/staff/accounts", {"username": "lena", "name": "Lena", "role": "facilitator", "password": "a long password 1"})
        for _ in range(5):
            with pytest.raises(AssertionError):
                await staff_login(http, links, "lena", "wrong password!")
        cookies: dict[str, str] = {}
        login = await http.get(links["staff"])
        cookies["csrftoken"] = login.cookies.get("csrftoken") or re.search(r"csrftoken=([^;]+)", login.headers["set-cookie"]).group(1)
        locked = await http.post(links["staff"], data={"username": "lena", "password": "a long password 1", "_csrf_token": CSRF.search(login.text).group(1)}, headers=cookie_header(cookies))
        assert locked.status_code == 401 and "låst i 15 minutter" in locked.text


async def test_roles_anonymous_visitors_and_csrf(server):
    links = server.demo(members=0)
    async with http_client() as http:
        anonymous = await http.get(f"{server.base}/staff/panel")
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login")
        staff = await admin(http, server, links)
        made = await staff.post("/staff/accounts", {"username": "per", "name": "Per", "role": "facilitator", "password": "another long one"})
        assert made.status_code == 303
        added = await staff.post("/staff/panel/new", {"name": "Kari Nordmann", "birth_year": "1950", "gender": "female", "language": "nb"})
        member = added.headers["location"].split("?")[0]
        facilitator = Staff(http, server.base, await staff_login(http, links, "per", "another long one"))
        assert (await facilitator.get("/staff")).status_code == 200
        assert (await facilitator.get("/staff/panel")).status_code == 403
        assert (await facilitator.post(f"{member}/erase", {"confirm": "yes"})).status_code == 403
        assert (await facilitator.get("/staff/accounts")).status_code == 403
        assert (await staff.get(member)).status_code == 200  # still there
        refused = await staff.post("/staff/panel/new", {"name": "Uten token"}, csrf=False)
        assert refused.status_code == 403
        assert "Uten token" not in (await staff.get("/staff/panel")).text


async def test_a_good_spreadsheet_imports_and_a_bad_one_imports_nothing(server):
    links = server.demo(members=0)
    async with http_client() as http:
        staff = await admin(http, server, links)
        before = await staff.count()
        good = (HEADER
                + "Kari Nordmann;kari@example.no;+47 912 34 567;1957;kvinne;Østerås - Eiksmarka;ingen;bokmål;v1;01.09.2026\n"
                + "Ola Hansen;;;1990;mann;320122;innvandrer;nynorsk;v1;2026-09-02\n"
                + "Åse Ødegård;aase@example.no;;2001;Kvinne;Haslum;Norskfødt med innvandrerforeldre;;v1;\n")
        done = await staff.upload(good.encode("utf-8-sig"))
        assert done.status_code == 200 and "3 medlemmer importert" in done.text
        windows = (HEADER + "Bjørn Ærlig;bjorn@example.no;;1948;mann;Bærums Verk;ingen;bokmål;v1;\n").encode("cp1252")
        assert "1 medlem importert" in (await staff.upload(windows)).text
        assert await staff.count() == before + 4

        bad_files = {
            "wrong columns": "fornavn;etternavn\nKari;Nordmann\n",
            "bad date": HEADER + "Per;;;1950;mann;Jar;ingen;bokmål;v1;31.02.2026\n",
            "unknown district": HEADER + "Per;;;1950;mann;Atlantis;ingen;bokmål;v1;\n",
            "bad year": HEADER + "Per;;;19x0;mann;Jar;ingen;bokmål;v1;\n",
            "duplicate rows": HEADER + "Per;per@x.no;;1950;mann;Jar;ingen;bokmål;v1;\nPer;per@x.no;;1950;mann;Jar;ingen;bokmål;v1;\n",
            "already in panel": HEADER + "Kari igjen;kari@example.no;;1957;kvinne;Jar;ingen;bokmål;v1;\n",
        }
        expected = {
            "wrong columns": "Ukjent kolonne",
            "bad date": "er ikke en dato",
            "unknown district": "ikke et av kommunens delområder",
            "bad year": "er ikke et fødselsår",
            "duplicate rows": "Raden er lik rad 2",
            "already in panel": "finnes allerede i panelet",
        }
        for name, text in bad_files.items():
            refused = await staff.upload(text.encode("utf-8"))
            assert refused.status_code == 400, name
            assert "Ingenting ble importert" in refused.text, name
            assert expected[name] in refused.text, (name, re.findall(r"<td>[^<]*</td>", refused.text)[:6])
        assert await staff.count() == before + 4

        exported = await staff.get("/staff/panel/export.csv")
        assert exported.headers["content-type"].startswith("text/csv")
        text = exported.content.decode("utf-8-sig")
        assert "Kari Nordmann;kari@example.no;'+4791234567;1957;kvinne;Østerås - Eiksmarka;ingen;bokmål;;v1;01.09.2026" in text


async def test_edit_pause_withdraw_composition_and_audit_log_without_values(server):
    links = server.demo(members=0)
    async with http_client() as http:
        staff = await admin(http, server, links)
        bad = await staff.post("/staff/panel/new", {"name": "", "birth_year": "1800", "email": "ikke-epost"})
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text and "Et navn må være med" in bad.text
        added = await staff.post("/staff/panel/new", {"name": "Young Person", "birth_year": "2004", "gender": "male", "district": "320107", "background": "immigrant", "language": "en"})
        member = added.headers["location"].split("?")[0]
        saved = await staff.post(member, {"name": "Young Person", "birth_year": "2004", "gender": "male", "district": "320108", "background": "immigrant", "language": "en", "phone": "91234567"})
        assert saved.status_code == 303
        page = (await staff.get(member)).text
        assert 'value="91234567"' in page and 'value="320108" selected' in page
        await staff.post(f"{member}/status", {"status": "paused"})
        assert "Satt på pause" in (await staff.get(member)).text or "På pause" in (await staff.get(member)).text
        composition = (await staff.get("/staff/panel/composition")).text
        assert "Snarøya" in composition and "18-29" in composition
        await staff.post(f"{member}/status", {"status": "withdrawn"})
        log = (await staff.get("/staff/audit")).text
        assert "add_member" in log and "edit_member" in log and "member_withdrawn" in log
        assert "district, phone" in log
        assert "Young Person" not in log and "91234567" not in log


async def test_erasing_a_member_leaves_nothing_personal_anywhere(server):
    links = server.demo(members=1)
    async with http_client() as http:
        staff = await admin(http, server, links)
        members = (await staff.get("/staff/panel")).text
        member = re.search(r'href="(/staff/panel/m?demo-\d+|/staff/panel/[^"]+)">Demomedlem 1<', members).group(1)
        unique = {"name": "Ingrid Slettmeg", "email": "ingrid.slettmeg@example.no", "phone": "98765432"}
        await staff.post(member, {**unique, "birth_year": "1944", "gender": "female", "district": "320101", "background": "neither", "language": "nb"})

        # She takes part: joins through her invitation, writes an idea, the meeting ends.
        facilitator = await (await open_role(http, links["facilitator"], "facilitator")).connect()
        phone = await (await join_with_invitation(http, links["participants"][0])).connect()
        await facilitator.command("start_round", round=0)
        await phone.wait_for(lambda c: 'value="post_idea"' in c.view)
        await phone.command("post_idea", text="Sittebenker ved bussholdeplassen")
        await facilitator.command("end_meeting")
        await phone.close()
        await facilitator.close()
        history = await http.get(f"{links['participants'][0]}/history")
        assert "Sittebenker ved bussholdeplassen" in history.text

        exported = await staff.get(f"{member}/export.json")
        assert exported.json()["member"]["email"] == unique["email"]
        assert exported.json()["history"][0]["ideas"][0]["text"] == "Sittebenker ved bussholdeplassen"
        unconfirmed = await staff.post(f"{member}/erase", {})
        assert unconfirmed.status_code == 400
        erased = await staff.post(f"{member}/erase", {"confirm": "yes"})
        assert erased.status_code == 303
        assert (await staff.get(member)).status_code == 404
        assert (await http.get(f"{links['participants'][0]}/history")).status_code == 404
        outcome = (await staff.get(f"/staff/meetings/{links['code']}")).text
        assert "Sittebenker ved bussholdeplassen" in outcome  # the contribution stays, anonymous

    # Nothing personal remains in any table, nor in the files or the server's log.
    db = sqlite3.connect(server.database)
    dump = "\n".join(db.iterdump())
    db.close()
    for value in unique.values():
        assert value not in dump, value
    for path in server.database.parent.iterdir():
        if path.is_file():
            raw = path.read_bytes()
            for value in unique.values():
                assert value.encode() not in raw, (value, path.name)
