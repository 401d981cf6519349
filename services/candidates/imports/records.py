"""COPY rows of validated import lines, in the candidate table's column order; and, in an
import of applications, each line's application beside its row."""

import uuid
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from services.candidates.duplicates import matching
from shared import sealing

COLUMNS = ("given_name", "family_name", "email", "phone", "date_of_birth", "gender",
           "nationality", "residence_country", "residence_city", "education", "skills",
           "skill_keys", "languages", "preferred_sectors", "preferred_countries",
           "available_from_date", "available_until_date", "email_digest", "name_key")
# The row's id, made here so that the import can answer with it, and who the row belongs to
# (the same on every row of an import): the import's rows are COPY'd in IMPORT_COLUMNS.
OWNER_COLUMNS = ("id", "registered_programme_id", "registered_institution_id")
IMPORT_COLUMNS = COLUMNS + OWNER_COLUMNS
ID = IMPORT_COLUMNS.index("id")
NATIONALITY = IMPORT_COLUMNS.index("nationality")
RESIDENCE = IMPORT_COLUMNS.index("residence_country")
_GIVEN, _FAMILY, _BORN, _PHONE = (IMPORT_COLUMNS.index(name) for name in (
    "given_name", "family_name", "date_of_birth", "phone"))


class Application(NamedTuple):
    """The application of an import line (``schemas.ApplicantRow``'s own fields), its id made
    here so that the report can name it. A tuple, as the COPY row beside it."""

    id: uuid.UUID
    consents: tuple[str, ...]  # the purposes the person's form consents to
    consent_text_version: str | None
    submitted_at: datetime | None  # None: submitted at the import's time
    motivation: str | None


# A validated line waiting for its batch: its number, its candidate COPY row (:func:`record`),
# and its application in an import of applications (None in an import of people).
Line = tuple[int, tuple[Any, ...], Application | None]


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _keys(skills: list[dict[str, Any]]) -> tuple[str, ...]:
    # As candidates.service.skill_keys, on the import's plain dicts.
    keys: dict[str, None] = {}
    for skill in skills:
        if (uri := skill["uri"]) is not None:
            keys[uri.lower()] = None
        if (label := skill["label"]) is not None:
            keys[label.lower()] = None
    return tuple(keys)


def owner(programme_id: uuid.UUID | None,
          institution_id: uuid.UUID | None) -> tuple[Any, ...]:
    """The :data:`OWNER_COLUMNS` values of a new row: a new id, the programme, the institution."""
    return (uuid.uuid4(), programme_id, institution_id)


def record(row: dict[str, Any], owned: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """The COPY row of a line validated by ``schemas.candidate_row``, in :data:`COLUMNS` order,
    followed by ``owned`` (:func:`owner`: then in :data:`IMPORT_COLUMNS` order).

    The validated JSONB lists already have their full output shape (absent keys as null), as
    the candidates service writes them, so the read paths can emit them as stored. Arrays are
    tuples: a tuple of strings and dates is one the garbage collector stops tracking, and a
    batch of rows waiting for its COPY then costs it nothing.
    """
    get = row.get
    skills = get("skills", ())
    return (
        row["given_name"], row["family_name"], row["email"], get("phone"),
        row["date_of_birth"], row["gender"], row["nationality"], row["residence_country"],
        get("residence_city"), _json(get("education", ())), _json(skills), _keys(skills),
        _json(get("languages", ())), tuple(get("preferred_sectors", ())),
        tuple(get("preferred_countries", ())), get("available_from_date"),
        get("available_until_date"), sealing.email_digest(row["email"]),
        matching.name_key(row["given_name"], row["family_name"]), *owned,
    )


def person(row: tuple[Any, ...]) -> matching.Person:
    """What the rule of likely duplicates compares of an import's COPY row."""
    return matching.Person(given_name=row[_GIVEN], family_name=row[_FAMILY],
                           date_of_birth=row[_BORN], phone=row[_PHONE],
                           residence_country=row[RESIDENCE])


def application(row: dict[str, Any]) -> Application:
    """The application of a line validated by ``schemas.applicant_row``."""
    get = row.get
    return Application(uuid.uuid4(), tuple(get("consents", ())), get("consent_text_version"),
                       get("submitted_at"), get("motivation"))
