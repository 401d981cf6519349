"""One case per person and programme across stays; support at every stage; answer dates.

- ``returnee_stay``: each ended placement of a case. Every existing case gets the stay it was
  opened for; its follow-ups hang off that stay (``follow_up.stay_id``, one follow-up per stay
  and point instead of per case and point).
- Cases are unique per (candidate, programme). Existing duplicates (a person who came back
  twice) are merged into the oldest case: the stays, follow-ups and support measures of the
  others move to it, it takes the latest stay's placement columns, stays open if any of them
  was open, keeps every caseworker note; the others are deleted.
- ``follow_up.answered_on``: the day an answer was given (existing answers: the day recorded).
- ``support_measure``: ``candidate_id`` and ``stage`` (existing measures: the case's candidate,
  ``after_return``), ``case_id`` optional, the new kinds and the kinds that carry money.

Downgrade splits a case of several stays back into one case per stay (each with its own
follow-ups; the support measures stay with the case of the first stay) and deletes what the
old schema cannot hold: measures without a case, and measures of the new kinds.

Revision ID: rein0004
Revises: rein0003
Create Date: 2026-12-04 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rein0004"
down_revision: str | Sequence[str] | None = "rein0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "reintegration"
OLD_KINDS = ("entrepreneurship_training", "micro_grant", "micro_loan", "job_referral",
             "mentoring", "psychosocial_support")
OLD_MONEY_KINDS = ("micro_grant", "micro_loan")
KINDS = ("mentoring", "social", "financial", "health", "housing", "language",
         "entrepreneurship_training", "scholarship", "award", "micro_grant", "micro_loan",
         "job_referral", "psychosocial_support", "income_generating_activity")
MONEY_KINDS = ("financial", "scholarship", "award", "micro_grant", "micro_loan",
               "income_generating_activity")
STAGES = ("before_departure", "during_stay", "after_return")
STAY_TYPES = ("work", "traineeship", "study", "seasonal")

# The duplicates of each (candidate, programme) and the oldest case they merge into.
_MERGES = f"""
    CREATE TEMPORARY TABLE case_merge AS
    SELECT id AS case_id, keeper_id FROM (
        SELECT id, first_value(id) OVER (PARTITION BY candidate_id, programme_id
                                         ORDER BY created_at, id) AS keeper_id
        FROM {S}.returnee_case) AS ranked
    WHERE id <> keeper_id
"""
# The keeper takes the latest stay's placement columns, the status "open" if any merged case
# was open (else the last closing), the first caseworker and erasure, and every note.
_KEEPERS = f"""
    WITH groups AS (
        SELECT keeper_id, keeper_id AS case_id FROM case_merge
        UNION SELECT keeper_id, case_id FROM case_merge
    ),
    latest AS (
        SELECT DISTINCT ON (g.keeper_id) g.keeper_id, s.placement_id, s.employer_id,
               s.destination_country, s.sector, s.return_date, s.placement_outcome, s.end_reason
        FROM groups AS g JOIN {S}.returnee_stay AS s ON s.case_id = g.keeper_id
        ORDER BY g.keeper_id, s.return_date DESC, s.created_at DESC
    ),
    merged AS (
        SELECT g.keeper_id,
               bool_or(c.status = 'open') AS any_open,
               max(c.closed_at) AS closed_at,
               (array_agg(c.close_reason ORDER BY c.closed_at DESC NULLS LAST))[1]
                   AS close_reason,
               (array_agg(c.caseworker_subject ORDER BY c.created_at)
                   FILTER (WHERE c.caseworker_subject IS NOT NULL))[1] AS caseworker_subject,
               string_agg(c.notes, E'\\n\\n' ORDER BY c.created_at) AS notes,
               min(c.erased_at) AS erased_at
        FROM groups AS g JOIN {S}.returnee_case AS c ON c.id = g.case_id
        GROUP BY g.keeper_id
    )
    UPDATE {S}.returnee_case AS c
    SET placement_id = l.placement_id, employer_id = l.employer_id,
        destination_country = l.destination_country, sector = l.sector,
        return_date = l.return_date, placement_outcome = l.placement_outcome,
        end_reason = l.end_reason,
        status = CASE WHEN m.any_open THEN 'open' ELSE 'closed' END,
        closed_at = CASE WHEN m.any_open THEN NULL ELSE m.closed_at END,
        close_reason = CASE WHEN m.any_open THEN NULL ELSE m.close_reason END,
        caseworker_subject = m.caseworker_subject,
        notes = CASE WHEN m.erased_at IS NULL THEN m.notes END,
        erased_at = m.erased_at, version = c.version + 1, updated_at = now()
    FROM latest AS l JOIN merged AS m ON m.keeper_id = l.keeper_id
    WHERE c.id = l.keeper_id
"""


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    """Upgrade schema and data."""
    op.create_table(
        "returnee_stay",
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("programme_id", sa.UUID(), nullable=False),
        sa.Column("placement_id", sa.UUID(), nullable=False),
        sa.Column("employer_id", sa.UUID(), nullable=True),
        sa.Column("destination_country", sa.Text(), nullable=True),
        sa.Column("sector", sa.Text(), nullable=True),
        sa.Column("stay_type", sa.Text(), nullable=True),
        sa.Column("season", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("return_date", sa.Date(), nullable=False),
        sa.Column("placement_outcome", sa.Text(), nullable=False),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint(f"placement_outcome IN {_in(('completed', 'ended_early'))}",
                           name=op.f("ck_returnee_stay_outcome_known")),
        sa.CheckConstraint(f"stay_type IS NULL OR stay_type IN {_in(STAY_TYPES)}",
                           name=op.f("ck_returnee_stay_stay_type_known")),
        sa.ForeignKeyConstraint(["case_id"], [f"{S}.returnee_case.id"],
                                name=op.f("fk_returnee_stay_case_id_returnee_case"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returnee_stay")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_returnee_stay_placement_id")),
        schema=S,
    )
    op.create_index("ix_returnee_stay_case_return", "returnee_stay", ["case_id", "return_date"],
                    schema=S)
    op.create_index("ix_returnee_stay_programme", "returnee_stay", ["programme_id"], schema=S,
                    postgresql_include=["case_id"])
    # Each case's stay: the placement it was opened for.
    op.execute(f"""
        INSERT INTO {S}.returnee_stay (case_id, programme_id, placement_id, employer_id,
            destination_country, sector, return_date, placement_outcome, end_reason,
            created_at, updated_at)
        SELECT id, programme_id, placement_id, employer_id, destination_country, sector,
               return_date, placement_outcome, end_reason, created_at, created_at
        FROM {S}.returnee_case
    """)

    # Follow-ups: of a stay, one per stay and point; the day answered.
    op.add_column("follow_up", sa.Column("stay_id", sa.UUID(), nullable=True), schema=S)
    op.add_column("follow_up", sa.Column("answered_on", sa.Date(), nullable=True), schema=S)
    op.execute(f"""
        UPDATE {S}.follow_up AS f SET stay_id = s.id
        FROM {S}.returnee_stay AS s WHERE s.case_id = f.case_id
    """)
    op.execute(f"UPDATE {S}.follow_up SET answered_on = (completed_at AT TIME ZONE 'UTC')::date "
               "WHERE status = 'completed'")
    op.alter_column("follow_up", "stay_id", nullable=False, schema=S)
    op.drop_constraint(op.f("uq_follow_up_case_id_point_months"), "follow_up", schema=S)
    op.create_unique_constraint(op.f("uq_follow_up_stay_id_point_months"), "follow_up",
                                ["stay_id", "point_months"], schema=S)
    op.create_foreign_key(op.f("fk_follow_up_stay_id_returnee_stay"), "follow_up",
                          "returnee_stay", ["stay_id"], ["id"], source_schema=S,
                          referent_schema=S, ondelete="CASCADE")
    op.create_check_constraint(op.f("ck_follow_up_answered_on_when_completed"), "follow_up",
                               "(status = 'completed') = (answered_on IS NOT NULL)", schema=S)
    op.create_index("ix_follow_up_case_due", "follow_up", ["case_id", "due_date"], schema=S)
    op.drop_index("ix_follow_up_programme_point", table_name="follow_up", schema=S)
    op.create_index("ix_follow_up_programme_point", "follow_up", ["programme_id", "point_months"],
                    schema=S, postgresql_include=["case_id", "status", "employment_status",
                                                  "job_location", "due_date",
                                                  "window_closes_at"])

    # Support measures: a person's, at a stage, with or without a case; the new kinds.
    op.add_column("support_measure", sa.Column("candidate_id", sa.UUID(), nullable=True),
                  schema=S)
    op.add_column("support_measure", sa.Column("stage", sa.Text(), nullable=True), schema=S)
    op.execute(f"""
        UPDATE {S}.support_measure AS m SET candidate_id = c.candidate_id, stage = 'after_return'
        FROM {S}.returnee_case AS c WHERE c.id = m.case_id
    """)
    op.alter_column("support_measure", "candidate_id", nullable=False, schema=S)
    op.alter_column("support_measure", "stage", nullable=False, schema=S)
    op.alter_column("support_measure", "case_id", nullable=True, schema=S)
    op.drop_constraint(op.f("ck_support_measure_kind_known"), "support_measure", schema=S)
    op.drop_constraint(op.f("ck_support_measure_money_only_for_grants_loans"),
                       "support_measure", schema=S)
    op.create_check_constraint(op.f("ck_support_measure_kind_known"), "support_measure",
                               f"kind IN {_in(KINDS)}", schema=S)
    op.create_check_constraint(
        op.f("ck_support_measure_money_only_for_money_kinds"), "support_measure",
        f"kind IN {_in(MONEY_KINDS)} OR (amount IS NULL AND currency IS NULL "
        "AND disbursed_date IS NULL)", schema=S)
    op.create_check_constraint(op.f("ck_support_measure_stage_known"), "support_measure",
                               f"stage IN {_in(STAGES)}", schema=S)
    op.drop_index("ix_support_measure_programme_kind", table_name="support_measure", schema=S)
    op.create_index("ix_support_measure_programme_stage_kind", "support_measure",
                    ["programme_id", "stage", "kind"], schema=S)
    op.create_index("ix_support_measure_person", "support_measure",
                    ["candidate_id", "programme_id"], schema=S)

    # One case per person and programme: merge the duplicates into the oldest (which may take
    # the placement id of a duplicate still there: the old uniqueness goes first).
    op.drop_constraint(op.f("uq_returnee_case_placement_id"), "returnee_case", schema=S)
    op.execute(_MERGES)
    op.execute(f"UPDATE {S}.returnee_stay AS s SET case_id = m.keeper_id FROM case_merge AS m "
               "WHERE s.case_id = m.case_id")
    op.execute(f"UPDATE {S}.follow_up AS f SET case_id = m.keeper_id FROM case_merge AS m "
               "WHERE f.case_id = m.case_id")
    op.execute(f"UPDATE {S}.support_measure AS s SET case_id = m.keeper_id "
               "FROM case_merge AS m WHERE s.case_id = m.case_id")
    op.execute(_KEEPERS)
    op.execute(f"DELETE FROM {S}.returnee_case AS c USING case_merge AS m "
               "WHERE c.id = m.case_id")
    op.execute("DROP TABLE case_merge")
    op.create_unique_constraint(op.f("uq_returnee_case_candidate_id_programme_id"),
                                "returnee_case", ["candidate_id", "programme_id"], schema=S)
    op.drop_index("ix_reintegration_returnee_case_candidate_id", table_name="returnee_case",
                  schema=S)
    op.drop_index("ix_returnee_case_programme", table_name="returnee_case", schema=S)
    op.create_index("ix_returnee_case_programme", "returnee_case", ["programme_id"], schema=S,
                    postgresql_include=["id", "gender", "origin_country", "sector",
                                        "destination_country"])


# Downgrade: every stay but the case's own (its placement_id) becomes a case of its own.
_SPLITS = f"""
    CREATE TEMPORARY TABLE stay_split AS
    SELECT s.id AS stay_id, s.case_id, gen_random_uuid() AS new_case_id
    FROM {S}.returnee_stay AS s JOIN {S}.returnee_case AS c ON c.id = s.case_id
    WHERE s.placement_id <> c.placement_id
"""
_SPLIT_CASES = f"""
    INSERT INTO {S}.returnee_case (id, placement_id, candidate_id, programme_id, employer_id,
        origin_country, destination_country, gender, sector, return_date, placement_outcome,
        end_reason, status, caseworker_subject, notes, closed_at, close_reason, erased_at,
        created_at, updated_at, version)
    SELECT x.new_case_id, s.placement_id, c.candidate_id, c.programme_id, s.employer_id,
           c.origin_country, s.destination_country, c.gender, s.sector, s.return_date,
           s.placement_outcome, s.end_reason, c.status, c.caseworker_subject, NULL,
           c.closed_at, c.close_reason, c.erased_at, s.created_at, now(), 1
    FROM stay_split AS x
    JOIN {S}.returnee_stay AS s ON s.id = x.stay_id
    JOIN {S}.returnee_case AS c ON c.id = x.case_id
"""


def downgrade() -> None:
    """Downgrade schema and data (see the module docstring for what cannot go back)."""
    op.drop_index("ix_returnee_case_programme", table_name="returnee_case", schema=S)
    op.create_index("ix_returnee_case_programme", "returnee_case", ["programme_id"], schema=S,
                    postgresql_include=["id", "gender", "origin_country", "sector"])
    op.create_index("ix_reintegration_returnee_case_candidate_id", "returnee_case",
                    ["candidate_id"], schema=S)
    op.drop_constraint(op.f("uq_returnee_case_candidate_id_programme_id"), "returnee_case",
                       schema=S)
    op.execute(_SPLITS)
    op.execute(_SPLIT_CASES)
    op.execute(f"UPDATE {S}.follow_up AS f SET case_id = x.new_case_id FROM stay_split AS x "
               "WHERE f.stay_id = x.stay_id")
    op.execute("DROP TABLE stay_split")
    op.create_unique_constraint(op.f("uq_returnee_case_placement_id"), "returnee_case",
                                ["placement_id"], schema=S)

    op.drop_index("ix_support_measure_person", table_name="support_measure", schema=S)
    op.drop_index("ix_support_measure_programme_stage_kind", table_name="support_measure",
                  schema=S)
    op.create_index("ix_support_measure_programme_kind", "support_measure",
                    ["programme_id", "kind"], schema=S)
    op.execute(f"DELETE FROM {S}.support_measure "
               f"WHERE case_id IS NULL OR kind NOT IN {_in(OLD_KINDS)}")
    op.drop_constraint(op.f("ck_support_measure_stage_known"), "support_measure", schema=S)
    op.drop_constraint(op.f("ck_support_measure_money_only_for_money_kinds"),
                       "support_measure", schema=S)
    op.drop_constraint(op.f("ck_support_measure_kind_known"), "support_measure", schema=S)
    op.create_check_constraint(op.f("ck_support_measure_kind_known"), "support_measure",
                               f"kind IN {_in(OLD_KINDS)}", schema=S)
    op.create_check_constraint(
        op.f("ck_support_measure_money_only_for_grants_loans"), "support_measure",
        f"kind IN {_in(OLD_MONEY_KINDS)} OR (amount IS NULL AND currency IS NULL "
        "AND disbursed_date IS NULL)", schema=S)
    op.alter_column("support_measure", "case_id", nullable=False, schema=S)
    op.drop_column("support_measure", "stage", schema=S)
    op.drop_column("support_measure", "candidate_id", schema=S)

    op.drop_index("ix_follow_up_programme_point", table_name="follow_up", schema=S)
    op.create_index("ix_follow_up_programme_point", "follow_up", ["programme_id", "point_months"],
                    schema=S, postgresql_include=["case_id", "status", "employment_status",
                                                  "job_location"])
    op.drop_index("ix_follow_up_case_due", table_name="follow_up", schema=S)
    op.drop_constraint(op.f("ck_follow_up_answered_on_when_completed"), "follow_up", schema=S)
    op.drop_constraint(op.f("fk_follow_up_stay_id_returnee_stay"), "follow_up", schema=S)
    op.drop_constraint(op.f("uq_follow_up_stay_id_point_months"), "follow_up", schema=S)
    op.create_unique_constraint(op.f("uq_follow_up_case_id_point_months"), "follow_up",
                                ["case_id", "point_months"], schema=S)
    op.drop_column("follow_up", "answered_on", schema=S)
    op.drop_column("follow_up", "stay_id", schema=S)

    op.drop_index("ix_returnee_stay_programme", table_name="returnee_stay", schema=S)
    op.drop_index("ix_returnee_stay_case_return", table_name="returnee_stay", schema=S)
    op.drop_table("returnee_stay", schema=S)
