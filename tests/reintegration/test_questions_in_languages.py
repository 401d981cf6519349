"""The follow-up questions are served in the reader's language (every message being marked and
translated is held by ``tests/shared/test_translations.py``)."""

import pytest

from launcher import messages
from services.reintegration.followups.questions import QUESTIONS, questionnaire
from shared import i18n

PACKAGES = ("services.placements", "services.reintegration")


@pytest.fixture
def catalogues() -> None:
    """The two services' catalogues, as their apps register them."""
    for package in PACKAGES:
        i18n.register_catalogues(messages.folder(package))


def test_the_questions_are_served_in_the_readers_language(catalogues: None) -> None:
    english, french, arabic = (questionnaire(language) for language in ("en", "fr", "ar"))
    assert [q.code for q in french.questions] == [q.code for q in QUESTIONS] == [
        q.code for q in arabic.questions]
    for question, en, fr, ar in zip(QUESTIONS, english.questions, french.questions,
                                    arabic.questions, strict=True):
        assert en.text == question.text
        assert question.text not in (fr.text, ar.text)  # every one is translated
        assert [c.code for c in fr.choices or ()] == list(question.choices)
    income = {q.code: q for q in french.questions}["income_band"]
    assert income.text == "Combien gagnez-vous par mois, en euros ou l'équivalent\u202f?"
    assert {c.code: c.label for c in income.choices or ()}["not_disclosed"] == (
        "Je préfère ne pas répondre")


def test_each_answer_field_has_its_question() -> None:
    from services.reintegration.followups.schemas import AnswerIn, Sustainability

    fields = {*AnswerIn.model_fields} - {"sustainability", "answered_on"} | {
        f"sustainability.{name}" for name in Sustainability.model_fields}
    assert {q.code for q in QUESTIONS} == fields
