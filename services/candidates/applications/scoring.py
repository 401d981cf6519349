"""The selection score: a pure function of a candidate's profile and the programme, 0 to 100.

=============  ======  =====================================================================
part           max     points
=============  ======  =====================================================================
education      30      30 * rank(highest level) / rank(doctorate), ISCED order
                       (primary 0, bachelor 21.429, master 25.714, doctorate 30)
languages      30      30 * mean over the programme's required languages of
                       min(levels above the required CEFR level, 3) / 3; a language spoken at
                       the required level scores 0, three levels above (B1 → C2) the full share.
                       0 for everyone when the programme requires no language.
sector         25      25 when one of the candidate's preferred sectors is one of the
                       programme's sectors, else 0 (0 for everyone when the programme lists none)
nomination     15      15 when a partner institution nominated the candidate to this programme
=============  ======  =====================================================================

Each part is rounded to three decimals (the precision of ``application.score``) and the score
is their sum, so ``score_parts`` always adds up to ``score`` exactly. A part that is the same
for everyone in a programme (no required language, no sectors) cannot change the ranking.
Ties are broken outside this module: earlier submission first, then application id.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Final

from services.candidates.applications.screening import CandidateFacts
from services.candidates.vocabulary import EDUCATION_LEVELS, cefr_rank, education_rank

WEIGHTS: Final[Mapping[str, int]] = {"education": 30, "languages": 30, "sector": 25,
                                     "nomination": 15}
LANGUAGE_SURPLUS_CAP: Final = 3
_PRECISION: Final = Decimal("0.001")
_TOP_EDUCATION: Final = education_rank(EDUCATION_LEVELS[-1])


@dataclass(frozen=True, slots=True)
class Score:
    """A candidate's score and the points of each part."""

    total: Decimal
    parts: dict[str, Decimal]

    def parts_json(self) -> dict[str, float]:
        """``score_parts`` as stored and returned: part -> points."""
        return {name: float(points) for name, points in self.parts.items()}


def _points(weight: int, share: Fraction) -> Decimal:
    # Fractions until the end, then one rounding: the same inputs give the same digits anywhere.
    exact = Fraction(weight) * share
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        _PRECISION, rounding=ROUND_HALF_UP)


def education_share(candidate: CandidateFacts) -> Fraction:
    """Highest education level as a share of the top level (0 without any)."""
    highest = candidate.highest_education
    return Fraction(0) if highest is None else Fraction(education_rank(highest), _TOP_EDUCATION)


def language_share(candidate: CandidateFacts,
                   required_languages: Iterable[Mapping[str, Any]]) -> Fraction:
    """Mean capped CEFR surplus over the required languages, as a share of the cap."""
    requirements = list(required_languages)
    if not requirements:
        return Fraction(0)
    total = 0
    for requirement in requirements:
        spoken = candidate.languages.get(requirement["language"])
        if spoken is not None:
            surplus = cefr_rank(spoken) - cefr_rank(requirement["min_level"])
            total += max(0, min(surplus, LANGUAGE_SURPLUS_CAP))
    return Fraction(total, LANGUAGE_SURPLUS_CAP * len(requirements))


def sector_share(candidate: CandidateFacts, programme_sectors: Iterable[str]) -> Fraction:
    """1 when a preferred sector is one of the programme's, else 0."""
    return Fraction(int(bool(set(candidate.preferred_sectors) & set(programme_sectors))))


def score(candidate: CandidateFacts, *, required_languages: Iterable[Mapping[str, Any]],
          programme_sectors: Iterable[str], nominated: bool) -> Score:
    """The candidate's score for a programme; see the module docstring for each part."""
    parts = {
        "education": _points(WEIGHTS["education"], education_share(candidate)),
        "languages": _points(WEIGHTS["languages"],
                             language_share(candidate, required_languages)),
        "sector": _points(WEIGHTS["sector"], sector_share(candidate, programme_sectors)),
        "nomination": _points(WEIGHTS["nomination"], Fraction(int(nominated))),
    }
    return Score(total=sum(parts.values(), Decimal(0)), parts=parts)
