"""Ideas and statements in a remote survey, against a real server: members write ideas and
statements over plain HTTP forms, staff approve or hide them, others answer the statements, and
the results and exports show each statement's weighted agreement among those who answered it.
Nothing stored links a vote to a member."""

import csv
import io
import re
import sqlite3
from datetime import date, timedelta

import pyreadstat
import pytest

from tests.integration.test_draw_pages import panel_csv
from tests.integration.test_panel import admin
from tests.integration.test_surveys import change_question, create_survey, invite
from tests.support.phone import http_client
from tests.support.staff import Staff, Visitor

pytestmark = pytest.mark.anyio
IDEAS, STATEMENTS = 4, 5  # question numbers (after the three starter questions)
SEEDS = ("Biblioteket bør ha kafé", "Det bør være stille overalt")


async def build(staff: Staff, language: str = "nb") -> str:
    """A survey with the starter questions, then an ideas question (held for approval, two ideas
    each) and a statements question with two statements (members may add one, held too)."""
    code = await create_survey(staff, "Biblioteket", language)
    for kind in ("ideas", "statements"):
        assert (await staff.post(f"/staff/surveys/{code}/questions", {"type": kind})).status_code == 303
    ideas = await change_question(staff, code, 3, title="Ideer", prompt="Hva vil du ha mer av?", moderated="on",
                                  max_per_person="2", max_length="60")
    assert ideas.status_code == 303
    statements = await change_question(staff, code, 4, title="Påstander", statements="\n".join(SEEDS),
                                       max_per_person="1")
    assert statements.status_code == 303
    return code


def vote(i: int, statement: str) -> str:
    """What respondent i answers to a statement ("" = leaves it)."""
    match statement:
        case "s1":
            return "agree" if i % 3 else "disagree"
        case "s2":
            return "" if i % 5 == 0 else ("pass" if i % 4 == 0 else "disagree")
    return "agree" if i < 12 else ""


def share(values: list[str], weights: list[float], code: str) -> tuple[float, float, int]:
    """(unweighted, weighted) share of answers equal to `code` among the non-empty, and n."""
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v != ""]
    unweighted = sum(v == code for v, _ in pairs) / len(pairs)
    weighted = sum(w for v, w in pairs if v == code) / sum(w for _, w in pairs)
    return unweighted, weighted, len(pairs)


def statement_row(results: str, subject: str, label: str) -> list[str]:
    """The cells of one row of a statement's table on the results page."""
    part = results.split(f">{subject}</h3>", 1)[1]
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', part, re.S).group(1)
    return re.findall(r"<td>(.*?)</td>", row)


async def test_members_write_ideas_and_statements_staff_moderate_and_results_are_weighted(server, tmp_path):
    links = server.demo(members=0)
    async with http_client(timeout=60) as http:
        staff = await admin(http, server, links)
        await staff.upload(panel_csv(40))
        code = await build(staff)
        preview = (await staff.get(f"/staff/surveys/{code}/preview/{IDEAS}")).text
        assert "Legg til idé" in preview and 'id="idea-text"' in preview
        preview = (await staff.get(f"/staff/surveys/{code}/preview/{STATEMENTS}")).text
        assert SEEDS[1] in preview and 'name="vote_s2" value="pass"' in preview
        tokens = await invite(staff, code, 30)
        closes = (date.today() + timedelta(days=14)).isoformat()
        assert (await staff.post(f"/staff/surveys/{code}/open", {"date": closes, "time": "12:00"})).status_code == 303

        # A member writes ideas: refusals say what to do, "Add idea" stays on the question.
        a, ta = Visitor(http, server.base), tokens[0]
        page = (await a.get(f"/i/{ta}/survey/q/{IDEAS}")).text
        assert "Hva vil du ha mer av?" in page and "Legg til idé" in page
        empty = await a.post(f"/i/{ta}/survey/q/{IDEAS}", {"text": " ", "add": "1"})
        assert empty.status_code == 400 and "Skriv noe først." in empty.text
        nothing = await a.post(f"/i/{ta}/survey/q/{IDEAS}", {"text": ""})
        assert nothing.status_code == 400 and "Svar, eller trykk" in nothing.text
        long = await a.post(f"/i/{ta}/survey/q/{IDEAS}", {"text": "x" * 61, "add": "1"})
        assert long.status_code == 400 and "høyst 60 tegn" in long.text and "x" * 61 in long.text  # kept
        added = await a.post(f"/i/{ta}/survey/q/{IDEAS}", {"text": "Kafé i andre etasje", "add": "1"})
        assert added.headers["location"] == f"/i/{ta}/survey/q/{IDEAS}?saved=1#saved"
        page = (await a.get(added.headers["location"])).text
        assert "Lagret. Du kan legge til en til" in page and "Kafé i andre etasje" in page
        assert "Venter på godkjenning fra de ansatte." in page
        moved = await a.post(f"/i/{ta}/survey/q/{IDEAS}", {"text": "Lesesal for studenter"})  # and go on
        assert moved.headers["location"] == f"/i/{ta}/survey/q/{STATEMENTS}"
        page = (await a.get(f"/i/{ta}/survey/q/{IDEAS}")).text
        assert "som dette spørsmålet tillater" in page and 'name="text"' not in page  # two is the most
        third = await a.post(f"/i/{ta}/survey/q/{IDEAS}", {"text": "En til", "add": "1"})
        assert third.status_code == 400 and "Du har skrevet 2, det meste dette spørsmålet tillater." in third.text
        assert (await a.post(f"/i/{ta}/survey/q/{IDEAS}", {})).headers["location"].endswith(f"/q/{STATEMENTS}")
        b, tb = Visitor(http, server.base), tokens[1]
        await b.get(f"/i/{tb}/survey")
        await b.post(f"/i/{tb}/survey/q/{IDEAS}", {"text": "Flere lydbøker", "add": "1"})

        # Statements: every one with three answers; a statement of one's own waits for staff.
        page = (await a.get(f"/i/{ta}/survey/q/{STATEMENTS}")).text
        assert all(s in page for s in SEEDS) and page.count('type="radio"') == 6
        sent = await a.post(f"/i/{ta}/survey/q/{STATEMENTS}",
                            {"vote_s1": "agree", "vote_s2": "disagree", "text": "Åpent til midnatt", "add": "1"})
        assert sent.headers["location"].endswith(f"/q/{STATEMENTS}?saved=1#saved")
        page = (await a.get(f"/i/{ta}/survey/q/{STATEMENTS}")).text
        assert 'value="agree" checked' in page and 'value="disagree" checked' in page
        assert "Åpent til midnatt" in page and "Venter på godkjenning fra de ansatte." in page
        assert "Legg til påstand" not in page  # one each
        await b.post(f"/i/{tb}/survey/q/{STATEMENTS}", {"text": "Bøker på flere språk", "add": "1"})
        bad = await a.post(f"/i/{ta}/survey/q/{STATEMENTS}", {"vote_s1": "maybe"})
        assert bad.status_code == 400 and "Svar enig, uenig eller vet ikke" in bad.text
        review = (await a.get(f"/i/{ta}/survey/review")).text
        assert "Kafé i andre etasje (venter på godkjenning)" in review
        assert "Biblioteket bør ha kafé: Enig" in review and "Påstandene dine: Åpent til midnatt" in review

        # Staff moderate: members cannot; staff let one idea and one statement through, hide others.
        held = (await staff.get(f"/staff/meetings/{code}")).text
        assert "Ideer og påstander fra medlemmene" in held and "Venter på godkjenning (3)" in held
        base = f"/staff/surveys/{code}/questions"
        assert f"{base}/3/items/r3i1/approve" in held and f"{base}/4/items/r4i3/approve" in held
        assert (await a.post(f"{base}/3/items/r3i1/approve")).headers["location"].startswith("/staff/login")
        for path in ("3/items/r3i1/approve", "3/items/r3i2/hide", "4/items/r4i3/approve", "4/items/r4i4/hide"):
            assert (await staff.post(f"{base}/{path}")).status_code == 303
        wrong = await staff.post(f"{base}/3/items/r9i9/approve")
        assert wrong.status_code == 400 and "Den teksten finnes ikke." in wrong.text
        page = (await staff.get(f"/staff/meetings/{code}")).text
        assert "Venter på godkjenning (1)" in page and "Vises (1)" in page and "Skjult (1)" in page
        page = (await a.get(f"/i/{ta}/survey/q/{IDEAS}")).text
        assert "De ansatte har tatt bort denne." in page

        # Others answer: question 1, and the statements (the new one too, now that it is shown).
        for i, token in enumerate(tokens[1:25], start=1):
            visitor = Visitor(http, server.base)
            page = (await visitor.get(f"/i/{token}/survey/q/{STATEMENTS}")).text
            assert (await visitor.post(f"/i/{token}/survey/q/1", {"choice": str(i % 3)})).status_code == 303
            assert "vote_r4i3" in page and "vote_r4i4" not in page  # hidden: not to answer
            votes = {f"vote_{s}": vote(i, s) for s in ("s1", "s2", "r4i3") if vote(i, s)}
            assert (await visitor.post(f"/i/{token}/survey/q/{STATEMENTS}", votes)).status_code == 303
        # Changing one's mind: only the changed answer is sent, and it replaces the old one.
        visitor = Visitor(http, server.base)
        await visitor.get(f"/i/{tokens[3]}/survey")
        await visitor.post(f"/i/{tokens[3]}/survey/q/{STATEMENTS}", {"vote_s1": "agree", "vote_s2": "disagree"})

        # Exports: a column per shown statement (1 agree, -1 disagree, 0 don't know), ideas counted.
        exported = await staff.get(f"/staff/surveys/{code}/answers/csv")
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) == 25
        assert {"q5_s1", "q5_s2", "q5_r4i3"} <= set(rows[0]) and "q5_r4i4" not in rows[0]
        assert "q4" not in rows[0]  # ideas are signed by pseudonyms: no column links them to a row
        expected = {"s1": [], "s2": [], "r4i3": []}
        for i in range(25):
            for s in expected:
                v = {"agree": "1", "disagree": "-1", "pass": "0"}.get(vote(i, s), "") if i else {"s1": "1", "s2": "-1"}.get(s, "")
                expected[s].append("1" if (i, s) == (3, "s1") else v)
        assert sorted(r["q5_s1"] for r in rows) == sorted(expected["s1"])
        assert sorted(r["q5_s2"] for r in rows) == sorted(expected["s2"])
        assert sorted(r["q5_r4i3"] for r in rows) == sorted(expected["r4i3"])
        sav = tmp_path / "answers.sav"
        sav.write_bytes((await staff.get(f"/staff/surveys/{code}/answers/sav")).content)
        frame, meta = pyreadstat.read_sav(str(sav))
        assert meta.variable_value_labels["q5_s1"] == {1.0: "Enig", -1.0: "Uenig", 0.0: "Vet ikke"}
        assert meta.column_names_to_labels["q5_r4i3"] == "Påstander: Åpent til midnatt"

        # Results: per statement the shares among those who answered it, weighted beside unweighted.
        results = (await staff.get(f"/staff/surveys/{code}/results")).text
        weights = [float(r["weight"]) for r in rows]
        for subject, column in ((SEEDS[0], "q5_s1"), (SEEDS[1], "q5_s2"), ("Åpent til midnatt", "q5_r4i3")):
            for label, value in (("Enig", "1"), ("Uenig", "-1"), ("Vet ikke", "0")):
                unweighted, weighted, n = share([r[column] for r in rows], weights, value)
                cells = statement_row(results, subject, label)
                assert cells[0] == f"{unweighted * 100:.1f} %" and cells[1] == f"{weighted * 100:.1f} %"
                assert cells[3] == str(n)
        assert statement_row(results, "Åpent til midnatt", "Enig")[3] == "11"  # rated by 11, not 25
        assert "Kafé i andre etasje" in results and "Lesesal for studenter" not in results
        assert "Flere lydbøker" not in results  # still waiting
        assert "2 personer skrev ideer." in results and "1 idé vises" in results

        # Published to the panel: the statements' agreement, not the ideas.
        await staff.post(f"/staff/surveys/{code}/close")
        await staff.post(f"/staff/surveys/{code}/publish", {"summary": "Takk for svarene."})
        said = (await a.get(f"/i/{ta}/survey/results")).text
        assert SEEDS[0] in said and "Enig" in said and "Kafé i andre etasje" not in said

    # Nothing stored links a vote to a member: votes carry the ballot, text the pseudonym, and
    # neither appears in any record; the log names no member.
    db = sqlite3.connect(server.database)
    log = "\n".join(row[0].decode() for row in db.execute("SELECT data FROM events WHERE room = ?", (code,)))
    ballots = set(re.findall(r'"ballot":"([^"]+)"', log))
    authors = set(re.findall(r'"author":"([^"]+)"', log))
    assert len(ballots) == 25 and len(authors) == 2 and not ballots & authors
    records = "\n".join(f"{kind} {key} {data.decode()}" for kind, key, data in db.execute("SELECT * FROM records"))
    assert not any(k in records for k in ballots | authors)
    member_ids = [row[0] for row in db.execute("SELECT key FROM records WHERE kind = 'member'")]
    assert member_ids and not any(m in log for m in member_ids)
    assert not re.search(r'"t":"statement_rated"[^}]*"author"', log)
