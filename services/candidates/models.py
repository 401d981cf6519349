"""Every table of the candidates service, imported so Alembic sees the whole metadata."""

from services.candidates.agreements.models import Agreement, AgreementParty, ConsortiumMember
from services.candidates.applications.models import Application, ApplicationTransition
from services.candidates.candidates.models import Candidate, Consent
from services.candidates.database import Base, event_tables, idempotency_keys
from services.candidates.duplicates.models import DuplicateDecision, DuplicateFlag
from services.candidates.erasure.models import CandidateErasure
from services.candidates.institutions.models import Institution, Nomination
from services.candidates.notices.models import Notice, NoticePreference, NoticeSchedule
from services.candidates.planned_sessions.models import PlannedSession
from services.candidates.programmes.models import Programme
from services.candidates.retention.models import RetentionErasure, RetentionReturn
from services.candidates.training.models import Attendance, Enrolment, TrainingModule

__all__ = ["Agreement", "AgreementParty", "Application", "ApplicationTransition", "Attendance",
           "Base", "Candidate", "CandidateErasure", "Consent", "ConsortiumMember",
           "DuplicateDecision", "DuplicateFlag", "Enrolment",
           "Institution", "Nomination", "Notice", "NoticePreference", "NoticeSchedule",
           "PlannedSession", "Programme", "RetentionErasure", "RetentionReturn",
           "TrainingModule", "event_tables",
           "idempotency_keys"]
