"""The facilitator's forms for the plan: a round's settings, and ready-made formats."""

import msgspec
from litestar import Request, get, post
from litestar.response import Redirect, Template
from rooms import Rejection
from rooms.actors import FACILITATOR
from rooms.plan import ReplacePlan, ReplaceRound
from rooms.rounds.base import RoundConfig
from rooms.state import Round

from server.auth import identify
from server.i18n import translator
from server.meetings.formats import FORMATS
from server.meetings.plan_form import config_from_form, fields
from server.pages import language_of, page
from server.realtime.connection import Audience
from server.store.records import Meeting


async def _facilitator_room(request: Request, code: str):
    state = request.app.state
    if await identify(state.store, code, Audience.FACILITATOR, request.cookies) is None:
        return None
    return await state.hub.room(code)


async def _round_or_error(request: Request, code: str, index: int) -> tuple[object, Round] | Template:
    """The live room and its round `index` for the facilitator, or the page that says why not."""
    live = await _facilitator_room(request, code)
    if live is None:
        return page(request, "home.html", error="bad_key", status_code=403)
    rnd = live.state.round(index)
    if rnd is None:
        return page(request, "error.html", status=404, status_code=404)
    return live, rnd


async def _is_survey(request: Request, code: str) -> bool:
    meeting = await request.app.state.store.get(Meeting, code)
    return meeting is not None and meeting.survey


def _back(code: str, survey: bool) -> str:
    return f"/staff/meetings/{code}#questions" if survey else f"/r/{code}/console#plan-title"


async def _edit_page(request: Request, code: str, index: int, config: RoundConfig, problem: str = "", status: int = 200) -> Template:
    survey = await _is_survey(request, code)
    return page(
        request, "room/edit_round.html", code=code, index=index, config=config, survey=survey,
        back=_back(code, survey), fields=fields(config, survey), problem=problem, status_code=status,
    )


@get("/r/{code:str}/console/rounds/{index:int}", name="edit-round")
async def edit_round(request: Request, code: str, index: int) -> Template:
    found = await _round_or_error(request, code, index)
    if isinstance(found, Template):
        return found
    return await _edit_page(request, code, index, found[1].config)


@post("/r/{code:str}/console/rounds/{index:int}", name="save-round")
async def save_round(request: Request, code: str, index: int) -> Template | Redirect:
    found = await _round_or_error(request, code, index)
    if isinstance(found, Template):
        return found
    rnd = found[1]
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    _ = translator(language_of(request))
    survey = await _is_survey(request, code)
    try:
        config = config_from_form(rnd.config, form, survey)
    except msgspec.ValidationError as exc:
        field = str(exc).rsplit("$.", 1)[-1].strip("`")
        label = type(rnd.config).labels.get(field, field)
        return await _edit_page(request, code, index, rnd.config, _("Please check “%(field)s”.", field=_(label)), 400)
    result = await request.app.state.hub.execute(code, ReplaceRound(round=index, config=config), FACILITATOR)
    if isinstance(result, Rejection):
        return await _edit_page(request, code, index, config, _(result.message, **result.params), 400)
    return Redirect(_back(code, survey), status_code=303)


@post("/r/{code:str}/console/format", name="use-format")
async def use_format(request: Request, code: str) -> Template | Redirect:
    live = await _facilitator_room(request, code)
    if live is None:
        return page(request, "home.html", error="bad_key", status_code=403)
    form = await request.form()
    chosen = FORMATS.get(str(form.get("format", "")))
    if chosen is None:
        return Redirect(f"/r/{code}/console", status_code=303)
    plan = chosen.build(translator(live.state.language))
    result = await request.app.state.hub.execute(code, ReplacePlan(plan=plan), FACILITATOR)
    if isinstance(result, Rejection):
        return page(request, "error.html", status=409, status_code=409, message=_rejection(request, result))
    return Redirect(f"/r/{code}/console#plan-title", status_code=303)


def _rejection(request: Request, rejection: Rejection) -> str:
    return translator(language_of(request))(rejection.message, **rejection.params)


ROUTES = [edit_round, save_round, use_format]
