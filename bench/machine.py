"""The machine and versions the figures were measured on, for the report's first section.

Ratios within one run are what the report compares, but a reader still needs to know how big
and how busy the machine was (load average at the start and at the end) and what ran.
"""

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg

from bench.wrk import wrk_version

PACKAGES = ("fastapi", "uvicorn", "sqlalchemy", "asyncpg", "httpx", "pydantic", "scipy", "numpy",
            "uvloop", "httptools", "orjson", "matplotlib")


def _cpu_model() -> str:
    # /proc/cpuinfo names the model on Linux; elsewhere (or unreadable) platform's guess.
    cpuinfo = Path("/proc/cpuinfo")
    text = cpuinfo.read_text() if cpuinfo.is_file() else ""
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)


def _os() -> str:
    try:
        release = dict(line.split("=", 1) for line in
                       Path("/etc/os-release").read_text().splitlines() if "=" in line)
        name = release.get("PRETTY_NAME", "").strip('"')
    except OSError:
        name = ""
    return f"{name}, {platform.platform()}" if name else platform.platform()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded."""
    return [round(x, 2) for x in os.getloadavg()]


async def postgres_version(admin_url: str) -> str:
    """The server's version string, as the database says it."""
    connection = await asyncpg.connect(admin_url)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


def machine() -> dict[str, Any]:
    """Everything but the database's version and the end's load (known later)."""
    return {"cpu": _cpu_model(), "cores": os.cpu_count() or 0, "memory_gib": _memory_gib(),
            "load_average_start": load_average(), "os": _os(),
            "python": platform.python_version(), "wrk": wrk_version(),
            "packages": {name: _version(name) for name in PACKAGES}}
