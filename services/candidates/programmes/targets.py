"""A programme's gender targets: a minimum share of women and of men, or an exact split.

``gender_balance_min_share`` asks for at least ``ceil(share * capacity)`` women and as many
men. When the eligibility rules admit only one of the two (``genders: ["female"]`` for a
women-only programme), the share applies to that one alone and may go up to 1; when both are
admitted, it cannot exceed 0.5 and each reservation is capped at half the capacity so both fit.

``gender_targets`` asks for exact counts per gender (``{"female": 24, "male": 26}``), summing to
at most the capacity. With both set, the split governs selection and must give each gender the
share asks for at least its minimum.

:func:`check` is the one place the combination is validated, for a new programme and after
a PATCH alike; selection reads :func:`balanced_genders` and :func:`min_seats`.
"""

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from services.candidates.programmes.exceptions import InvalidGenderTargets
from shared.i18n import _

BALANCED_GENDERS: Final = ("female", "male")
HALF: Final = Decimal("0.5")


def balanced_genders(admitted: Sequence[str] | None) -> tuple[str, ...]:
    """Women and men, or the one of them the eligibility rules admit (none: neither)."""
    if not admitted:
        return BALANCED_GENDERS
    return tuple(g for g in BALANCED_GENDERS if g in admitted)


def min_seats(capacity: int, share: Decimal | None, *, balanced: int = 2) -> int:
    """Seats the share reserves for each balanced gender: ``ceil(share * capacity)``, capped so
    that the reservations of the ``balanced`` genders fit together."""
    if not share or share <= 0 or balanced <= 0:
        return 0
    # Decimal, not float: ceil(0.45 * 20) must be 9, not 10.
    return min(math.ceil(Decimal(share) * capacity), capacity // balanced)


def _invalid(field: str, message: str) -> InvalidGenderTargets:
    return InvalidGenderTargets(f"{field}: {message}",
                                errors=[{"loc": ["body", field], "msg": message,
                                         "type": "gender_targets"}])


def check(*, capacity: int, share: Decimal | None, split: Mapping[Any, int] | None,
          admitted: Sequence[str] | None) -> None:
    """InvalidGenderTargets (422, naming the field) when the targets cannot hold together.

    ``split`` is keyed by gender words (a request's ``Literal`` keys or a row's ``str``).
    """
    balanced = balanced_genders(admitted)
    if share and share > HALF and len(balanced) != 1:
        raise _invalid("gender_balance_min_share",
                       _("a share of {share} for women and for men alike cannot be met; above "
                         "0.5 the eligibility must admit only one of female and male",
                         share=share))
    if split is None:
        return
    total = sum(split.values())
    if total > capacity:
        raise _invalid("gender_targets",
                       _("the split asks for {total} seats but the capacity is {capacity}",
                         total=total, capacity=capacity))
    excluded = sorted(g for g, n in split.items() if n and admitted and g not in admitted)
    if excluded:
        raise _invalid("gender_targets",
                       _("the split gives seats to {excluded}, which the eligibility rules do "
                         "not admit", excluded=", ".join(excluded)))
    need = min_seats(capacity, share, balanced=len(balanced))
    short = sorted(g for g in balanced if split.get(g, 0) < need)
    if short:
        raise _invalid("gender_targets",
                       _("the split gives {seats} seats, fewer than the {need} "
                         "gender_balance_min_share asks for",
                         seats=", ".join(f"{g} {split.get(g, 0)}" for g in short), need=need))
