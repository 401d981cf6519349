"""Errors of the matching domain: the API's problems, and why a run failed.

Illegal transitions (confirming a run that is not completed, rejecting a proposal twice) use
``shared.errors.IllegalTransition``.
"""

from shared.errors import Conflict, NotFound, UnprocessableEntity


class MatchingRunNotFound(NotFound):
    slug, title = "matching-run-not-found", "Matching run not found"


class ProposalNotFound(NotFound):
    slug, title = "proposal-not-found", "Proposal not found"


class CandidateProfileNotFound(NotFound):
    """The placement has no proposal profile the caller may see."""

    slug, title = "candidate-profile-not-found", "Candidate profile not found"


class InvalidParameters(UnprocessableEntity):
    """Parameters the engine refuses, or that cannot apply to the chosen algorithm."""

    slug, title = "invalid-matching-parameters", "Invalid matching parameters"


class NothingToMatch(Conflict):
    """The programme has no open vacancy with a free seat (or placements knows no vacancy of
    it at all: an unknown programme)."""

    slug, title = "nothing-to-match", "No open vacancy to match"


class RunInProgress(Conflict):
    """Another run of the programme is still queued or running; names it."""

    slug, title = "matching-run-in-progress", "Matching run in progress"


class FairnessUnavailable(Conflict):
    """The run has no fairness report: it did not complete, or completed before runs recorded
    their pool's composition."""

    slug, title = "fairness-unavailable", "No fairness report for this run"


class RunFailure(Exception):
    """Why a run failed: a stable ``reason`` code and a human ``detail``; stored on the run,
    never raised to a client."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
