"""The development database's sealing and digest keys (``make dev``, and the commands run on
it).

Production takes ``SEALING_KEYS``, ``SEALING_KEY_ID`` and ``DIGEST_KEY`` from its secrets and
has no default. The development database under ``var/`` outlives a run, so its keys must too:
they are generated once into ``var/keys.json`` (readable by its owner only) and put in this
process's environment, which the processes it starts inherit. A variable already set wins.
"""

import json
import os
from pathlib import Path

from shared import sealing

NAMES = (sealing.SEALING_KEYS, sealing.SEALING_KEY_ID, sealing.DIGEST_KEY)


def development_keys(folder: Path) -> dict[str, str]:
    """The keys kept in ``folder``/keys.json, generated (owner-only) the first time."""
    path = folder / "keys.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    folder.mkdir(parents=True, exist_ok=True)
    keys = sealing.generated_environment()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(keys, file, indent=2)
    return keys


def use_development_keys(folder: Path) -> None:
    """Put the development keys in the environment, unless the environment has keys already
    (``SEALING_KEYS`` set: then it must hold all it needs, as in production)."""
    if os.environ.get(sealing.SEALING_KEYS):
        return
    for name, value in development_keys(folder).items():
        os.environ.setdefault(name, value)
    sealing.reload()
