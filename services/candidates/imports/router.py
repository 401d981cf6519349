"""HTTP routes of the bulk imports: of candidates, and of applicants with their applications."""

import uuid
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.candidates import access
from services.candidates.candidates import service as candidate_service
from services.candidates.candidates.exceptions import ProgrammeRequired
from services.candidates.database import AccessRecorderDep
from services.candidates.imports import service
from services.candidates.imports.exceptions import ImportTooLarge, UnsupportedImportFormat
from services.candidates.imports.filing import Filing
from services.candidates.imports.schemas import ApplicationImportReport, ImportReport
from services.candidates.institutions.exceptions import InstitutionNotFound
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.access import STAFF
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.clock import NowDep
from shared.errors import responses
from shared.i18n import _

router = APIRouter(prefix="/v1/candidate-imports", tags=["candidates"],
                   responses=AUTH_RESPONSES)

_MEDIA_TYPES = {"text/csv": "csv", "application/x-ndjson": "ndjson",
                "application/ndjson": "ndjson"}
# The body is the file as it is: bytes, which client generators take as a file to send.
_FILE = {"type": "string", "format": "binary"}
_EXAMPLE_CSV = (
    "given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
    "education_level,education_field,education_institution,education_year,skills,languages,"
    "preferred_sectors,preferred_countries,available_from_date\n"
    "Amina,Benali,amina.benali@example.org,2000-05-17,female,MA,MA,bachelor,computer science,"
    "Université Mohammed V,2022,python; sql,fr:B2; ar:C2,ict,FR,2026-09-01\n"
)
_EXAMPLE_APPLICATIONS = (
    "given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
    "education_level,education_field,education_institution,education_year,skills,languages,"
    "preferred_sectors,preferred_countries,consents,consent_text_version,submitted_at\n"
    "Youssef,Alaoui,youssef.alaoui@example.org,1998-11-02,male,MA,MA,master,computer science,"
    "ENSIAS,2019,java; sql,nl:A2; fr:C1,ict,BE,data_processing,2019-01,"
    "2019-02-11T09:30:00Z\n"
)


@router.post("", response_model=ImportReport, dependencies=[access.IMPORTS_PEOPLE],
             responses=responses(UnsupportedImportFormat, ImportTooLarge, ProgrammeRequired,
                                 ProgrammeNotFound, InstitutionNotFound),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": _FILE, "example": _EXAMPLE_CSV},
                 "application/x-ndjson": {"schema": _FILE},
             }}})
async def import_candidates(
    request: Request,
    principal: PrincipalDep,
    recorder: AccessRecorderDep,
    programme_id: Annotated[uuid.UUID | None, Query(
        description="The programme the people are registered for: required from an officer "
        "(one of their programmes), optional for an admin.")] = None,
    institution_id: Annotated[uuid.UUID | None, Query(
        description="The institution whose students they are: an admin may name one; an "
        "institution's own is implied.")] = None,
) -> ImportReport:
    """Import many candidates at once from CSV or NDJSON (send the file as the body).

    Every line is validated like a ``POST /v1/candidates`` body; good lines are imported in
    batches, each committed on its own, and every rejected line is reported with its number and
    reasons. An email already registered, or repeated in the file, rejects its line. CSV packs
    lists into cells: ``skills`` as ``python; sql``, ``languages`` as ``fr:B2; ar:C2``, and one
    education entry in ``education_level``, ``education_field``, ``education_institution``,
    ``education_year``.

    Who the people belong to is as for ``POST /v1/candidates``, given as query parameters: an
    officer names one of their programmes (``?programme_id=``), an institution imports its own
    students, an admin may name either. The report lists the created ids (``created_ids``,
    in line order); the people are in the importer's view at once.
    """
    links = candidate_service.registration(principal, programme_id=programme_id,
                                           institution_id=institution_id)
    await service.ensure_links(request.app.state.database, links=links)
    content, file_format = await _file(request)
    settings = request.app.state.settings
    report = await service.import_candidates(request.app.state.database, content=content,
                                             file_format=file_format,
                                             batch_size=settings.import_batch_size,
                                             links=links)
    # Each batch committed on its own; the entries commit with this request's session.
    recorder.change(report.created_ids, "candidate")
    return report


@router.post("/applications", response_model=ApplicationImportReport,
             dependencies=[access.IMPORTS_PEOPLE],
             responses=responses(UnsupportedImportFormat, ImportTooLarge, ProgrammeRequired,
                                 ProgrammeNotFound, InstitutionNotFound),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": _FILE, "example": _EXAMPLE_APPLICATIONS},
                 "application/x-ndjson": {"schema": _FILE},
             }}})
async def import_applications(
    request: Request,
    principal: PrincipalDep,
    now: NowDep,
    recorder: AccessRecorderDep,
    programme_id: Annotated[uuid.UUID | None, Query(
        description="Required: the programme the applications are filed to (one of an "
        "officer's own; any programme for an institution, as its nominations).")] = None,
    institution_id: Annotated[uuid.UUID | None, Query(
        description="An admin may file as an institution (its people, nominated by it); an "
        "institution's own is implied.")] = None,
) -> ApplicationImportReport:
    """Import many applicants at once, each with their application to the programme, submitted
    (the forms of a call for applications, a partner agency's file): CSV or NDJSON as for
    ``POST /v1/candidate-imports``, each line a person plus

    - ``consents``: the purposes the person consented to on their form (CSV: packed as
      ``data_processing; visa_file_sharing``), with ``consent_text_version``, the version of
      the text they signed. Nothing else is ever consented for them: a programme requiring a
      consent the line does not give refuses the line (``consent-required``).
    - ``submitted_at`` (optional, staff only): when the application was submitted, for a past
      intake; default now. An institution's line giving it is refused
      (``historical-entry-forbidden``).
    - ``motivation`` (optional).

    Each line is held to the rules of ``POST /v1/applications/{id}/submit``: not in the future
    (``invalid-dates``), inside the intake window at its submission (``intake-closed``), from
    an origin the programme has not suspended (``origin-suspended``). A refused line is
    reported with its number, the field and the problem's ``type``, and nothing of it is
    stored (neither the person nor their consents); the good lines go in, in batches.

    An officer files to one of their programmes (another is a 404) and the people are
    registered for it; an institution files its own people to any programme, each nominated
    by it (so that it follows their applications); a candidate never uses this route (403).
    The report lists, per imported line, the person's id (``created_ids``) and their
    application's (``application_ids``).
    """
    links = candidate_service.registration(
        principal, institution_id=institution_id,
        # An institution's people are its own: the programme is where they apply, not whose.
        programme_id=None if principal.role == "institution" else programme_id)
    # Checked after the links the caller names (another's institution is a 404 first).
    if programme_id is None:
        raise ProgrammeRequired(_("Say which programme the applications are filed to: "
                                  "programme_id."))
    await service.ensure_links(request.app.state.database,
                               links=replace(links, programme_id=programme_id))
    content, file_format = await _file(request)
    settings = request.app.state.settings
    filing = Filing(programme_id=programme_id, now=now, staff=principal.role in STAFF,
                    nominated_by=links.institution_id,
                    filed_by=(principal.subject, principal.role))
    report = await service.import_applications(
        request.app.state.database, content=content, file_format=file_format,
        batch_size=settings.import_batch_size, links=links, filing=filing)
    recorder.change(report.created_ids, "application")
    return report


async def _file(request: Request) -> tuple[bytes, str]:
    """The body of an import and its format (UnsupportedImportFormat, ImportTooLarge)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    file_format = _MEDIA_TYPES.get(media_type)
    if file_format is None:
        raise UnsupportedImportFormat(media_type or "none")
    limit = request.app.state.settings.import_max_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ImportTooLarge(_("The file is larger than {limit} bytes; split it.", limit=limit))
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > limit:
            raise ImportTooLarge(_("The file is larger than {limit} bytes; split it.", limit=limit))
    return bytes(content), file_format
