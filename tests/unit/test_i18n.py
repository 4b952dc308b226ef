"""Choosing a language, and adding one: a catalog is all it takes, direction included."""

from pathlib import Path

from server import i18n, pages
from server.app import template_environment
from server.i18n import pick_language

FIXTURES = Path(__file__).resolve().parents[1] / "browser" / "fixtures" / "locale"


def test_the_browser_chooses_and_no_means_bokmal():
    assert pick_language(None, "no") == "nb"
    assert pick_language(None, "nb-NO,nb;q=0.9") == "nb"
    assert pick_language(None, "nn-NO,en;q=0.5") == "nn"
    assert pick_language(None, "de-DE,en-GB;q=0.8,nb;q=0.5") == "en"
    assert pick_language(None, "de-DE") == "nb"
    assert pick_language(None, None) == "nb"
    assert pick_language("en", "nn") == "en"  # what someone chose wins
    assert pick_language("xx", "nn") == "nn"


def test_the_languages_come_from_the_catalogs_in_order_with_names_and_directions():
    assert list(i18n.LANGUAGES)[:3] == ["nb", "nn", "en"]
    assert i18n.LANGUAGES["nb"].name == "Norsk bokmål"
    assert i18n.LANGUAGES["en"].catalog is None  # the message ids are English
    assert {language.direction for language in i18n.LANGUAGES.values()} == {"ltr"}


def test_a_right_to_left_catalog_added_elsewhere_is_found_and_mirrors(monkeypatch):
    monkeypatch.setenv("EXTRA_LOCALE_DIRS", str(FIXTURES))
    languages = i18n._discover()
    assert list(languages)[:3] == ["nb", "nn", "en"]
    arabic = languages["ar"]
    assert (arabic.name, arabic.direction) == ("العربية", "rtl")
    monkeypatch.setattr(i18n, "LANGUAGES", languages)
    tr = i18n._load(arabic)
    assert tr.direction == "rtl"
    assert tr("Join a meeting") == "انضم إلى اجتماع"
    assert tr("Page not found") == "Page not found"  # untranslated: the English message id
    assert pick_language(None, "ar-SA,en;q=0.5") == "ar"


def test_plural_forms_follow_the_catalogs_rule():
    nb = i18n.translator("nb")
    assert nb.ngettext("%(num)d dot", "%(num)d dots", 1) == "1 prikk"
    assert nb.ngettext("%(num)d dot", "%(num)d dots", 2) == "2 prikker"


def test_text_in_another_language_than_its_page_is_marked_with_lang_and_dir(monkeypatch):
    """WCAG 3.1.2: a Bokmål meeting's title on an English page is read with a Norwegian voice."""
    page = template_environment().from_string('<h1{{ lang_of(code) }}>x</h1><p{{ lang_of("en", within=code) }}>y</p>')
    assert page.render(lang="en", dir="ltr", code="nb") == '<h1 lang="nb">x</h1><p lang="en">y</p>'
    assert page.render(lang="nb", dir="ltr", code="nb") == '<h1>x</h1><p lang="en">y</p>'
    assert page.render(lang="nb", dir="ltr", code="en") == '<h1 lang="en">x</h1><p>y</p>'  # in English already
    monkeypatch.setenv("EXTRA_LOCALE_DIRS", str(FIXTURES))
    monkeypatch.setattr(pages, "LANGUAGES", i18n._discover())
    assert page.render(lang="ar", dir="rtl", code="nb") == '<h1 lang="nb" dir="ltr">x</h1><p lang="en">y</p>'


def test_live_views_mark_the_meetings_own_text_when_shown_in_another_language():
    """The phone and the board in English show a Bokmål meeting's round with lang="nb"."""
    from rooms.rounds.scale import ScaleConfig
    from server.meetings.views import RoomViews
    from server.realtime.connection import Audience
    from tests.support.rooms import PEOPLE, opened

    state = opened(ScaleConfig(title="Innsjekk", prompt="Hvordan har du det?"))
    views = RoomViews(template_environment())
    english = views.participant(state, PEOPLE[0], "en")
    assert '<p class="prompt" lang="nb">Hvordan har du det?</p>' in english
    assert 'id="round-title" lang="nb">' in english
    board = views.shared(Audience.BOARD, state, "en")
    assert '<p class="prompt" lang="nb">Hvordan har du det?</p>' in board
    bokmal = views.participant(state, PEOPLE[0], "nb")
    assert '<p class="prompt">Hvordan har du det?</p>' in bokmal
