"""Programs the benchmarks run that come from the system's package manager (wrk, nginx)."""

import os
import shutil
import subprocess
from collections.abc import Sequence

# Where Debian puts daemons: not on an unprivileged user's PATH.
_SYSTEM_DIRS = ("/usr/sbin", "/sbin")


def find_program(name: str) -> str | None:
    """The path of ``name`` on PATH or in the system directories, else None."""
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(_SYSTEM_DIRS))


def _apt_install(package: str) -> bool:
    return subprocess.run(["apt-get", "install", "-y", "-q", package], check=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def may_install() -> bool:
    """Whether :func:`installed` may install a missing program here: as root, with apt-get."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def installed(name: str, packages: Sequence[str]) -> str | None:
    """The path of the program ``name``, installing the first of Debian's ``packages`` that
    installs when it is missing and we are root; None when it cannot be had."""
    found = find_program(name)
    if found or not may_install():
        return found
    for updated in (False, True):
        if updated:  # a fresh machine may have no package lists yet
            subprocess.run(["apt-get", "update", "-q"], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for package in packages:
            if _apt_install(package) and (found := find_program(name)):
                return found
    return None
