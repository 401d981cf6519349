"""Fair recruitment in a scenario: what the programme's workers paid to be recruited, the
exchange rates the programme supplies for SDG indicator 10.7.1, and one complaint filed,
answered and resolved.

Drawn from its own random stream (the scenario's seed plus :data:`STREAM`), so that adding it
changes nothing else a scenario draws. Costs are recorded on each worker's first placement,
once they have arrived: by the showcased participant in their own app, by the officer from
the receipts for the others.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

STREAM = 18  # added to the scenario's seed: the fair-recruitment draws' own stream


@dataclass(frozen=True, slots=True)
class Cost:
    """A cost some workers bore, drawn for a share of them: a RecruitmentCostCreate body
    without its date (``days_before`` the arrival)."""

    category: str
    amounts: dict[str, tuple[str, str]]  # the worker's origin country -> (amount, currency)
    paid_by: str
    share: float  # of the workers, drawn
    days_before: int
    evidence: str


@dataclass(frozen=True, slots=True)
class Complaint:
    """One grievance: filed by ``applicant`` (the showcased participant: with their own
    account), answered by the officer, resolved, and rated by the worker."""

    applicant: str
    body: dict[str, Any]  # a GrievanceCreate body without the placement
    response: str
    resolution: dict[str, Any]  # a ResolveBody
    satisfaction: int


@dataclass(frozen=True, slots=True)
class FairRecruitment:
    """A scenario's costs (applicant key -> RecruitmentCostCreate bodies without their date,
    with ``days_before`` the arrival), the rate table and the complaint."""

    rates: dict[str, Any]  # an ExchangeRatesCreate body without the programme
    costs: dict[str, tuple[dict[str, Any], ...]]
    complaint: Complaint

    def lines(self, applicant: str, arrival: date) -> list[dict[str, Any]]:
        """The applicant's cost lines, dated before ``arrival``."""
        return [{**{k: v for k, v in line.items() if k != "days_before"},
                 "incurred_on": (arrival - timedelta(days=line["days_before"])).isoformat()}
                for line in self.costs.get(applicant, ())]


def draw(seed: int, workers: dict[str, str], costs: Iterable[Cost], *,
         rates: dict[str, Any], complaint: Complaint) -> FairRecruitment:
    """Each worker's lines (``workers``: applicant key -> origin country): every cost drawn
    for its share of them, in the amount and currency of the worker's origin."""
    rng = random.Random(seed + STREAM)
    found: dict[str, tuple[dict[str, Any], ...]] = {}
    kinds = tuple(costs)
    for worker, origin in sorted(workers.items()):
        lines = tuple({"category": c.category, "amount": c.amounts[origin][0],
                       "currency": c.amounts[origin][1], "paid_by": c.paid_by,
                       "evidence_reference": c.evidence, "days_before": c.days_before}
                      for c in kinds if rng.random() < c.share)
        if lines:
            found[worker] = lines
    return FairRecruitment(rates=rates, costs=found, complaint=complaint)


def expected(fair: FairRecruitment, placements: Iterable[str],
             monthly_pay: Decimal) -> dict[str, Any]:
    """What SDG 10.7.1 should show for ``placements`` (the applicant key of each; a seasonal
    worker has one a season, their costs recorded on the first) all paid ``monthly_pay`` in the
    reporting currency: how many placements, how many of them the worker paid anything for,
    and the mean of what each bore over the month's pay."""
    rates = {k: Decimal(v) for k, v in fair.rates["rates"].items()}
    rates[fair.rates["reporting_currency"]] = Decimal(1)
    ratios, paid, seen = [], 0, set()
    people = list(placements)
    for worker in people:
        lines = () if worker in seen else fair.costs.get(worker, ())
        seen.add(worker)
        borne = sum((Decimal(line["amount"]) * rates[line["currency"]]
                     for line in lines if line["paid_by"] == "worker"), Decimal(0))
        paid += borne > 0
        ratios.append(borne / monthly_pay)
    mean = sum(ratios, Decimal(0)) / len(ratios) if ratios else Decimal(0)
    return {"workers": len(people), "paid_any_fee": paid,
            "mean_ratio": mean.quantize(Decimal("0.0001"), ROUND_HALF_EVEN)}
