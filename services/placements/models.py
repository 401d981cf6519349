"""Every table of the placements service, imported so Alembic sees the whole metadata."""

from services.placements.credentials.models import Credential, CredentialKey
from services.placements.database import Base, event_tables, idempotency_keys
from services.placements.employers.models import Employer, EmployerSuspension
from services.placements.erasure.models import ErasedCandidate
from services.placements.grievances.models import Grievance, GrievanceAction
from services.placements.matching.models import MatchingProposal, MatchingRun
from services.placements.monitoring.models import Alert, CheckIn, Evaluation, Mentor
from services.placements.placements.models import (
    Placement,
    PlacementExtension,
    PlacementTransition,
)
from services.placements.recruitment_costs.models import (
    ExchangeRateTable,
    PlacementEarnings,
    RecruitmentCost,
)
from services.placements.vacancies.models import Vacancy

__all__ = ["Alert", "Base", "CheckIn", "Credential", "CredentialKey", "Employer",
           "EmployerSuspension", "ErasedCandidate", "Evaluation", "ExchangeRateTable",
           "Grievance", "GrievanceAction", "MatchingProposal", "MatchingRun", "Mentor",
           "Placement", "PlacementEarnings", "PlacementExtension", "PlacementTransition",
           "RecruitmentCost", "Vacancy", "event_tables", "idempotency_keys"]
