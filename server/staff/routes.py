"""Staff pages: logging in and out, and staff accounts."""

from litestar import Request, get, post
from litestar.response import Redirect, Template

from rooms.text import clean_text

from server.audit import record
from server.auth import make_cookie
from server.pages import page
from server.staff.accounts import (
    MIN_PASSWORD_LENGTH,
    ROLE_NAMES,
    SESSION_COOKIE,
    LoginRefused,
    Role,
    create_user,
    log_in,
    log_out,
    staff_or_refusal,
)
from server.store.records import StaffUser


def _next(target: str) -> str:
    return target if target.startswith("/staff") and not target.startswith("//") else "/staff"


@get("/staff/login", name="staff-login")
async def login_page(request: Request, next: str = "/staff") -> Template:
    return page(request, "staff/login.html", next=_next(next))


@post("/staff/login", name="staff-login-post")
async def login(request: Request) -> Template | Redirect:
    form = await request.form()
    target = _next(str(form.get("next", "/staff")))
    try:
        token = await log_in(request.app.state.store, str(form.get("username", "")), str(form.get("password", "")))
    except LoginRefused as refused:
        problem = "locked" if refused.locked else "wrong"
        return page(request, "staff/login.html", next=target, problem=problem, status_code=401)
    cookie = make_cookie(SESSION_COOKIE, token, request.app.state.settings)
    cookie.max_age = 12 * 60 * 60
    return Redirect(target, status_code=303, cookies=[cookie])


@post("/staff/logout", name="staff-logout")
async def logout(request: Request) -> Redirect:
    await log_out(request.app.state.store, request.cookies.get(SESSION_COOKIE))
    gone = make_cookie(SESSION_COOKIE, "", request.app.state.settings)
    gone.max_age = 0
    return Redirect("/staff/login", status_code=303, cookies=[gone])


@get("/staff/accounts", name="staff-accounts")
async def accounts(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.ADMINISTRATOR)
    if not isinstance(user, StaffUser):
        return user
    users = await request.app.state.store.list(StaffUser)
    return page(request, "staff/accounts.html", user=user, users=users, roles=ROLE_NAMES, min_length=MIN_PASSWORD_LENGTH)


@post("/staff/accounts", name="staff-accounts-post")
async def add_account(request: Request) -> Template | Redirect:
    user = await staff_or_refusal(request, Role.ADMINISTRATOR)
    if not isinstance(user, StaffUser):
        return user
    store = request.app.state.store
    form = await request.form()
    username = str(form.get("username", "")).strip().lower()
    problem = ""
    if not username or not username.replace(".", "").replace("-", "").isalnum() or len(username) > 40:
        problem = "bad_username"
    elif await store.get(StaffUser, username) is not None:
        problem = "taken"
    elif len(str(form.get("password", ""))) < MIN_PASSWORD_LENGTH:
        problem = "short_password"
    elif str(form.get("role", "")) not in ROLE_NAMES:
        problem = "bad_role"
    if problem:
        users = await store.list(StaffUser)
        return page(request, "staff/accounts.html", user=user, users=users, roles=ROLE_NAMES,
                    min_length=MIN_PASSWORD_LENGTH, problem=problem, status_code=400)
    await create_user(store, username, clean_text(str(form.get("name", ""))) or username, str(form["role"]), str(form["password"]))
    await record(store, user.username, "create_staff_user", username, ["role"])
    return Redirect("/staff/accounts", status_code=303)


ROUTES = [login_page, login, logout, accounts, add_account]
