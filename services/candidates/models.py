"""Every table of the candidates service, imported so Alembic sees the whole metadata."""

from services.candidates.applications.models import Application, ApplicationTransition
from services.candidates.candidates.models import Candidate, Consent
from services.candidates.database import Base, idempotency_keys
from services.candidates.institutions.models import Institution, Nomination
from services.candidates.programmes.models import Programme
from services.candidates.training.models import Attendance, Enrolment, TrainingModule

__all__ = ["Application", "ApplicationTransition", "Attendance", "Base", "Candidate", "Consent",
           "Enrolment", "Institution", "Nomination", "Programme", "TrainingModule",
           "idempotency_keys"]
