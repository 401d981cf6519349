"""Long API work from the command line, through the gateway: a bulk import of candidates and
waiting for a matching run, each with a progress bar and a summary at the end.

``pathways import-candidates FILE`` and ``pathways wait-run RUN_ID``; both log in with
``--email``/``--password`` (password grant) or take ``--token``.
"""

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Never, TextIO

from tqdm import tqdm

from launcher.api_client import Api, ApiError, response_body

CHUNK = 256 * 1024
MEDIA_TYPES = {".csv": "text/csv", ".ndjson": "application/x-ndjson",
               ".jsonl": "application/x-ndjson"}
SHOWN_ERRORS = 20
RUN_STAGES = ("queued", "running", "completed")  # then an officer confirms it
RUN_FINAL = frozenset({"completed", "failed", "confirmed"})


def _chunks(path: Path, bar: "tqdm[Never]") -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            bar.update(len(chunk))
            yield chunk


def import_candidates(api: Api, path: Path, *, programme_id: str | None = None,
                      institution_id: str | None = None, progress: bool = True,
                      out: TextIO | None = None) -> int:
    """Send ``path`` (CSV or NDJSON, by its extension) to ``POST /v1/candidate-imports``,
    streaming it with an upload bar; print the report. 0 when every line was imported, 1 when
    some were rejected, 2 when the import itself was refused.

    ``programme_id`` is the programme the people are registered for (an officer must name one
    of theirs), ``institution_id`` the institution whose students they are (an admin may name
    one; an institution's own account implies it)."""
    out = out or sys.stdout
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        print(f"{path}: name it .csv, .ndjson or .jsonl so that its format is known", file=out)
        return 2
    size = path.stat().st_size
    with tqdm(total=size, unit="B", unit_scale=True, desc=f"uploading {path.name}",
              disable=not progress, file=out) as bar:
        params = {name: value for name, value in (("programme_id", programme_id),
                                                  ("institution_id", institution_id)) if value}
        # Sent once, never retried: the file streams from disk as it goes.
        response = api.http.post("/v1/candidate-imports", content=_chunks(path, bar),
                                 params=params, headers={"Content-Type": media_type,
                                                         "Content-Length": str(size)})
        if response.status_code != 200:
            error = ApiError("POST", "/v1/candidate-imports", response.status_code,
                             response_body(response))
            print(f"import refused: {error}", file=out)
            return 2
        report: dict[str, Any] = response.json()
        bar.set_description(f"imported {path.name}")
    print(f"{report['lines']} lines read: {report['imported']} imported, "
          f"{report['rejected']} rejected, in {report['batches']} batches; "
          f"{len(report.get('created_ids', []))} candidate ids created", file=out)
    for line in report["errors"][:SHOWN_ERRORS]:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}"
                            for e in line["errors"])
        print(f"  line {line['line']}: {reasons}", file=out)
    hidden = report["rejected"] - min(SHOWN_ERRORS, len(report["errors"]))
    if hidden > 0:
        print(f"  … and {hidden} more rejected lines", file=out)
    return 0 if report["rejected"] == 0 else 1


def wait_for_run(api: Api, run_id: str, *, timeout: float = 3600.0, interval: float = 0.5,
                 progress: bool = True, out: TextIO | None = None) -> int:
    """Poll ``GET /v1/matching-runs/{run_id}`` until it completes or fails, showing its stage;
    print its summary. 0 when completed (or already confirmed), 1 when failed or timed out."""
    out = out or sys.stdout
    deadline = time.monotonic() + timeout
    with tqdm(total=len(RUN_STAGES), desc=f"run {run_id[:8]}", bar_format="{desc}: {bar} "
              "{n_fmt}/{total_fmt} [{elapsed}]", disable=not progress, file=out) as bar:
        while True:
            run: dict[str, Any] = api.get(f"/v1/matching-runs/{run_id}")
            status = run["status"]
            reached = RUN_STAGES.index(status) + 1 if status in RUN_STAGES else len(RUN_STAGES)
            bar.update(reached - bar.n)
            bar.set_description(f"run {run_id[:8]} {status}")
            if status in RUN_FINAL or time.monotonic() > deadline:
                break
            time.sleep(interval)
    if status == "failed":
        print(f"matching run failed: {(run.get('failure') or {}).get('detail', 'no detail')}",
              file=out)
        return 1
    if status not in RUN_FINAL:
        print(f"still {status} after {timeout:.0f} s; look again later", file=out)
        return 1
    summary = run.get("summary") or {}
    timings = summary.get("timings") or {}
    print(f"matching run {status}: {summary.get('proposals', 0)} proposals for "
          f"{summary.get('candidates', 0)} candidates and {summary.get('seats', 0)} seats "
          f"(total score {summary.get('total_score', 0)}), "
          f"{summary.get('unassigned_candidates', 0)} candidates unassigned, "
          f"{summary.get('unfilled_seats', 0)} seats unfilled, "
          f"in {timings.get('total_seconds', 0):.1f} s", file=out)
    if summary.get("unmet_constraints"):
        print(f"  unmet constraints: {summary['unmet_constraints']}", file=out)
    return 0
