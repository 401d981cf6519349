"""Pools as arrays: every label becomes a column index once, so the rest works on matrices.

Vocabularies come from the vacancy side: a skill, language, country, sector or education field
that no vacancy mentions cannot change any score or constraint, so candidates' other labels are
dropped here rather than carried as empty columns (3,000 skills in vacancies keep 3,000
columns however many more the candidates list).

Labels are normalised once (:func:`skill_key`, :func:`field_key`), and the explanation of a pair
uses the same functions, so the sets it lists are the ones the matrices counted.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from services.placements.matching.inputs import CandidateProfile, VacancyProfile, cefr_rank

# A candidate who does not speak a language, and a vacancy that does not require it, both get
# this level: "not spoken" fails every requirement (-1 < 0..5) and "not required" is passed by
# everyone (level >= -1).
NO_LEVEL: Final = -1
# Dates as ordinals; open-ended availability becomes a bound no date reaches.
OPEN_START: Final = np.iinfo(np.int32).min
OPEN_END: Final = np.iinfo(np.int32).max


def skill_key(label: str) -> str:
    """A skill label or URI as compared: trimmed and lower-cased."""
    return label.strip().lower()


def field_key(label: str) -> str:
    """An education field as compared: trimmed and case-folded."""
    return label.strip().casefold()


def _vocabulary(labels: Iterable[str]) -> dict[str, int]:
    # Sorted, so the same pools give the same columns whatever their order.
    return {label: i for i, label in enumerate(sorted(set(labels)))}


def _incidence(rows: Sequence[Iterable[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    """0/1 CSR (len(rows) x len(vocabulary)); unknown labels dropped, repeats counted once."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indices: list[int] = []
    for i, labels in enumerate(rows):
        columns = sorted({vocabulary[label] for label in labels if label in vocabulary})
        indices.extend(columns)
        indptr[i + 1] = len(indices)
    data = np.ones(len(indices), dtype=np.float64)
    return sp.csr_matrix((data, np.asarray(indices, dtype=np.int32), indptr),
                         shape=(len(rows), len(vocabulary)))


def _membership(rows: Sequence[Iterable[str]], vocabulary: dict[str, int]) -> np.ndarray:
    """Dense bool (len(rows) x len(vocabulary)+1): row i has label j; last column always False."""
    table = np.zeros((len(rows), len(vocabulary) + 1), dtype=bool)
    for i, labels in enumerate(rows):
        for label in labels:
            j = vocabulary.get(label)
            if j is not None:
                table[i, j] = True
    return table


def _levels(rows: Sequence[Iterable[tuple[str, str]]], vocabulary: dict[str, int]) -> np.ndarray:
    """int16 (len(rows) x len(vocabulary)) CEFR ranks, NO_LEVEL where absent.

    A language listed twice counts at its higher rank: a candidate's best level, a vacancy's
    strictest minimum.
    """
    table = np.full((len(rows), len(vocabulary)), NO_LEVEL, dtype=np.int16)
    for i, pairs in enumerate(rows):
        for code, level in pairs:
            j = vocabulary.get(code.strip().lower())
            if j is not None:
                table[i, j] = max(table[i, j], cefr_rank(level))
    return table


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """Both pools as arrays, indexed by position in ``candidates`` and ``vacancies``.

    Candidate-side arrays have one row per candidate, vacancy-side one per vacancy; the
    ``*_of_vacancy`` arrays hold column indices into the candidate-side tables.
    """

    candidates: Sequence[CandidateProfile]
    vacancies: Sequence[VacancyProfile]
    candidate_index: dict[uuid.UUID, int]
    vacancy_index: dict[uuid.UUID, int]
    languages: tuple[str, ...]  # columns of the level tables: languages some vacancy requires
    # candidates
    skills: sp.csr_matrix  # n_c x K, 0/1
    spoken: np.ndarray  # n_c x L int16 CEFR rank or NO_LEVEL
    fields: np.ndarray  # n_c x (F+1) bool
    likes_sector: np.ndarray  # n_c x (S+1) bool
    likes_country: npt.NDArray[np.bool_]  # n_c x (Q+1): country listed explicitly
    any_country: npt.NDArray[np.bool_]  # n_c: no preferred country, so any destination
    nationality: np.ndarray  # n_c int: column of eligible
    available_from: np.ndarray  # n_c int64 ordinal, OPEN_START when open
    available_until: np.ndarray  # n_c int64 ordinal, OPEN_END when open
    gender: np.ndarray  # n_c object: the gender strings
    # vacancies
    required: sp.csr_matrix  # n_v x K, 0/1
    nice: sp.csr_matrix  # n_v x K, 0/1
    required_count: np.ndarray  # n_v float
    nice_count: np.ndarray  # n_v float
    minimum: np.ndarray  # n_v x L int16 CEFR rank or NO_LEVEL
    language_count: np.ndarray  # n_v float: languages required
    # The same requirements as up to M "slots" per vacancy (M: the most languages any vacancy
    # requires, usually 1 or 2): slot k of vacancy v asks for language column
    # slot_language[v, k] at slot_minimum[v, k]; an unused slot asks for NO_LEVEL.
    slot_language: np.ndarray  # n_v x M int
    slot_minimum: np.ndarray  # n_v x M int16
    field_of_vacancy: np.ndarray  # n_v int, F (the all-False column) when none
    sector_of_vacancy: np.ndarray  # n_v int
    country_of_vacancy: np.ndarray  # n_v int
    eligible: np.ndarray  # n_v x N bool: nationality j admitted
    start: np.ndarray  # n_v int64 ordinal
    last: np.ndarray  # n_v int64 ordinal
    seats: np.ndarray  # n_v int64
    employer: np.ndarray  # n_v int: index of the employer
    # exclusions, sorted by candidate
    excluded_candidate: np.ndarray
    excluded_vacancy: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(candidates, vacancies)."""
        return len(self.candidates), len(self.vacancies)


def _slots(minimum: np.ndarray) -> dict[str, np.ndarray]:
    """``slot_language`` and ``slot_minimum`` from the (vacancies x languages) minimum table."""
    required = minimum != NO_LEVEL
    width = int(required.sum(axis=1).max(initial=0))
    language = np.zeros((len(minimum), width), dtype=np.int64)
    level = np.full((len(minimum), width), NO_LEVEL, dtype=np.int16)
    for v, columns in enumerate(required):
        (js,) = np.nonzero(columns)
        language[v, :len(js)] = js
        level[v, :len(js)] = minimum[v, js]
    return {"slot_language": language, "slot_minimum": level}


def _index(ids: Iterable[uuid.UUID], what: str) -> dict[uuid.UUID, int]:
    index: dict[uuid.UUID, int] = {}
    for i, key in enumerate(ids):
        if key in index:
            raise ValueError(f"{what} {key} appears twice")
        index[key] = i
    return index


def encode(candidates: Sequence[CandidateProfile], vacancies: Sequence[VacancyProfile],
           exclusions: Iterable[tuple[uuid.UUID, uuid.UUID]] = ()) -> Problem:
    """Encode both pools; exclusions naming an unknown candidate or vacancy are ignored."""
    candidate_index = _index((c.candidate_id for c in candidates), "candidate")
    vacancy_index = _index((v.vacancy_id for v in vacancies), "vacancy")

    skills = _vocabulary(skill_key(s) for v in vacancies
                         for s in (*v.required_skills, *v.nice_to_have_skills))
    languages = _vocabulary(code.strip().lower() for v in vacancies
                            for code, _ in v.required_languages)
    fields = _vocabulary(field_key(v.education_field) for v in vacancies if v.education_field)
    sectors = _vocabulary(v.sector for v in vacancies)
    countries = _vocabulary(v.country.upper() for v in vacancies)
    nationalities = _vocabulary(c.nationality.upper() for c in candidates)
    employers = _vocabulary(str(v.employer_id) for v in vacancies)

    excluded = sorted({(candidate_index[c], vacancy_index[v]) for c, v in exclusions
                       if c in candidate_index and v in vacancy_index})
    eligible = np.ones((len(vacancies), len(nationalities)), dtype=bool)
    for i, v in enumerate(vacancies):
        if v.eligible_nationalities is not None:
            allowed = {n.upper() for n in v.eligible_nationalities}
            eligible[i] = [n in allowed for n in nationalities]

    required = _incidence([[skill_key(s) for s in v.required_skills] for v in vacancies], skills)
    nice = _incidence([[skill_key(s) for s in v.nice_to_have_skills] for v in vacancies], skills)
    minimum = _levels([v.required_languages for v in vacancies], languages)
    return Problem(
        candidates=candidates, vacancies=vacancies,
        candidate_index=candidate_index, vacancy_index=vacancy_index,
        languages=tuple(languages),
        skills=_incidence([[skill_key(s) for s in c.skill_keys] for c in candidates], skills),
        spoken=_levels([c.languages for c in candidates], languages),
        fields=_membership([[field_key(f) for _, f in c.education if f] for c in candidates],
                           fields),
        likes_sector=_membership([c.preferred_sectors for c in candidates], sectors),
        likes_country=_membership([[q.upper() for q in c.preferred_countries]
                                   for c in candidates], countries),
        any_country=np.array([not c.preferred_countries for c in candidates], dtype=bool),
        nationality=np.array([nationalities[c.nationality.upper()] for c in candidates],
                             dtype=np.int64),
        available_from=np.array([c.available_from_date.toordinal() if c.available_from_date
                                 else OPEN_START for c in candidates], dtype=np.int64),
        available_until=np.array([c.available_until_date.toordinal() if c.available_until_date
                                  else OPEN_END for c in candidates], dtype=np.int64),
        gender=np.array([c.gender for c in candidates], dtype=object),
        required=required, nice=nice,
        required_count=np.asarray(required.sum(axis=1), dtype=np.float64).ravel(),
        nice_count=np.asarray(nice.sum(axis=1), dtype=np.float64).ravel(),
        minimum=minimum,
        language_count=(minimum != NO_LEVEL).sum(axis=1).astype(np.float64),
        **_slots(minimum),
        field_of_vacancy=np.array([fields[field_key(v.education_field)] if v.education_field
                                   else len(fields) for v in vacancies], dtype=np.int64),
        sector_of_vacancy=np.array([sectors[v.sector] for v in vacancies], dtype=np.int64),
        country_of_vacancy=np.array([countries[v.country.upper()] for v in vacancies],
                                    dtype=np.int64),
        eligible=eligible,
        start=np.array([v.start_date.toordinal() for v in vacancies], dtype=np.int64),
        last=np.array([v.last_date.toordinal() for v in vacancies], dtype=np.int64),
        seats=np.array([v.seats for v in vacancies], dtype=np.int64),
        employer=np.array([employers[str(v.employer_id)] for v in vacancies], dtype=np.int64),
        excluded_candidate=np.array([c for c, _ in excluded], dtype=np.int64),
        excluded_vacancy=np.array([v for _, v in excluded], dtype=np.int64),
    )
