"""Programme shape: stay types, repeat stays, planned figures, stay limits, regions, seasons and
suspended origins; training's real dates.

Every existing programme becomes what it implicitly was: work stays, one stay per person, no
plan, no limits, no regions or seasons, no origin suspended. Enrolments get the days they
began and were completed (``enrolled_on``, ``completed_on``), taken from when they were
recorded (UTC, the API's calendar).

Revision ID: cand0007
Revises: cand0006
Create Date: 2026-12-04 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cand0007"
down_revision: str | Sequence[str] | None = "cand0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The enrolment's day in the API's calendar (UTC), from a recorded time.
UTC_DAY = "({} AT TIME ZONE 'UTC')::date"
CHECKS = {
    "max_stay_range": "max_stay_months IS NULL OR max_stay_months BETWEEN 1 AND 120",
    "max_extension_range":
        "max_extension_months IS NULL OR max_extension_months BETWEEN 0 AND 120",
    "stay_types_given": "cardinality(stay_types) > 0",
}


def upgrade() -> None:
    """Add the shape's columns, with the defaults every programme had so far."""
    jsonb = postgresql.JSONB(astext_type=sa.Text())
    for column in (
        sa.Column("stay_types", postgresql.ARRAY(sa.Text()), nullable=False,
                  server_default=sa.text("'{work}'")),
        sa.Column("repeat_stays", sa.Boolean(), nullable=False,
                  server_default=sa.text("false")),
        sa.Column("planned", jsonb, nullable=False, server_default=sa.text(
            """'{"applicants": null, "trained": null, "moved": null}'""")),
        sa.Column("max_stay_months", sa.Integer(), nullable=True),
        sa.Column("max_extension_months", sa.Integer(), nullable=True),
        sa.Column("destination_regions", postgresql.ARRAY(sa.Text()), nullable=False,
                  server_default=sa.text("'{}'")),
        sa.Column("seasons", jsonb, nullable=False, server_default=sa.text("'[]'")),
        sa.Column("suspended_origins", jsonb, nullable=False, server_default=sa.text("'[]'")),
    ):
        op.add_column("programme", column, schema="candidates")
    for name, condition in CHECKS.items():
        # op.f(): the name as written, not run through the metadata's naming convention again.
        op.create_check_constraint(op.f(f"ck_programme_{name}"), "programme", condition,
                                   schema="candidates")
    op.add_column("enrolment", sa.Column("enrolled_on", sa.Date(), nullable=True),
                  schema="candidates")
    op.add_column("enrolment", sa.Column("completed_on", sa.Date(), nullable=True),
                  schema="candidates")
    op.execute(f"UPDATE candidates.enrolment SET enrolled_on = {UTC_DAY.format('enrolled_at')}, "
               f"completed_on = {UTC_DAY.format('completed_at')}")
    op.alter_column("enrolment", "enrolled_on", nullable=False, schema="candidates")
    op.create_check_constraint(op.f("ck_enrolment_completed_after_enrolled"), "enrolment",
                               "completed_on IS NULL OR completed_on >= enrolled_on",
                               schema="candidates")


def downgrade() -> None:
    """Drop the shape (suspensions are forgotten; applications they withdrew stay withdrawn)
    and the enrolments' days (their recorded times stay)."""
    op.drop_constraint(op.f("ck_enrolment_completed_after_enrolled"), "enrolment",
                       schema="candidates", type_="check")
    op.drop_column("enrolment", "completed_on", schema="candidates")
    op.drop_column("enrolment", "enrolled_on", schema="candidates")
    for name in CHECKS:
        op.drop_constraint(op.f(f"ck_programme_{name}"), "programme", schema="candidates",
                           type_="check")
    for name in ("suspended_origins", "seasons", "destination_regions", "max_extension_months",
                 "max_stay_months", "planned", "repeat_stays", "stay_types"):
        op.drop_column("programme", name, schema="candidates")
