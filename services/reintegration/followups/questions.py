"""The standard follow-up questionnaire: what a returnee is asked at each follow-up.

Every programme asks the same questions, one per field of the answer
(:class:`~services.reintegration.followups.schemas.AnswerIn`): a question's ``code`` is that
field's name (``sustainability.economic`` for a score of the ``sustainability`` object), its
choices the codes the field takes, so that an app sends back exactly what it showed. The
texts are catalogue entries, served in the reader's language (``Accept-Language`` or the
account's saved language); codes never change. Nothing here is typed by officers: what they
write (a case's notes, a measure's description) is data, kept as written.
"""

from dataclasses import dataclass
from typing import Literal, get_args

from services.reintegration.followups.models import WORKING
from services.reintegration.followups.schemas import (
    Choice,
    EmploymentStatus,
    IncomeBand,
    JobLocation,
    Question,
    Questionnaire,
    SkillsUse,
)
from shared.i18n import N_, current_language, label, translate

Kind = Literal["choice", "text", "code", "scale", "score"]


@dataclass(frozen=True, slots=True)
class _Question:
    code: str
    text: str  # marked with N_, translated when served
    kind: Kind
    # A choice's codes, named by the labels of ``follow_up.<code>``.
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    only_for: tuple[str, ...] | None = None  # employment statuses it is asked for (None: all)
    required: bool = True


_REACHED = tuple(s for s in get_args(EmploymentStatus) if s != "unreachable")

QUESTIONS: tuple[_Question, ...] = (
    _Question("employment_status", N_("What is your work situation now?"), "choice",
              choices=_REACHED),
    _Question("employer_name", N_("Who do you work for? (the employer's name)"), "text",
              only_for=("employed_other_employer",)),
    _Question("job_sector", N_("In which sector do you work?"), "code", only_for=WORKING),
    _Question("job_location", N_("Where is your job?"), "choice",
              choices=get_args(JobLocation), only_for=WORKING),
    _Question("income_band", N_("How much do you earn a month, in euros or the equivalent?"),
              "choice", choices=get_args(IncomeBand)),
    _Question("skills_use", N_("How much do you use the skills you gained during your "
                               "placement?"), "choice", choices=get_args(SkillsUse)),
    _Question("satisfaction", N_("How satisfied are you with your situation since you came "
                                 "back? (1: not at all, 5: very)"), "scale",
              minimum=1, maximum=5),
    _Question("sustainability.economic", N_("Can you meet your needs and your family's from "
                                            "what you earn? (0: not at all, 1: fully)"),
              "score", minimum=0, maximum=1),
    _Question("sustainability.social", N_("Do you have access to housing, health care, "
                                          "schooling and the services you need? (0: not at "
                                          "all, 1: fully)"), "score", minimum=0, maximum=1),
    _Question("sustainability.psychosocial", N_("Do you feel at home and well where you live "
                                                "now? (0: not at all, 1: fully)"),
              "score", minimum=0, maximum=1),
    _Question("notes", N_("Is there anything else you would like to tell us?"), "text",
              required=False),
)


def questionnaire(language: str | None = None) -> Questionnaire:
    """The questions in ``language`` (default: the request's), each choice with its name."""
    chosen = language or current_language()
    return Questionnaire(language=chosen, questions=[Question(
        code=q.code, text=translate(q.text, chosen), kind=q.kind,
        choices=[Choice(code=c, label=label(f"follow_up.{q.code}", c, chosen))
                 for c in q.choices] or None,
        minimum=q.minimum, maximum=q.maximum,
        only_for=list(q.only_for) if q.only_for is not None else None, required=q.required)
        for q in QUESTIONS])
