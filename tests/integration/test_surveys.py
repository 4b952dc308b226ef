"""A remote survey against a real server: staff build it (with a follow-up question shown only
after certain answers and an "Other" option), invite part of the panel, open it; members answer
over several visits through their personal links; nobody answers twice or from outside the
group; the results are weighted, and nothing stored links an answer to a member."""

import csv
import email
import email.policy
import io
import json
import re
import sqlite3
from datetime import date, timedelta

import openpyxl
import pyreadstat
import pytest
from aiosmtpd.controller import Controller

from server.panel.population import dimensions
from tests.conftest import ServerProcess, free_port
from tests.integration.test_draw_pages import invitations, panel_csv, token, until_computed
from tests.integration.test_panel import HEADER, admin
from tests.support.forms import form_fields
from tests.support.phone import http_client
from tests.support.staff import Staff, Visitor

pytestmark = pytest.mark.anyio
POPULATION = sum(dimensions()[0].counts.values())  # adults, the first margin the weights meet


async def create_survey(staff: Staff, title: str = "Biblioteket", language: str = "nb") -> str:
    created = await staff.post("/staff/surveys/new", {"title": title, "description": "Vi vil høre fra deg.", "language": language})
    assert created.status_code == 303
    return created.headers["location"].rsplit("/", 1)[-1]


async def change_question(staff: Staff, code: str, index: int, **changes: str) -> object:
    path = f"/r/{code}/console/rounds/{index}"
    fields = form_fields((await staff.get(path)).text, path)
    return await staff.post(path, fields | {f"f_{k}": v for k, v in changes.items()})


async def invite(staff: Staff, code: str, how_many: int) -> list[str]:
    """Invite the first `how_many` members listed; their personal links."""
    ids = re.findall(r'name="member" value="([^"]+)"', (await staff.get(f"/staff/meetings/{code}/invitees")).text)
    assert len(ids) >= how_many
    await staff.post(f"/staff/meetings/{code}/invite", {"member": ids[:how_many]})
    rows = list(csv.DictReader(io.StringIO((await staff.get(f"/staff/meetings/{code}/invitations.csv")).text.lstrip("\ufeff")), delimiter=";"))
    return [row["lenke"].split("/i/", 1)[1] for row in rows]


async def test_a_survey_built_opened_answered_over_visits_and_weighted(server, tmp_path):
    links = server.demo(members=0)
    async with http_client(timeout=60) as http:
        staff = await admin(http, server, links)
        await staff.upload(panel_csv(60))
        code = await create_survey(staff)
        page = (await staff.get(f"/staff/meetings/{code}")).text
        assert "Ikke åpnet ennå" in page or "Not open yet" in page

        # Question 2 only for those who use the library every week or month; question 1 gets "Other".
        assert (await change_question(staff, code, 0, other="on")).status_code == 303
        refused = await change_question(staff, code, 1, show_if_round="3", show_if_options="1")
        assert refused.status_code == 400 and "avstemning som kommer før" in refused.text
        assert (await change_question(staff, code, 1, show_if_round="1", show_if_options="1\n2")).status_code == 303
        page = (await staff.get(f"/staff/meetings/{code}")).text
        assert "svarte 1, 2 på spørsmål 1" in page or "option 1, 2 in question 1" in page
        preview = await staff.get(f"/staff/surveys/{code}/preview/1")
        assert preview.status_code == 200 and 'value="4"' in preview.text  # the "Other" choice

        tokens = await invite(staff, code, 40)
        assert len(tokens) == 40
        member = Visitor(http, server.base)
        early = await member.get(f"/i/{tokens[0]}/survey")
        assert early.status_code == 200 and "ikke åpnet ennå" in early.text

        closes = (date.today() + timedelta(days=14)).isoformat()
        assert (await staff.post(f"/staff/surveys/{code}/open", {"date": closes, "time": "12:00"})).status_code == 303
        # Once open, the questions are fixed.
        assert (await change_question(staff, code, 2, title="Ny")).status_code == 400

        # A member answers question 1, stops, and comes back another day on another device.
        assert (await member.get(f"/i/{tokens[0]}")).headers["location"] == f"/i/{tokens[0]}/survey"
        nothing = await member.post(f"/i/{tokens[0]}/survey/q/1", {})
        assert nothing.status_code == 400 and "Svar, eller trykk" in nothing.text
        other = await member.post(f"/i/{tokens[0]}/survey/q/1", {"choice": "4"})
        assert other.status_code == 400 and "Skriv hva det andre svaret ditt er" in other.text
        moved = await member.post(f"/i/{tokens[0]}/survey/q/1", {"choice": "0"})
        assert moved.headers["location"] == f"/i/{tokens[0]}/survey/q/2"
        later = Visitor(http, server.base)
        intro = (await later.get(f"/i/{tokens[0]}/survey")).text
        assert "Du har svart på 1 av 3" in intro and "Fortsett der jeg slapp" in intro
        question = (await later.get(f"/i/{tokens[0]}/survey/q/1")).text
        assert re.search(r'value="0" checked', question)  # the earlier answer is kept
        assert (await later.post(f"/i/{tokens[0]}/survey/q/2", {"value": "4"})).status_code == 303
        await later.post(f"/i/{tokens[0]}/survey/q/3", {"text": "Lengre åpningstider <script>alert(1)</script>"})
        review = (await later.get(f"/i/{tokens[0]}/survey/review")).text
        assert "Hver uke" in review and "&lt;script&gt;" in review and "<script>alert" not in review
        sent = await later.post(f"/i/{tokens[0]}/survey/review")
        assert sent.headers["location"].endswith("/survey/receipt")
        receipt = (await later.get(f"/i/{tokens[0]}/survey/receipt")).text
        assert "Takk! Svarene dine er sendt." in receipt

        # Someone who never uses the library is not asked question 2.
        skipper = Visitor(http, server.base)
        await skipper.get(f"/i/{tokens[1]}/survey")
        assert (await skipper.post(f"/i/{tokens[1]}/survey/q/1", {"choice": "3"})).headers["location"].endswith("/q/2")
        intro = (await skipper.get(f"/i/{tokens[1]}/survey")).text
        assert "Du har svart på 1 av 2" in intro  # question 2 dropped out
        direct = await skipper.post(f"/i/{tokens[1]}/survey/q/2", {"text": "Hei"})
        assert direct.status_code == 303  # question 2 for them is the free text
        # Answering twice is answering again: still one answer per member.
        await skipper.post(f"/i/{tokens[1]}/survey/q/2", {"text": "=HYPERLINK(\"http://x\")"})

        # More members answer, so the results have groups to weigh.
        for n, token in enumerate(tokens[2:30]):
            visitor = Visitor(http, server.base)
            await visitor.get(f"/i/{token}/survey")
            assert (await visitor.post(f"/i/{token}/survey/q/1", {"choice": str(n % 2)})).status_code == 303
            assert (await visitor.post(f"/i/{token}/survey/q/2", {"value": str(1 + n % 5)})).status_code == 303

        # Staff type in a paper form for someone without a smartphone: it counts as theirs, marked.
        paper = re.findall(r'/staff/surveys/\w+/paper/(\w+)"', (await staff.get(f"/staff/meetings/{code}/invitees")).text)
        typed = await staff.post(f"/staff/surveys/{code}/paper/{paper[30]}")
        assert typed.headers["location"] == f"/i/{tokens[30]}/survey"
        assert "Du fører inn papirsvarene" in (await staff.get(f"/i/{tokens[30]}/survey/q/1")).text
        await staff.post(f"/i/{tokens[30]}/survey/q/1", {"choice": "1"})
        await staff.post(f"/i/{tokens[30]}/survey/q/2", {"value": "2"})
        await staff.post(f"/i/{tokens[30]}/survey/review")
        assert "Du fører inn" not in (await member.get(f"/i/{tokens[31]}/survey")).text

        # Outside the group: a made-up link, a live meeting's join code, and a member who is not invited.
        assert (await member.get("/i/" + "x" * 43 + "/survey")).status_code == 404
        assert (await member.get(f"/j/{code}")).status_code == 403

        results = (await staff.get(f"/staff/surveys/{code}/results")).text
        assert "31 personer har svart" in results
        assert re.search(r"Designeffekt</dt><dd>\d\.\d\d", results)
        assert "Lengre åpningstider &lt;script&gt;" in results
        answered = re.search(r"1\. How often do you use the library\?|1\. Hvor ofte bruker du biblioteket\?", results)
        assert answered is not None
        assert "30 svar." in results  # question 2: 31 answered question 1, one was not asked

        exported = await staff.get(f"/staff/surveys/{code}/answers/csv")
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) == 31 and rows[0]["respondent"] == "R0001"
        assert sum(float(r["weight"]) for r in rows) == pytest.approx(POPULATION, rel=1e-9)
        assert "'=HYPERLINK" in exported.text and "Medlem" not in exported.text
        assert {r["q2"] for r in rows} >= {"", "1", "5"}  # one was not asked question 2
        workbook = openpyxl.load_workbook(io.BytesIO((await staff.get(f"/staff/surveys/{code}/answers/xlsx")).content))
        sheet = workbook.worksheets[0]
        cells = [c for row in sheet.iter_rows() for c in row]
        assert any(isinstance(c.value, str) and c.value.startswith("=HYPERLINK") for c in cells)
        assert all(c.data_type != "f" for c in cells)  # text, never a formula
        assert workbook.worksheets[1]["A2"].value == "respondent"
        sav = tmp_path / "answers.sav"
        sav.write_bytes((await staff.get(f"/staff/surveys/{code}/answers/sav")).content)
        frame, meta = pyreadstat.read_sav(str(sav))
        assert len(frame) == 31 and meta.column_names_to_labels["q1"] == "Hvor ofte bruker du biblioteket?"
        assert meta.variable_value_labels["q1"][1.0] == "Hver uke"
        assert frame["weight"].sum() == pytest.approx(POPULATION, rel=1e-9)

        early = await staff.post(f"/staff/surveys/{code}/publish", {"summary": "Takk!"})
        assert early.status_code == 400 and "Avslutt spørreundersøkelsen før" in early.text
        await staff.post(f"/staff/surveys/{code}/close")
        await staff.post(f"/staff/surveys/{code}/publish", {"summary": "Vi utvider åpningstidene fra mars."})
        history = (await member.get(f"/i/{tokens[0]}/history")).text
        assert "Du svarte på denne spørreundersøkelsen" in history
        said = (await member.get(re.search(r'href="(/i/\w+/survey/results)"', history).group(1))).text
        assert "Vi utvider åpningstidene fra mars." in said and "Hver uke" in said
        assert "Lengre åpningstider" not in said  # free text stays with staff
        closed = await member.post(f"/i/{tokens[5]}/survey/q/1", {"choice": "1"})
        assert closed.headers["location"] == f"/i/{tokens[5]}/survey"
        assert "avsluttet" in (await member.get(f"/i/{tokens[5]}/survey")).text

    # Nothing stored links an answer to a member: the log names no member, and the ballots are
    # in no record.
    db = sqlite3.connect(server.database)
    log = "\n".join(row[0].decode() for row in db.execute("SELECT data FROM events WHERE room = ?", (code,)))
    assert "Lengre åpningstider" in log
    member_ids = [row[0] for row in db.execute("SELECT key FROM records WHERE kind = 'member'")]
    assert member_ids and not any(m in log for m in member_ids)
    ballots = set(re.findall(r'"ballot":"([^"]+)"', log))
    records = "\n".join(f"{kind} {key} {data.decode()}" for kind, key, data in db.execute("SELECT * FROM records"))
    assert len(ballots) == 31 and not any(b in records for b in ballots)
    assert log.count('"t":"scribe_entry"') == 2  # the two paper answers, naming neither staff nor member


class Inbox:
    """What a real SMTP server (aiosmtpd) on this machine received."""

    def __init__(self) -> None:
        self.mails: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    if not controller.loop.is_closed():  # the test may have stopped it
        controller.stop()


def members_csv(with_email: int, without: int) -> bytes:
    rows = [
        f"Medlem {i};{'m%d@example.no' % i if i < with_email else ''};;{1950 + i};{'kvinne' if i % 2 else 'mann'};320101;ingen;{'nynorsk' if i == 0 else 'bokmål'};v1;\n"
        for i in range(with_email + without)
    ]
    return (HEADER + "".join(rows)).encode("utf-8")


async def test_invitations_and_reminders_by_email_reach_only_those_they_concern(tmp_path, smtp):
    controller, inbox = smtp
    server = ServerProcess(tmp_path / "panel.sqlite3", extra_env={
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "SMTP_FROM": "panel@kommune.example",
        "SMTP_SECURITY": "none",
    }).start()
    try:
        links = server.demo(members=0)
        async with http_client(timeout=60) as http:
            staff = await admin(http, server, links)
            await staff.upload(members_csv(with_email=8, without=4))
            code = await create_survey(staff, "Parkene")
            tokens = await invite(staff, code, 12)
            closes = (date.today() + timedelta(days=7)).isoformat()
            await staff.post(f"/staff/surveys/{code}/open", {"date": closes, "time": "12:00"})

            page = (await staff.post(f"/staff/surveys/{code}/mail", {"kind": "invitation"})).text
            assert "E-poster sendt: 8" in page and "uten e-postadresse (send dem et brev): 4" in page
            assert sorted(m["To"] for m in inbox.mails) == sorted(f"m{i}@example.no" for i in range(8))
            nynorsk = next(m for m in inbox.mails if m["To"] == "m0@example.no")
            assert "Hei Medlem 0," in nynorsk.get_content() and "Parkene" in nynorsk["Subject"]
            links_sent = {m["To"]: re.search(r"/i/(\S+)", m.get_content()).group(1) for m in inbox.mails}
            assert set(links_sent.values()) <= set(tokens)

            # Two answer and send; a third answers without sending. The reminder skips the two.
            for address in ("m1@example.no", "m2@example.no", "m3@example.no"):
                visitor = Visitor(http, server.base)
                token = links_sent[address]
                await visitor.get(f"/i/{token}/survey")
                await visitor.post(f"/i/{token}/survey/q/1", {"choice": "1"})
                if address != "m3@example.no":
                    await visitor.post(f"/i/{token}/survey/review")
            inbox.mails.clear()
            page = (await staff.post(f"/staff/surveys/{code}/mail", {"kind": "reminder"})).text
            assert "E-poster sendt: 6" in page
            assert sorted(m["To"] for m in inbox.mails) == sorted(f"m{i}@example.no" for i in (0, 3, 4, 5, 6, 7))
            assert all(m["Subject"].startswith(("Påminning", "Påminnelse")) for m in inbox.mails)

            # Letters for the rest: those without e-mail who have not sent their answers.
            letters = (await staff.get(f"/staff/meetings/{code}/letters?without_email=1&not_sent=1")).text
            assert letters.count('class="letter"') == 4 and "Medlem 8" in letters and "Medlem 1<" not in letters

        # With the mail server gone, nothing is sent and staff are told so.
        controller.stop()
        async with http_client(timeout=60) as http:
            staff = await admin(http, server, links)
            page = await staff.post(f"/staff/surveys/{code}/mail", {"kind": "reminder"})
            assert page.status_code == 400 and "E-posttjeneren svarte ikke" in page.text
    finally:
        server.stop()


async def test_a_survey_sent_to_a_fair_draw_of_the_panel(server):
    """The group can be a fair draw: only the drawn members get a link, and they can answer."""
    links = server.demo(members=0)
    async with http_client(timeout=60) as http:
        staff = await admin(http, server, links)
        await staff.upload(panel_csv(60))
        code = await create_survey(staff, "Trukket utvalg")
        survey = f"/staff/meetings/{code}"
        await staff.post(f"{survey}/draw/setup", {"invite": "10", "history": "yes"})
        assert (await staff.post(f"{survey}/draw/lottery")).status_code == 303
        await until_computed(staff, survey)
        await staff.post(f"{survey}/draw/seed", {"seed": "17"})
        document = json.loads((await staff.get(f"{survey}/draw/document.json")).text)
        await staff.post(f"{survey}/draw/invite")
        drawn = invitations(server.database, code)
        assert sorted(drawn) == sorted(document["invited"]) and len(drawn) == 10
        closes = (date.today() + timedelta(days=3)).isoformat()
        await staff.post(f"/staff/surveys/{code}/open", {"date": closes, "time": "12:00"})
        member = Visitor(http, server.base)
        first = token(next(iter(drawn.values())))
        await member.get(f"/i/{first}/survey")
        assert (await member.post(f"/i/{first}/survey/q/1", {"choice": "0"})).status_code == 303
        assert "1 person har svart" in (await staff.get(f"/staff/surveys/{code}/results")).text
