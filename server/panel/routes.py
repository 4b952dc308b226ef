"""The panel register for staff: members, spreadsheet import and export, composition."""

from datetime import UTC, date, datetime

import msgspec
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Response, Template

from server.audit import record
from server.pages import page
from server.panel import fields as f
from server.panel.composition import compare
from server.panel.filters import choices, matches
from server.panel.csv_io import COLUMNS, read_members, write_members, new_member_id
from server.panel.privacy import erase_member, export_member
from server.staff.accounts import Role, staff_or_refusal
from server.store.records import AuditEntry, Member, StaffUser

MAX_UPLOAD = 2 * 1024 * 1024


@get("/staff/panel", name="panel")
async def register(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    q = {k: str(v) for k, v in request.query_params.items() if k in ("q", "status", "district", "gender", "background", "age")}
    q.setdefault("status", "active")
    members = await request.app.state.store.list(Member)
    today = date.today()
    shown = sorted((m for m in members if matches(m, q, today)), key=lambda m: m.name.casefold())
    return page(request, "panel/list.html", user=user, members=shown, total=len(members), q=q,
                district_names=f.DISTRICT_NAMES, **choices())


def _from_form(form: dict[str, str]) -> tuple[dict, dict[str, tuple[str, dict]]]:
    """The member's fields from the form, and what is wrong with which of them."""
    values, problems = {}, {}
    for column in COLUMNS:
        try:
            values[column.field] = column.parse(form.get(column.field, ""))
        except f.Invalid as bad:
            problems[column.field] = (bad.message, dict(bad.params))
    return values, problems


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@get("/staff/panel/new", name="panel-new")
async def new_member(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    return page(request, "panel/member.html", user=user, member=None, values={"language": "nb"}, problems={}, **choices())


@post("/staff/panel/new", name="panel-create")
async def create(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    form = await _form(request)
    values, problems = _from_form(form)
    if problems:
        return page(request, "panel/member.html", user=user, member=None, values=form, problems=problems, status_code=400, **choices())
    member = Member(id=new_member_id(), created_at=datetime.now(UTC), **values)
    store = request.app.state.store
    await store.put(member)
    await record(store, user.username, "add_member", member.id, list(values))
    return Redirect(f"/staff/panel/{member.id}?saved=1", status_code=303)


async def _member_or_404(request: Request, member_id: str, user: StaffUser) -> Member | Template:
    member = await request.app.state.store.get(Member, member_id)
    if member is None:
        return page(request, "error.html", status=404, status_code=404, user=user)
    return member


def _shown(member: Member) -> dict[str, str]:
    shown = {k: "" if v is None else str(v) for k, v in msgspec.structs.asdict(member).items()}
    if member.consent_date:
        shown["consent_date"] = member.consent_date.strftime("%d.%m.%Y")
    return shown


@get("/staff/panel/{member_id:str}", name="panel-member")
async def member_page(request: Request, member_id: str, saved: str = "") -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    member = await _member_or_404(request, member_id, user)
    if isinstance(member, Template):
        return member
    return page(request, "panel/member.html", user=user, member=member, values=_shown(member), problems={}, saved=bool(saved), **choices())


@post("/staff/panel/{member_id:str}", name="panel-save")
async def save(request: Request, member_id: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    member = await _member_or_404(request, member_id, user)
    if isinstance(member, Template):
        return member
    form = await _form(request)
    values, problems = _from_form(form)
    if problems:
        return page(request, "panel/member.html", user=user, member=member, values=form, problems=problems, status_code=400, **choices())
    changed = [k for k, v in values.items() if getattr(member, k) != v]
    updated = msgspec.structs.replace(member, **values)
    store = request.app.state.store
    await store.put(updated)
    if changed:
        await record(store, user.username, "edit_member", member.id, changed)
    return Redirect(f"/staff/panel/{member.id}?saved=1", status_code=303)


@post("/staff/panel/{member_id:str}/status", name="panel-status")
async def set_status(request: Request, member_id: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    member = await _member_or_404(request, member_id, user)
    if isinstance(member, Template):
        return member
    status = (await _form(request)).get("status", "")
    if status in f.STATUSES and status != member.status:
        store = request.app.state.store
        await store.put(msgspec.structs.replace(member, status=status))
        await record(store, user.username, f"member_{status}", member.id, ["status"])
    return Redirect(f"/staff/panel/{member.id}?saved=1", status_code=303)


@get("/staff/panel/{member_id:str}/export.json", name="panel-member-export")
async def export_one(request: Request, member_id: str) -> Response | Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    member = await _member_or_404(request, member_id, user)
    if isinstance(member, Template):
        return member
    store = request.app.state.store
    await record(store, user.username, "export_member", member.id)
    return Response(
        msgspec.json.encode(await export_member(store, member)),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="medlem-{member.id}.json"'},
    )


@post("/staff/panel/{member_id:str}/erase", name="panel-erase")
async def erase(request: Request, member_id: str) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    member = await _member_or_404(request, member_id, user)
    if isinstance(member, Template):
        return member
    if (await _form(request)).get("confirm") != "yes":
        return page(request, "panel/member.html", user=user, member=member, values=_shown(member), problems={},
                    erase_unconfirmed=True, status_code=400, **choices())
    store = request.app.state.store
    await erase_member(store, member)
    await record(store, user.username, "erase_member", member.id)
    return Redirect("/staff/panel?erased=1", status_code=303)


@get("/staff/panel/import", name="panel-import")
async def import_page(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    return page(request, "panel/import.html", user=user, columns=COLUMNS)


@post("/staff/panel/import", name="panel-import-post")
async def import_file(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    upload = (await request.form()).get("file")
    data = await upload.read(MAX_UPLOAD + 1) if isinstance(upload, UploadFile) else b""
    store = request.app.state.store
    if len(data) > MAX_UPLOAD:
        return page(request, "panel/import.html", user=user, columns=COLUMNS, too_big=True, status_code=400)
    result = read_members(data, await store.list(Member))
    if result.problems:
        return page(request, "panel/import.html", user=user, columns=COLUMNS, problems=result.problems, status_code=400)
    for member in result.members:
        await store.put(member)
    await record(store, user.username, "import_members", f"{len(result.members)}")
    return page(request, "panel/import.html", user=user, columns=COLUMNS, imported=len(result.members))


@get("/staff/panel/export.csv", name="panel-export")
async def export_all(request: Request) -> Response | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    store = request.app.state.store
    members = sorted(await store.list(Member), key=lambda m: m.name.casefold())
    await record(store, user.username, "export_members", f"{len(members)}")
    return Response(
        write_members(members), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="innbyggerpanel.csv"'},
    )


@get("/staff/panel/composition", name="panel-composition")
async def composition(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.COORDINATOR)
    if not isinstance(user, StaffUser):
        return user
    members = await request.app.state.store.list(Member)
    in_panel = sum(1 for m in members if m.status != "withdrawn")
    return page(request, "panel/composition.html", user=user, comparisons=compare(members, date.today()), in_panel=in_panel)


@get("/staff/audit", name="audit")
async def audit(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.ADMINISTRATOR)
    if not isinstance(user, StaffUser):
        return user
    entries = (await request.app.state.store.list(AuditEntry))[-500:]
    return page(request, "staff/audit.html", user=user, entries=list(reversed(entries)))


ROUTES = [
    register, new_member, create, import_page, import_file, export_all, composition, audit,
    member_page, save, set_status, export_one, erase,
]
