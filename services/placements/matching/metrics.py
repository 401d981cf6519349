"""The matching runs' figures in the service's metrics (``GET /metrics``, :mod:`shared.metrics`).

``outcome`` is ``completed`` or ``failed`` (any reason: the run's ``failure_reason`` says which).
"""

from prometheus_client import Histogram

RUN_SECONDS = Histogram(
    "pathways_matching_run_duration_seconds", "Matching runs, from their claim to their end "
    "(fetching the profiles, matching, storing the proposals), by outcome.", ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800))
for _outcome in ("completed", "failed"):  # both series from the start, at zero
    RUN_SECONDS.labels(_outcome)
