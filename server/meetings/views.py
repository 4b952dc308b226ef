"""What each audience sees of a room, rendered with the Jinja templates in web/templates/room/."""

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from jinja2 import Environment
from rooms import Actor, Command, Rejection, RoomState, contributors
from rooms.room import by_table, contributed
from rooms.rejection import N_
from rooms.rounds import ROUND_MODULES, ROUND_TYPES, answers, texts

from server.i18n import translator
from server.realtime.connection import Audience

# What templates reach as `rounds.<name>.<function>`: each round type's module, and the modules
# round types share.
TEMPLATE_HELPERS = {
    **ROUND_MODULES,
    "texts": texts,
    "answers": answers,
    "types": list(ROUND_TYPES),
    "by_table": by_table,
}

CONFIRMATIONS = {
    "post_idea": N_("Your idea has been received."),
    "dot": N_("Your vote is counted."),
    "choose": N_("Your vote is counted."),
    "scale": N_("Your answer is counted."),
    "consent": N_("Your answer is counted."),
    "rank": N_("Your ranking is saved."),
    "allocate": N_("Your budget is saved."),
    "ask": N_("Your question has been received."),
    "rate": N_("Your answer is saved."),
    "add_statement": N_("Your statement has been received."),
    "write_text": N_("Your answer has been received."),
    "answer": N_("Your answer is saved."),
}
DONE = N_("Done.")


@dataclass(frozen=True)
class Monitor:
    present: int
    done: int

    @property
    def waiting(self) -> int:
        return self.present - self.done


def _monitor(state: RoomState, present: Sequence[Actor]) -> Monitor | None:
    rnd = state.current_round
    if rnd is None:
        return None
    return Monitor(len(present), sum(1 for actor in present if contributed(state, rnd, actor)))


class RoomViews:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._templates = {a: env.get_template(f"room/_{a}.html") for a in Audience}
        self._notice = env.get_template("room/_notice.html")

    def _render(
        self, audience: Audience, state: RoomState, language: str, actor: Actor | None, **extra: object
    ) -> str:
        tr = translator(language)
        rnd = state.current_round
        if actor is not None and rnd is not None and rnd.config.per_table and rnd.results_shown:
            # Each phone sees its own table's results in a round run per table.
            table = state.tables.get(actor.pid or "")
            rnd = next((r for t, r in by_table(state, rnd) if t == table), rnd)
        return self._templates[audience].render(
            state=state,
            rnd=rnd,
            actor=actor,
            **self.helpers,
            _=tr,
            ngettext=tr.ngettext,
            lang=language,  # for lang_of: the meeting's own text marked when the view is in another
            **extra,
        )

    def shared(
        self, audience: Audience, state: RoomState, language: str, present: Sequence[Actor] = ()
    ) -> str:
        """The board's or the facilitator's view. `present` are the participants connected now:
        the facilitator sees how many of them have taken part in the current round (a count,
        never names)."""
        if audience is Audience.FACILITATOR:
            # Counted here, not with a template filter: this view is rendered at every flush, and
            # Jinja's selectattr over 3,000 participants cost more than the rest of the view.
            scribed = sum(1 for p in state.participants.values() if p.scribed)
            return self._render(audience, state, language, None, monitor=_monitor(state, present), scribed=scribed)
        return self._render(audience, state, language, None)

    def participant(self, state: RoomState, actor: Actor | None, language: str) -> str:
        return self._render(Audience.PARTICIPANT, state, language, actor)

    @property
    def helpers(self) -> dict[str, object]:
        """What round templates use, for pages rendered outside a live view (e.g. paper sheets)."""
        return {"rounds": TEMPLATE_HELPERS, "contributors": contributors}

    def scribe(self, state: RoomState, actor: Actor, language: str) -> str:
        """What a scribe sees while entering for one person without a phone."""
        return self._render(Audience.SCRIBE, state, language, actor, person=state.participants.get(actor.pid or ""))

    def personal_key(self, state: RoomState, actor: Actor) -> Hashable:
        mine = state.tables.get(actor.pid or ""), actor.pid in state.help
        rnd = state.current_round
        if rnd is None:
            return mine
        return mine, rnd.index, ROUND_TYPES[rnd.kind].personal_key(state, rnd, actor.pid, actor.ballot)

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
