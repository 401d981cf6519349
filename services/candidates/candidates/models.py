"""Candidate profile and the append-only consent record."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.candidates.database import Base, IdMixin, TimestampsMixin, VersionMixin

GENDERS = ("female", "male", "other", "undisclosed")


class Candidate(IdMixin, TimestampsMixin, VersionMixin, Base):
    """A person who applies to programmes: identity, education, skills, languages, wishes.

    Education, skills and languages are JSONB documents on the row so that the profile is read
    in one indexed lookup; ``skill_keys`` holds their normalised labels and URIs for filtering.
    """

    __tablename__ = "candidate"
    __table_args__ = (
        CheckConstraint(f"gender IN {GENDERS}", name="gender_known"),
        CheckConstraint(
            "available_until_date IS NULL OR available_until_date >= available_from_date",
            name="availability_order",
        ),
        # E-mails are unique by their keyed digest (shared.sealing), not by the address: a clash
        # the database logs then names a digest, never the address.
        Index("ix_candidate_email_digest", "email_digest", unique=True),
        Index("ix_candidate_skill_keys", "skill_keys", postgresql_using="gin"),
        Index("ix_candidate_preferred_sectors", "preferred_sectors", postgresql_using="gin"),
        Index("ix_candidate_nationality_created", "nationality", "created_at", "id"),
        # The list's keyset order. A bulk import inserts many rows in one transaction, all with
        # the same now(); with an index on created_at alone those ties would need a sort.
        Index("ix_candidate_created_id", "created_at", "id"),
        # Who registered the person (see the owner columns below): the scopes read them.
        Index("ix_candidate_account_subject", "account_subject", unique=True),
        Index("ix_candidate_registered_programme_id", "registered_programme_id",
              postgresql_where=text("registered_programme_id IS NOT NULL")),
        Index("ix_candidate_registered_institution_id", "registered_institution_id",
              postgresql_where=text("registered_institution_id IS NOT NULL")),
        # The likely duplicates of a new record are looked up by birth date and by the last
        # digits of the phone (services/candidates/duplicates/repository.py).
        Index("ix_candidate_date_of_birth", "date_of_birth"),
        Index("ix_candidate_phone_tail", text(r"right(regexp_replace(phone, '\D', '', 'g'), 8)"),
              postgresql_where=text("phone IS NOT NULL")),
        # An import looks its people's likely duplicates up by name key and birth date (or
        # phone): on a large register, the few with a similar name among those born that day.
        Index("ix_candidate_name_key_born", "name_key", "date_of_birth",
              postgresql_where=text("name_key IS NOT NULL")),
    )

    # Overrides the mixin's column only to drop its single-column index, which the composite
    # index above makes redundant.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    given_name: Mapped[str] = mapped_column(Text, nullable=False)
    family_name: Mapped[str] = mapped_column(Text, nullable=False)
    email: Mapped[str] = mapped_column(Text, nullable=False)
    # HMAC-SHA256 of the normalised e-mail under DIGEST_KEY; null once the person is erased.
    email_digest: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    # The skeletons of the two names (duplicates.matching.name_key), written with them; null
    # for a name too short to compare, or an erased one.
    name_key: Mapped[str | None] = mapped_column(Text)
    date_of_birth: Mapped[date] = mapped_column(Date, nullable=False)
    gender: Mapped[str] = mapped_column(Text, nullable=False)
    nationality: Mapped[str] = mapped_column(Text, nullable=False)
    residence_country: Mapped[str] = mapped_column(Text, nullable=False)
    residence_city: Mapped[str | None] = mapped_column(Text)
    education: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    skills: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    skill_keys: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    languages: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, nullable=False, server_default=text("'[]'")
    )
    preferred_sectors: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    preferred_countries: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'")
    )
    available_from_date: Mapped[date | None] = mapped_column(Date)
    available_until_date: Mapped[date | None] = mapped_column(Date)

    # Owner links, set once at creation and never through the API's updates: the candidate's
    # own account (the token's subject) that created the profile; the programme an officer, or
    # the institution, that registered the person.
    account_subject: Mapped[str | None] = mapped_column(Text)
    registered_programme_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("candidates.programme.id"))
    registered_institution_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("candidates.institution.id"))
    # Set when an officer merged this record into another, the same person's (see
    # services/candidates/duplicates): the record then leaves the lists and its reads point
    # at the one kept. Cleared by an unmerge.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("candidates.candidate.id"))


# ISO/IEC TS 27560's vocabularies, as stored. The legal bases are GDPR Art. 6(1)'s.
LEGAL_BASES = ("consent", "contract", "legal_obligation", "vital_interests", "public_task",
               "legitimate_interests")
# How the consent was collected: the person's own online form, a paper form an officer entered,
# a line of an import of applications; ``unrecorded`` for events older than this record.
CONSENT_METHODS = ("online_form", "paper_form", "import", "unrecorded")


class Consent(Base):
    """One consent event (given or withdrawn) for a purpose; never updated or deleted.

    The fields are ISO/IEC TS 27560's consent record: the purpose, its legal basis, the version
    of the notice the person saw, the event (given or withdrawn, and until when a given one
    lasts: past ``expires_at`` it is expired without anyone writing), who recorded it (the
    account's subject and role: the person themself or an officer entering a paper form), on
    whose behalf (``candidate_id``), under which jurisdiction, by which method, and when.
    """

    __tablename__ = "consent"
    __table_args__ = (
        CheckConstraint("action IN ('given', 'withdrawn')", name="action_known"),
        CheckConstraint(f"legal_basis IN {LEGAL_BASES}", name="legal_basis_known"),
        CheckConstraint(f"method IN {CONSENT_METHODS}", name="method_known"),
        CheckConstraint("expires_at IS NULL OR action = 'given'", name="expiry_of_given"),
        Index("ix_consent_candidate_purpose", "candidate_id", "purpose", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("candidates.candidate.id", ondelete="CASCADE"), nullable=False
    )
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False,
                                             server_default=text("'consent'"))
    text_version: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Null on events recorded before who-recorded-it was kept.
    given_by_subject: Mapped[str | None] = mapped_column(Text)
    given_by_role: Mapped[str | None] = mapped_column(Text)
    jurisdiction: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text, nullable=False,
                                        server_default=text("'unrecorded'"))
    # clock_timestamp(), not now(): events appended in one transaction must still be ordered,
    # since the latest event per purpose is the consent in force.
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()
    )
