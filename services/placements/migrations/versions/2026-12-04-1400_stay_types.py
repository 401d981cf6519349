"""Stay types: hosts are companies or study providers; vacancies are work, traineeship, study
or seasonal stays with each type's fields and a region; placements copy the stay type, season
and region, and keep the visa request's date and a student's enrolment.

Revision ID: plac0007
Revises: plac0006
Create Date: 2026-12-04 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "plac0007"
down_revision: str | Sequence[str] | None = "plac0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "placements"
_VACANCY_COLUMNS = ("region", "training_agreement_reference", "study_programme",
                    "qualification_level", "season")
_VACANCY_CHECKS = {
    "stay_type_known": "stay_type IN ('work', 'traineeship', 'study', 'seasonal')",
    "qualification_level_known": "qualification_level IN ('bachelor', 'master', 'doctorate')",
    "occupation_required": "stay_type = 'study' OR occupation_code IS NOT NULL",
    "traineeship_fields":
        "(stay_type = 'traineeship') = (training_agreement_reference IS NOT NULL)",
    "study_fields": "(stay_type = 'study') = (study_programme IS NOT NULL) AND "
                    "(stay_type = 'study') = (qualification_level IS NOT NULL)",
    "seasonal_fields": "(stay_type = 'seasonal') = (season IS NOT NULL)",
    "region_in_country": "region IS NULL OR starts_with(region, country || '-')",
}
_PLACEMENT_COLUMNS = {"season": sa.Text(), "region": sa.Text(), "visa_requested_on": sa.Date(),
                      "enrolment_reference": sa.Text()}


def upgrade() -> None:
    """Upgrade schema: every existing host is a company, every existing stay is work."""
    op.add_column("employer", sa.Column("kind", sa.Text(), server_default="company",
                                        nullable=False), schema=SCHEMA)
    op.create_check_constraint(op.f("ck_employer_kind_known"), "employer",
                               "kind IN ('company', 'study_provider')", schema=SCHEMA)

    op.add_column("vacancy", sa.Column("stay_type", sa.Text(), server_default="work",
                                       nullable=False), schema=SCHEMA)
    for name in _VACANCY_COLUMNS:
        op.add_column("vacancy", sa.Column(name, sa.Text(), nullable=True), schema=SCHEMA)
    op.alter_column("vacancy", "occupation_code", existing_type=sa.Text(), nullable=True,
                    schema=SCHEMA)
    for name, condition in _VACANCY_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_vacancy_{name}"), "vacancy", condition,
                                   schema=SCHEMA)

    op.add_column("placement", sa.Column("stay_type", sa.Text(), server_default="work",
                                         nullable=False), schema=SCHEMA)
    for name, type_ in _PLACEMENT_COLUMNS.items():
        op.add_column("placement", sa.Column(name, type_, nullable=True), schema=SCHEMA)
    op.create_check_constraint(op.f("ck_placement_stay_type_known"), "placement",
                               "stay_type IN ('work', 'traineeship', 'study', 'seasonal')",
                               schema=SCHEMA)


def downgrade() -> None:
    """Downgrade schema. The older schema needs an occupation on every vacancy: a study
    without one gets '0000' (no ISCO-08 unit group has it), so that it can still be told."""
    op.drop_constraint(op.f("ck_placement_stay_type_known"), "placement", type_="check",
                       schema=SCHEMA)
    for name in (*_PLACEMENT_COLUMNS, "stay_type"):
        op.drop_column("placement", name, schema=SCHEMA)

    for name in _VACANCY_CHECKS:
        op.drop_constraint(op.f(f"ck_vacancy_{name}"), "vacancy", type_="check", schema=SCHEMA)
    op.execute(f"UPDATE {SCHEMA}.vacancy SET occupation_code = '0000' "
               "WHERE occupation_code IS NULL")
    op.alter_column("vacancy", "occupation_code", existing_type=sa.Text(), nullable=False,
                    schema=SCHEMA)
    for name in (*_VACANCY_COLUMNS, "stay_type"):
        op.drop_column("vacancy", name, schema=SCHEMA)

    op.drop_constraint(op.f("ck_employer_kind_known"), "employer", type_="check",
                       schema=SCHEMA)
    op.drop_column("employer", "kind", schema=SCHEMA)
