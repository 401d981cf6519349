"""HTTP route of the bulk candidate import."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.candidates import access
from services.candidates.candidates import service as candidate_service
from services.candidates.candidates.exceptions import ProgrammeRequired
from services.candidates.imports import service
from services.candidates.imports.exceptions import ImportTooLarge, UnsupportedImportFormat
from services.candidates.imports.schemas import ImportReport
from services.candidates.institutions.exceptions import InstitutionNotFound
from services.candidates.programmes.exceptions import ProgrammeNotFound
from shared.auth import AUTH_RESPONSES, PrincipalDep
from shared.errors import responses

router = APIRouter(prefix="/v1/candidate-imports", tags=["candidates"],
                   responses=AUTH_RESPONSES)

_MEDIA_TYPES = {"text/csv": "csv", "application/x-ndjson": "ndjson",
                "application/ndjson": "ndjson"}
_EXAMPLE_CSV = (
    "given_name,family_name,email,date_of_birth,gender,nationality,residence_country,"
    "education_level,education_field,education_institution,education_year,skills,languages,"
    "preferred_sectors,preferred_countries,available_from_date\n"
    "Amina,Benali,amina.benali@example.org,2000-05-17,female,MA,MA,bachelor,computer science,"
    "Université Mohammed V,2022,python; sql,fr:B2; ar:C2,ict,FR,2026-09-01\n"
)


@router.post("", response_model=ImportReport, dependencies=[access.IMPORTS_PEOPLE],
             responses=responses(UnsupportedImportFormat, ImportTooLarge, ProgrammeRequired,
                                 ProgrammeNotFound, InstitutionNotFound),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}, "example": _EXAMPLE_CSV},
                 "application/x-ndjson": {"schema": {"type": "string"}},
             }}})
async def import_candidates(
    request: Request,
    principal: PrincipalDep,
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
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    file_format = _MEDIA_TYPES.get(media_type)
    if file_format is None:
        raise UnsupportedImportFormat(
            f"Send the file as {', '.join(sorted(_MEDIA_TYPES))}, not '{media_type or 'none'}'.")
    settings = request.app.state.settings
    limit = settings.import_max_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ImportTooLarge(f"The file is larger than {limit} bytes; split it.")
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > limit:
            raise ImportTooLarge(f"The file is larger than {limit} bytes; split it.")
    return await service.import_candidates(request.app.state.database, content=bytes(content),
                                           file_format=file_format,
                                           batch_size=settings.import_batch_size,
                                           links=links)
