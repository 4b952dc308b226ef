"""What each audience sees of a room, rendered with the Jinja templates in web/templates/room/."""

from collections.abc import Hashable

from jinja2 import Environment
from rooms import Actor, Command, Rejection, RoomState, contributors
from rooms.rejection import N_
from rooms.rounds import ROUND_MODULES, ROUND_TYPES

from server.i18n import translator
from server.realtime.connection import Audience

CONFIRMATIONS = {
    "post_idea": N_("Your idea has been received."),
    "dot": N_("Your vote is counted."),
}
DONE = N_("Done.")


class RoomViews:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._templates = {a: env.get_template(f"room/_{a}.html") for a in Audience}
        self._notice = env.get_template("room/_notice.html")

    def _render(self, audience: Audience, state: RoomState, language: str, actor: Actor | None) -> str:
        tr = translator(language)
        return self._templates[audience].render(
            state=state,
            rnd=state.current_round,
            actor=actor,
            contributors=contributors,
            rounds=ROUND_MODULES,
            _=tr,
            ngettext=tr.ngettext,
        )

    def shared(self, audience: Audience, state: RoomState, language: str) -> str:
        return self._render(audience, state, language, None)

    def participant(self, state: RoomState, actor: Actor | None, language: str) -> str:
        return self._render(Audience.PARTICIPANT, state, language, actor)

    def personal_key(self, state: RoomState, actor: Actor) -> Hashable:
        rnd = state.current_round
        if rnd is None:
            return None
        return ROUND_TYPES[rnd.kind].personal_key(state, rnd, actor.pid, actor.ballot)

    def notice(
        self, state: RoomState, language: str, command: Command | None, rejection: Rejection | None
    ) -> str:
        _ = translator(language)
        if rejection is not None:
            message = _(rejection.message, **rejection.params)
        elif command is not None:
            message = _(CONFIRMATIONS.get(command.__struct_config__.tag, DONE))  # type: ignore[arg-type]
        else:
            message = _(DONE)
        return self._notice.render(message=message, rejected=rejection is not None, _=_)
