"""The rules of wage and housing checks: what a check-in's wage check and housing check find,
and how severe it is. Each deviation raises an alert to the programme's officers
(:func:`services.placements.monitoring.service.record_check_in`).

The thresholds are the programme's choices, each with its reason; the README's "Wage and
housing checks" lists them. A check keeps what it found when it was recorded, so changing one
here changes the checks recorded from then on, not the past ones.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from services.placements.monitoring.schemas import (
    DeviationOut,
    HousingCheckCreate,
    HousingCheckOut,
    WageCheckCreate,
    WageCheckOut,
)

# Paid more than 1 % below the agreed pay is a shortfall: rounding, a cent-less currency or a
# bank's transfer fee stay within it; anything more is pay the worker was promised and lacks.
SHORTFALL_TOLERANCE = Decimal("0.01")
# Paid less than half the agreed pay, or nothing, is critical: the worker can hardly live on
# it, and withheld wages are one of the ILO's indicators of forced labour.
CRITICAL_PAID_SHARE = Decimal("0.50")
# Deductions above 30 % of the agreed pay are excessive. Not a legal limit (ILO C095 art. 8
# leaves the limits to national law): a programme's line, past which the worker keeps too
# little of the agreed pay to live on, the pattern of debt through housing and food charges.
MAX_DEDUCTIONS_SHARE = Decimal("0.30")
# A recruitment fee is never deducted: workers pay no fee for getting or keeping a job (ILO
# C181 art. 7, C095 art. 9, and the ILO's fair-recruitment principles: the employer pays).
FEE_KINDS = frozenset({"recruitment_fee"})
# Below 10 m² of living space per occupant a dwelling is overcrowded. Several EU states'
# rules for migrant and seasonal workers' housing lie between 8 and 12 m² a person (Germany's
# ASR A4.4 from 8 m², the Dutch SNF standard 10 m² for lodging, 12 m² for longer residence);
# we take the Dutch 10 m², the middle of that range.
MIN_SPACE_PER_OCCUPANT_M2 = Decimal("10")
# Below half that floor (5 m² a person: twice the people the dwelling is fit for) it is high.
CRAMPED_SPACE_PER_OCCUPANT_M2 = MIN_SPACE_PER_OCCUPANT_M2 / 2

TENTH = Decimal("0.1")


def _percent(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole * 100).quantize(Decimal(1), ROUND_HALF_UP)} %"


def wage_check(data: WageCheckCreate, *, agreed: Decimal, currency: str,
               agreed_from: Literal["given", "vacancy_stipend"]) -> WageCheckOut:
    """The wage check as recorded: ``data`` against the ``agreed`` monthly pay (above 0) in
    ``currency``, with what it finds."""
    paid = data.paid_amount
    deducted = sum((d.amount for d in data.deductions), Decimal(0))
    money = f"{{:.2f}} {currency}".format
    found = []
    if paid < agreed * (1 - SHORTFALL_TOLERANCE):
        critical = paid == 0 or paid < agreed * CRITICAL_PAID_SHARE
        found.append(DeviationOut(
            kind="wage_shortfall", severity="critical" if critical else "high",
            detail=f"Paid {money(paid)} for {data.period} of {money(agreed)} agreed "
                   f"({_percent(paid, agreed)})."))
    if deducted > agreed * MAX_DEDUCTIONS_SHARE:
        found.append(DeviationOut(
            kind="excessive_deductions", severity="high",
            detail=f"Deductions of {money(deducted)} for {data.period}: "
                   f"{_percent(deducted, agreed)} of the {money(agreed)} agreed (more than "
                   f"{_percent(MAX_DEDUCTIONS_SHARE, Decimal(1))})."))
    fees = sum((d.amount for d in data.deductions if d.kind in FEE_KINDS), Decimal(0))
    if fees > 0:
        found.append(DeviationOut(
            kind="fee_deducted", severity="high",
            detail=f"A recruitment fee of {money(fees)} was deducted for {data.period}; "
                   f"workers pay no recruitment fee."))
    return WageCheckOut(
        period=data.period, agreed_amount=agreed, agreed_from=agreed_from, paid_amount=paid,
        currency=currency, deductions=data.deductions, deductions_total=deducted,
        received_amount=paid - deducted, deviations=found)


def housing_check(data: HousingCheckCreate, *, condition: Literal["ok", "issue"]
                  ) -> HousingCheckOut:
    """The housing check as recorded (its ``condition`` that of the check-in), with what it
    finds."""
    per_occupant = None
    found = []
    if data.living_space_m2 is not None and data.occupants is not None:
        exact = data.living_space_m2 / data.occupants
        per_occupant = exact.quantize(TENTH, ROUND_HALF_UP)
        if exact < MIN_SPACE_PER_OCCUPANT_M2:
            found.append(DeviationOut(
                kind="overcrowded_housing",
                severity="high" if exact < CRAMPED_SPACE_PER_OCCUPANT_M2 else "medium",
                detail=f"{per_occupant} m² per occupant ({data.living_space_m2} m² for "
                       f"{data.occupants}); at least {MIN_SPACE_PER_OCCUPANT_M2} m² expected."))
    return HousingCheckOut(
        rent_amount=data.rent_amount, currency=data.currency,
        deducted_from_wages=data.deducted_from_wages, living_space_m2=data.living_space_m2,
        occupants=data.occupants, space_per_occupant_m2=per_occupant, condition=condition,
        note=data.note, deviations=found)
