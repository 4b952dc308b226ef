from typing import Any

import msgspec


def N_(message: str) -> str:
    """Marks a message for translation; the server translates it into the sender's language."""
    return message


class Rejection(msgspec.Struct, frozen=True):
    """Why a command was refused: a stable code for programs and a message for people.

    `message` is the catalog's message id (English); `params` fill its %(name)s placeholders.
    """

    code: str
    message: str
    params: dict[str, Any] = {}


NOT_ALLOWED = Rejection("not_allowed", N_("Only the facilitator can do that."))
MEETING_ENDED = Rejection("meeting_ended", N_("The meeting has ended. Thank you for taking part!"))
NO_SUCH_ROUND = Rejection("no_such_round", N_("That round does not exist."))
ROUND_NOT_OPEN = Rejection("round_not_open", N_("This round is not open right now."))
ROUND_PAUSED = Rejection(
    "round_paused", N_("The facilitator has paused this round. Please wait a moment.")
)
NOT_JOINED = Rejection("not_joined", N_("Please join the meeting first."))
