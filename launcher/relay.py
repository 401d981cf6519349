"""A service's event relay as a process of its own: ``python -m launcher.relay --service NAME``.

For deployments that run delivery apart from the API processes (``<SERVICE>_EVENTS_RELAY=false``
on those); it reads the same settings as the service.
"""

import argparse
import asyncio
import importlib
import logging
import signal
import time
from collections.abc import Sequence

from launcher.topology import service
from shared import tracing
from shared.events.relay import Relay
from shared.logs import configure_logging
from shared.settings import ServiceSettings

log = logging.getLogger("pathways.events.relay")


async def _run_alone(service_name: str) -> None:
    spec = service(service_name)
    settings_module = importlib.import_module(f"{spec.migrations_package}.settings")
    database_module = importlib.import_module(f"{spec.migrations_package}.database")
    settings: ServiceSettings = settings_module.Settings()
    configure_logging(f"{settings.service_name}-relay", settings.log_level)
    tracing.configure(f"{settings.service_name}-relay")
    relay = Relay(database_url=settings.database_url or "", tables=database_module.event_tables,
                  source=settings.service_name, settings=settings)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    await relay.start()
    started = time.monotonic()
    log.info("relay running", extra={"service": service_name})
    await stopped.wait()
    await relay.stop()
    log.info("relay stopped", extra={"delivered": relay.stats.delivered,
                                     "seconds": round(time.monotonic() - started, 1)})


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m launcher.relay --service candidates``."""
    parser = argparse.ArgumentParser(description="Deliver a service's outbox events.")
    parser.add_argument("--service", required=True)
    args = parser.parse_args(argv)
    asyncio.run(_run_alone(args.service))


if __name__ == "__main__":
    main()
