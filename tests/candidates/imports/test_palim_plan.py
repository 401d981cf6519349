"""PALIM's demo plan files the bulk of the pilot's 9,677 applicants through the import of
applications (tests/test_demo_pilots.py holds its published figures), and the forms the officer
files are lines the import takes: each validates, and none breaks a rule of the programme
(intake window at its submission, required consent). No database: the rules are checked as the
import checks each line of a batch, against the programme the plan opens."""

import uuid
from datetime import UTC, date, datetime

import pytest

from demo.plan import Plan
from demo.play import form
from demo.scenarios import build
from services.candidates.imports.filing import Filing
from services.candidates.imports.records import application, owner, record
from services.candidates.imports.schemas import applicant_row
from services.candidates.programmes.models import Programme

DAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build("palim", today=DAY)


def test_the_bulk_is_filed_by_the_import(plan: Plan) -> None:
    # Those who sign up file their own, the university's nominees are nominated one by one:
    # all the others are the officer's import.
    imported = [a for a in plan.applicants if not a.signs_up and a.nominated_by is None]
    assert len(imported) > 9_500
    assert len({a.profile["email"] for a in plan.applicants}) == 9_677


def test_every_form_is_a_line_the_import_takes(plan: Plan) -> None:
    opens, closes = (datetime.fromisoformat(plan.programme[f"intake_{edge}_at"])
                     for edge in ("opens", "closes"))
    programme = Programme(code=plan.code, intake_opens_at=opens, intake_closes_at=closes,
                          suspended_origins=[],
                          required_consents=plan.programme["required_consents"])
    filing = Filing(programme_id=uuid.uuid4(), now=datetime.now(UTC), staff=True)
    refused = {}
    for applicant in plan.applicants:
        row = applicant_row.validate_python(form(applicant))
        line = application(row)
        assert line.submitted_at is not None and opens <= line.submitted_at < closes
        if (why := filing.refusal(programme, record(row, owner(None, None)), line)) is not None:
            refused[applicant.key] = why
    assert refused == {}
