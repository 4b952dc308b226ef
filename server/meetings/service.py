"""Creating meetings with their plan, access keys and personal invitations."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from rooms import Rejection, new_room
from rooms.codec import encode_event
from rooms.plan import AnyRoundConfig
from rooms.rounds.budget import BudgetConfig
from rooms.rounds.consent import ConsentConfig
from rooms.rounds.dots import DotsConfig
from rooms.rounds.free_text import TextConfig
from rooms.rounds.ideas import IdeasConfig
from rooms.rounds.poll import PollConfig
from rooms.rounds.qa import QaConfig
from rooms.rounds.ranking import RankingConfig
from rooms.rounds.scale import ScaleConfig
from rooms.rounds.statements import StatementsConfig
from server.meetings.invitations import invite
from server.store import AppendConflict, Store
from server.store.records import Meeting, Member
from server.tokens import hash_token, new_join_code, new_token


@dataclass
class CreatedMeeting:
    code: str
    facilitator_key: str
    board_key: str
    # member id -> personal invitation token (only ever shown once, here)
    invitations: dict[str, str] = field(default_factory=dict)


class MeetingRefused(Exception):
    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.message)
        self.rejection = rejection


async def create_meeting(
    store: Store,
    secret_key: str,
    title: str,
    plan: list[AnyRoundConfig],
    invitees: list[Member] = (),  # type: ignore[assignment]
    language: str = "nb",
    starts_at: datetime | None = None,
    place: str = "",
    description: str = "",
    mode: str = "meeting",
) -> CreatedMeeting:
    facilitator_key, board_key = new_token(), new_token()
    for _ in range(20):
        code = new_join_code()
        opened = new_room(code, title, plan, language)
        if isinstance(opened, Rejection):
            raise MeetingRefused(opened)
        try:
            await store.append(code, 0, [encode_event(e) for e in opened])
            break
        except AppendConflict:
            continue  # that code is taken; draw another
    else:
        raise RuntimeError("no free join code found")
    meeting = Meeting(
        code=code,
        title=opened[0].title,  # type: ignore[attr-defined]
        created_at=datetime.now(UTC),
        facilitator_key=hash_token(facilitator_key),
        board_key=hash_token(board_key),
        language=language,
        starts_at=starts_at,
        place=place,
        description=description,
        mode=mode,
    )
    await store.put(meeting)
    created = CreatedMeeting(code, facilitator_key, board_key)
    for member in invitees:
        await store.add(member)
        _, token = await invite(store, secret_key, meeting, member)
        created.invitations[member.id] = token
    return created


def demo_plan() -> list[AnyRoundConfig]:
    return [
        IdeasConfig(
            title="Ideer: Et bedre nærmiljø",
            prompt="Hva ville gjort nærmiljøet ditt bedre å bo i? Skriv én idé om gangen.",
            max_length=280,
            max_per_person=5,
        ),
        DotsConfig(
            title="Prioriter",
            prompt="Gi prikkene dine til ideene du synes er viktigst.",
            dots=3,
            max_per_idea=2,
        ),
        PollConfig(
            title="Møtetid",
            prompt="Når passer det best for deg å komme på panelmøter?",
            options=["Hverdager på dagtid", "Hverdager på kveldstid", "Lørdager"],
        ),
        ScaleConfig(
            title="Hvor viktig?",
            prompt="Hvor viktig er det for deg at kommunen lytter til innbyggerpanelet?",
            low=1,
            high=5,
            low_label="Ikke viktig",
            high_label="Svært viktig",
        ),
        ConsentConfig(
            title="Forslag",
            prompt="Forslag: Kommunen prøver ut flere benker og bedre belysning langs turveiene i ett år.",
        ),
        RankingConfig(
            title="Rangering",
            prompt="Hvilke ideer bør kommunen se på først? Trykk på den viktigste først.",
            max_ranked=3,
        ),
        BudgetConfig(
            title="Budsjett",
            prompt="Du har 100 poeng. Fordel dem på det du synes er viktigst.",
            options=["Turveier og benker", "Aktiviteter for unge", "Møteplasser for eldre", "Bedre busstilbud"],
            total=100,
            step=10,
        ),
        QaConfig(
            title="Spørsmål til innleder",
            prompt="Hva vil du spørre innlederen om? Trykk «Dette vil jeg også vite» på spørsmål du også lurer på.",
            max_length=200,
            max_per_person=3,
        ),
        StatementsConfig(
            title="Påstander om Bærum",
            prompt="Er du enig eller uenig? Svar på én påstand om gangen. Du kan også skrive en egen.",
            statements=[
                "Det bør bli lettere å sykle trygt til skolen i Bærum.",
                "Kommunen bør bygge flere boliger nær kollektivknutepunktene, som Sandvika og Fornebu.",
                "Bærumsmarka må skjermes mot ny utbygging, selv om det gir færre nye boliger.",
                "Bibliotekene bør holde åpent lenger på kvelder og i helgene.",
                "Bompengene gjør det for dyrt å bo i Bærum og jobbe i Oslo.",
                "Kommunen bør spørre innbyggerne oftere før store avgjørelser.",
            ],
            max_length=140,
            max_per_person=2,
        ),
        TextConfig(
            title="Til slutt",
            prompt="Er det noe mer du vil si til kommunen? Svaret leses av de ansatte etter møtet.",
        ),
    ]


async def create_demo(store: Store, secret_key: str, members: int) -> CreatedMeeting:
    invitees = [Member(id=f"demo-{i:04d}", name=f"Demomedlem {i}") for i in range(1, members + 1)]
    return await create_meeting(
        store, secret_key, "Innbyggerpanel: demomøte", demo_plan(), invitees,
        starts_at=datetime.now(UTC), place="Bærum rådhus, Sandvika",
    )
