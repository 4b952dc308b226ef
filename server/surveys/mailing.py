"""Invitations and reminders for a survey by e-mail, each in the member's own language; members
without an e-mail address get a printed letter instead (the letters page, filtered the same way).
A reminder goes only to those who have not sent their answers."""

from dataclasses import dataclass
from datetime import UTC, datetime

from rooms.rejection import N_
from server import mail
from server.i18n import oslo_time, translator
from server.meetings.invitations import invitations_to, token_for
from server.settings import Settings
from server.store import Store
from server.store.records import Invitation, Meeting, Member


@dataclass(frozen=True)
class Mailing:
    sent: int
    refused: int
    without_email: int  # to be reached by letter


async def recipients(store: Store, meeting: Meeting, reminder: bool) -> list[tuple[Invitation, Member]]:
    """Active invited members; for a reminder, only those who have not sent their answers."""
    members = {m.id: m for m in await store.list(Member)}
    return [
        (i, members[i.member]) for i in await invitations_to(store, meeting.code)
        if i.member in members and members[i.member].status == "active" and not (reminder and i.completed_at)
    ]


def _mail(settings: Settings, meeting: Meeting, member: Member, link: str, reminder: bool):
    _ = translator(member.language)
    closes = oslo_time(meeting.closes_at)
    opening = (
        _("We have not yet received your answers to the survey “%(title)s”. It would be good to hear from you.", title=meeting.title)
        if reminder else
        _("The citizens' panel asks for your answers to a short survey: “%(title)s”.", title=meeting.title)
    )
    lines = [
        _("Hello %(name)s,", name=member.name), "", opening, "",
        *([meeting.description, ""] if meeting.description else []),
        _("Answer through your personal link (please do not share it):"), link, "",
        _("You can answer until %(when)s. Your answers are saved as you go and are never shown with your name.", when=closes),
        "", _("Thank you for taking part in the citizens' panel."),
    ]
    subject = _("Reminder: %(title)s", title=meeting.title) if reminder else _("%(title)s: we would like to hear from you", title=meeting.title)
    return mail.message(settings, member.email, subject, "\n".join(lines))


async def send(store: Store, settings: Settings, meeting: Meeting, reminder: bool) -> Mailing:
    """E-mail everyone it concerns who has an address; raises OSError/SMTPException if the mail
    server cannot be reached (nothing is marked as sent then)."""
    chosen = await recipients(store, meeting, reminder)
    with_email = [(i, m) for i, m in chosen if m.email]
    mails = [
        _mail(settings, meeting, m, f"{settings.base_url}/i/{token_for(settings.secret_key, i.id)}", reminder)
        for i, m in with_email
    ]
    refused = {id(m) for m in await mail.send(settings, mails)}
    now = datetime.now(UTC)
    for (invitation, _), sent in zip(with_email, mails, strict=True):
        if id(sent) not in refused:
            invitation.reminded_at = now
            await store.put(invitation)
    return Mailing(len(mails) - len(refused), len(refused), len(chosen) - len(with_email))


MAIL_OFF = N_("E-mail is not set up on this server (SMTP_HOST and SMTP_FROM). Print letters instead.")
MAIL_DOWN = N_("The e-mail server did not answer, so nothing was sent. Please try again later.")
