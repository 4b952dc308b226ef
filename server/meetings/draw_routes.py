"""Staff pages for a meeting's fair invitation draw: set it up, see the quotas against the panel,
compute the lottery (with progress), give the seed, see the list, reserves and chances, invite,
and replace those who decline."""

import csv
import io
import json
from datetime import UTC, datetime

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from server.audit import record as audit
from server.i18n import translator
from server.meetings import draws
from server.meetings.invitations import invitations_to, invite
from server.pages import language_of, page
from server.panel.composition import LABELS
from server.panel.csv_io import spreadsheet_safe
from server.panel.population import dimensions
from server.selection.draw import ReplayError, lottery_from_document, replay
from server.staff.accounts import Role, staff_or_refusal
from server.store.records import DrawRecord, Meeting, StaffUser

MAX_INVITE = 1000
MAX_SEED_LENGTH = 64


async def _staff_meeting(request: Request, code: str) -> tuple[StaffUser, Meeting] | Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    meeting = await request.app.state.store.get(Meeting, code)
    if meeting is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    return user, meeting


def _labeller(language: str):
    """(dimension, category) -> words in the reader's language."""
    _ = translator(language)
    titles = {d.key: _(d.label) for d in dimensions()}

    def label(dimension: str, category: str = "") -> str:
        if not category:
            return titles.get(dimension, dimension)
        text, translate = LABELS.get(dimension, {}).get(category, (category or _("Not stated"), False))
        return _(text) if translate else text

    return label


def _int(value: object, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(str(value).strip()), low), high)
    except (TypeError, ValueError):
        return default


def _setup(record: DrawRecord) -> draws.Setup:
    return draws.Setup(record.invite, record.tolerance_seats, record.tolerance_percent, record.history,
                       tuple(tuple(e) for e in record.edits))  # type: ignore[misc]


async def _draw_page(request: Request, user: StaffUser, meeting: Meeting, record: DrawRecord,
                     message: str = "", status: int = 200) -> Template:
    store = request.app.state.store
    found, members = await draws.candidates(store, meeting)
    language = language_of(request)
    label = _labeller(language)
    context: dict[str, object] = {}
    if record.status == "planned":
        plan = draws.make_plan(found, _setup(record))
        pool = {}
        for t, cats in enumerate(plan.table.categories):
            for d, c in zip(plan.table.dimensions, cats):
                pool[(d, c)] = pool.get((d, c), 0) + int(plan.table.sizes[t])
        _ = translator(language)
        def said(found) -> str:  # a Shortfall or a Binding, in words, with its groups named
            named = {"dimension": label(found.dimension), "category": label(found.dimension, found.category) if found.category else ""}
            return _(found.message, **found.params | named)

        bindings = [said(b) for b in plan.bound.floor_binding[:5]] if plan.bound else []
        context |= {"plan": plan, "pool": pool, "problems": [said(s) for s in plan.problems], "bindings": bindings}
    if record.status in ("ready", "drawn") and record.lottery is not None:
        lottery = lottery_from_document(record.lottery)
        context |= {"chances": lottery.probabilities, "naive": record.lottery.get("naive")}
    if record.status == "drawn" and record.result is not None:
        invitations = {i.member: i for i in await invitations_to(store, meeting.code)}
        categories = {c[0]: c[1] for c in record.result["candidates"]}
        context |= {"invitations": invitations, "categories": categories}
    running_for = (datetime.now(UTC) - record.started_at).total_seconds() if record.started_at else 0
    return page(
        request, "staff/draw.html", status_code=status, user=user, meeting=meeting, draw=record, members=members,
        eligible=len(found), label=label, message=message, refused=status >= 400, running_for=int(running_for), **context,
    )


async def _record(request: Request, meeting: Meeting) -> DrawRecord:
    return await request.app.state.store.get(DrawRecord, meeting.code) or DrawRecord(meeting=meeting.code)


@get("/staff/meetings/{code:str}/draw", name="draw")
async def draw_page(request: Request, code: str) -> Template | Redirect:
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    user, meeting = found
    return await _draw_page(request, user, meeting, await _record(request, meeting))


@get("/staff/meetings/{code:str}/draw/progress", name="draw-progress")
async def draw_progress(request: Request, code: str) -> Template | Response:
    """Polled while the lottery is computed: the progress line, or a full reload when done."""
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return Response("", status_code=403)
    record = await _record(request, found[1])
    if record.status != "running":
        return Response("", headers={"HX-Redirect": f"/staff/meetings/{code}/draw"})
    seconds = int((datetime.now(UTC) - record.started_at).total_seconds()) if record.started_at else 0
    return page(request, "staff/_draw_progress.html", meeting=found[1], running_for=seconds)


@post("/staff/meetings/{code:str}/draw/setup", name="draw-setup")
async def draw_setup(request: Request, code: str) -> Template | Redirect:
    """Number to invite, tolerance, history and quota edits: back to the quotas page."""
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    user, meeting = found
    form = await request.form()
    record = await _record(request, meeting)
    invite_count = _int(form.get("invite"), record.invite, 1, MAX_INVITE)
    changed_size = invite_count != record.invite
    record.invite = invite_count
    record.tolerance_seats = _int(form.get("tolerance_seats"), record.tolerance_seats, 0, MAX_INVITE)
    record.tolerance_percent = _int(form.get("tolerance_percent"), record.tolerance_percent, 0, 100)
    record.history = form.get("history") == "yes"
    edits = []
    if not changed_size and form.get("keep_edits") == "yes":  # quotas edited for another size do not carry over
        for key in form:
            if key.startswith("min:"):
                dimension, _, category = key[4:].partition(":")
                if not dimension or not category:
                    continue  # not a field our form writes: min:<dimension>:<category>
                lo = _int(form.get(key), 0, 0, MAX_INVITE)
                hi = _int(form.get(f"max:{dimension}:{category}"), invite_count, 0, MAX_INVITE)
                edits.append((dimension, category, lo, max(lo, hi)))
    record.edits, record.status, record.lottery, record.result, record.seed = edits, "planned", None, None, ""
    record.started_at = None
    await request.app.state.store.put(record)
    return Redirect(f"/staff/meetings/{code}/draw#quotas", status_code=303)


@post("/staff/meetings/{code:str}/draw/lottery", name="draw-lottery")
async def draw_lottery(request: Request, code: str) -> Template | Redirect:
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    user, meeting = found
    record = await _record(request, meeting)
    candidates, _ = await draws.candidates(request.app.state.store, meeting)
    if not draws.make_plan(candidates, _setup(record)).feasible:
        return await _draw_page(request, user, meeting, record, status=409)
    await draws.start_lottery(request.app.state.store, record, candidates, _setup(record))
    await audit(request.app.state.store, user.username, "draw_lottery", meeting.code)
    return Redirect(f"/staff/meetings/{code}/draw", status_code=303)


@post("/staff/meetings/{code:str}/draw/seed", name="draw-seed")
async def draw_seed(request: Request, code: str) -> Template | Redirect:
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    user, meeting = found
    record = await _record(request, meeting)
    seed = str((await request.form()).get("seed", "")).strip()
    _ = translator(language_of(request))
    if record.status != "ready":
        return await _draw_page(request, user, meeting, record, _("The lottery must be computed before the draw."), 409)
    if not seed or len(seed) > MAX_SEED_LENGTH or not seed.isprintable():
        return await _draw_page(request, user, meeting, record, _("Write a seed: for example the three digits rolled with dice, such as 042."), 400)
    await draws.draw_list(record, seed)
    await request.app.state.store.put(record)
    await audit(request.app.state.store, user.username, "draw_list", meeting.code)
    return Redirect(f"/staff/meetings/{code}/draw#result", status_code=303)


@post("/staff/meetings/{code:str}/draw/check", name="draw-check")
async def draw_check(request: Request, code: str) -> Template | Redirect:
    """Re-run the stored draw from its document: it must give the identical list."""
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    user, meeting = found
    record = await _record(request, meeting)
    _ = translator(language_of(request))
    if record.result is None:
        return Redirect(f"/staff/meetings/{code}/draw", status_code=303)
    try:
        replay(record.result)
    except ReplayError as problem:
        return await _draw_page(request, user, meeting, record, _("The check FAILED: %(why)s", why=str(problem)), 409)
    return await _draw_page(request, user, meeting, record, _("Checked: running the draw again from its record gives the identical list and reserves."))


@post("/staff/meetings/{code:str}/draw/invite", name="draw-invite")
async def draw_invite(request: Request, code: str) -> Template | Redirect:
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    user, meeting = found
    record = await _record(request, meeting)
    if record.result is None:
        return Redirect(f"/staff/meetings/{code}/draw", status_code=303)
    store = request.app.state.store
    _, members = await draws.candidates(store, meeting)
    for member_id in _current_list(record):
        if member_id in members:
            await invite(store, request.app.state.settings.secret_key, meeting, members[member_id])
    await audit(request.app.state.store, user.username, "draw_invite", meeting.code)
    return Redirect(f"/staff/meetings/{code}/invitees", status_code=303)


def _current_list(record: DrawRecord) -> list[str]:
    """The drawn list with every replacement so far applied."""
    current = list(record.result["invited"]) if record.result else []
    for leaving, coming in record.replacements:
        current = [coming if m == leaving else m for m in current]
    return current


@post("/staff/meetings/{code:str}/draw/replace/{member:str}", name="draw-replace")
async def draw_replace(request: Request, code: str, member: str) -> Template | Redirect:
    """Someone invited has said no: invite the next reserve who keeps every quota."""
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    user, meeting = found
    record = await _record(request, meeting)
    current = _current_list(record)
    _ = translator(language_of(request))
    if record.result is None or member not in current:
        return Redirect(f"/staff/meetings/{code}/draw", status_code=303)
    store = request.app.state.store
    declined = [i.member for i in await invitations_to(store, code) if i.answer == "no"]
    coming = await draws.replacement(record, current, member, declined)
    if coming is None:
        return await _draw_page(request, user, meeting, record, _("Nobody left on the reserve list can take this place without breaking a quota. Invite someone by hand if you must."), 409)
    _, members = await draws.candidates(store, meeting)
    record.replacements = [*record.replacements, (member, coming)]
    await store.put(record)
    if coming in members:
        await invite(store, request.app.state.settings.secret_key, meeting, members[coming])
    await audit(request.app.state.store, user.username, "draw_replace", meeting.code)
    return Redirect(f"/staff/meetings/{code}/draw#result", status_code=303)


@get("/staff/meetings/{code:str}/draw/document.json", name="draw-document")
async def draw_document(request: Request, code: str) -> Response | Template | Redirect:
    """Everything needed to check the draw: no names, no contact details."""
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    record = await _record(request, found[1])
    if record.result is None:
        return page(request, "error.html", status=404, status_code=404, user=found[0])
    return Response(
        json.dumps(record.result | {"replacements": record.replacements}, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="trekning-{code}.json"'},
    )


@get("/staff/meetings/{code:str}/draw/chances.csv", name="draw-chances")
async def draw_chances(request: Request, code: str) -> Response | Template | Redirect:
    """Each member's chance of being invited in this draw, for staff."""
    found = await _staff_meeting(request, code)
    if not isinstance(found, tuple):
        return found
    user, meeting = found
    record = await _record(request, meeting)
    if record.lottery is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    candidates, members = await draws.candidates(request.app.state.store, meeting)
    chances = lottery_from_document(record.lottery).probabilities.by_member
    label = _labeller(language_of(request))
    _ = translator(language_of(request))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    dims = [d.key for d in dimensions()]
    writer.writerow([_("Name"), *[label(d) for d in dims], _("Invited before"), _("Chance (%)")])
    for c in sorted(candidates, key=lambda c: -chances.get(c.id, 0.0)):
        name = members[c.id].name if c.id in members else c.id
        row = [name, *[label(d, cat) for d, cat in zip(dims, c.categories)], c.history, f"{100 * chances.get(c.id, 0.0):.2f}"]
        writer.writerow([spreadsheet_safe(str(v)) for v in row])
    return Response(
        "\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="sjanser-{code}.csv"'},
    )


ROUTES = [
    draw_page, draw_progress, draw_setup, draw_lottery, draw_seed, draw_check, draw_invite, draw_replace,
    draw_document, draw_chances,
]
