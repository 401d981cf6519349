"""The codes of the candidates service a client shows a person, declared for their display names
(``GET /v1/labels/candidates``; the names are in this package's catalogues, see
:mod:`shared.i18n`). The codes themselves never change with the language."""

from typing import get_args

from services.candidates.agreements.schemas import ConsortiumRole
from services.candidates.applications.models import STATUSES
from services.candidates.candidates.schemas import ConsentAction, ConsentMethod, ConsentState
from services.candidates.duplicates.models import FLAG_STATUSES
from services.candidates.institutions.schemas import InstitutionKind
from services.candidates.notices import kinds as notices
from services.candidates.training.models import ENROLMENT_STATUSES
from services.candidates.vocabulary import EDUCATION_LEVELS, Gender, StayType
from shared.i18n import declare_labels

# The purposes the programmes' consent texts name (a programme may name others: shown as codes).
CONSENT_PURPOSES = ("data_processing", "visa_file_sharing")

declare_labels("application.status", STATUSES)
declare_labels("consent.state", (*get_args(ConsentState), "missing"))
declare_labels("consent.action", get_args(ConsentAction))
declare_labels("consent.method", get_args(ConsentMethod))
declare_labels("consent.purpose", CONSENT_PURPOSES)
declare_labels("enrolment.status", ENROLMENT_STATUSES)
declare_labels("duplicate.status", FLAG_STATUSES)
declare_labels("gender", get_args(Gender))
declare_labels("education.level", EDUCATION_LEVELS)
declare_labels("stay.type", get_args(StayType))
declare_labels("institution.kind", get_args(InstitutionKind))
declare_labels("consortium.role", get_args(ConsortiumRole))
declare_labels("notice.kind", notices.KINDS)
declare_labels("notice.channel", notices.CHANNELS)
declare_labels("notice.status", notices.STATUSES)
declare_labels("notice.reason", notices.REASONS)
