"""Which service serves which public path: the gateway's routing table.

Only ``/v1/…`` paths are ever routed; ``/internal/…`` and health paths of the services are not
reachable through the gateway.
"""

import re

ROUTES: dict[str, str] = {
    "/v1/programmes": "candidates",
    "/v1/candidates": "candidates",
    "/v1/candidate-imports": "candidates",
    "/v1/applications": "candidates",
    "/v1/institutions": "candidates",
    "/v1/agreements": "candidates",
    "/v1/training-modules": "candidates",
    "/v1/enrolments": "candidates",
    # The days a training module's class meets (its plan: GET/POST under the module).
    "/v1/planned-sessions": "candidates",
    # An erasure's progress, followed by its requester with the erasure's receipt.
    "/v1/erasures": "candidates",
    "/v1/retention": "candidates",
    # ESCO suggestions; the classification is shared reference data, served from here.
    "/v1/esco": "candidates",
    # Likely duplicate people, for officers to dismiss or merge.
    "/v1/duplicates": "candidates",
    "/v1/employers": "placements",
    # A programme's employers' standing (aggregates for ministries).
    "/v1/employer-standing": "placements",
    "/v1/vacancies": "placements",
    "/v1/matching-runs": "placements",
    "/v1/placements": "placements",
    "/v1/grievances": "placements",
    "/v1/recruitment-costs": "placements",
    "/v1/exchange-rates": "placements",
    # Proof-of-skills credentials: verified by anyone, with the issuer's keys and status lists.
    "/v1/credentials": "placements",
    "/v1/returnee-cases": "reintegration",
    "/v1/follow-ups": "reintegration",
    "/v1/support-measures": "reintegration",
    "/v1/indicators": "reintegration",
    "/v1/follow-up-schedules": "reintegration",
    # Each service serves the webhook subscriptions to its own events.
    "/v1/webhooks/candidates": "candidates",
    "/v1/webhooks/placements": "placements",
    "/v1/webhooks/reintegration": "reintegration",
    # Display names of each service's codes in the caller's language.
    "/v1/labels/candidates": "candidates",
    "/v1/labels/placements": "placements",
    "/v1/labels/reintegration": "reintegration",
}

# Paths the gateway answers itself although they sit under a routed prefix.
OWN_PATHS = re.compile(r"^/v1/(auth|admin)(/|$)|^/v1/programmes/[^/]+/overview$")
LARGE_BODY_PREFIXES = ("/v1/candidate-imports",)
# Routed reads a caller may make without a token, proving who they are otherwise: the erasure's
# progress with its receipt (the erased person's account is gone). The service checks the proof.
RECEIPT_PATHS = re.compile(r"^/v1/erasures/[^/]+$")
RECEIPT_HEADER = "erasure-receipt"
# Routed paths anyone may call without a token: a future employer verifying a returnee's
# proof-of-skills credential, and the issuer's keys and status lists it is checked with.
# Counted against the caller's address; a token, when sent, is still checked.
PUBLIC_PATHS = re.compile(r"^/v1/credentials/(verify|keys|status/[^/]+)$")


def route_table(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The default routes with ``overrides`` applied."""
    return {**ROUTES, **(overrides or {})}


class Router:
    """Finds the service of a path by its first segment after ``/v1``, or by its first two
    where the table has such a prefix (``/v1/webhooks/placements``)."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = dict(table)

    def service_for(self, path: str) -> str | None:
        """The service serving ``path``, or None when no route matches."""
        found = self.match(path)
        return None if found is None else found[1]

    def match(self, path: str) -> tuple[str, str] | None:
        """The prefix of the table ``path`` falls under and its service, or None."""
        if not path.startswith("/v1/"):
            return None
        end = path.find("/", 4)
        prefix = path if end < 0 else path[:end]
        found = self.table.get(prefix)
        if found is None and end > 0:
            second = path.find("/", end + 1)
            prefix = path if second < 0 else path[:second]
            found = self.table.get(prefix)
        return None if found is None else (prefix, found)
