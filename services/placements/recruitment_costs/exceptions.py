"""Errors of recruitment costs, earnings at destination and exchange rates (a date in the
future is ``placements.exceptions.InvalidDates``; a programme not the caller's is
``employers.exceptions.ProgrammeNotFound``)."""

from shared.errors import Conflict, NotFound


class RecruitmentCostNotFound(NotFound):
    """The placement has no such recruitment cost line."""

    slug, title = "recruitment-cost-not-found", "Recruitment cost not found"


class RecruitmentCostWithdrawn(Conflict):
    """The cost line was already withdrawn: a line is withdrawn once, and stays in the record."""

    slug, title = "recruitment-cost-withdrawn", "Recruitment cost already withdrawn"
