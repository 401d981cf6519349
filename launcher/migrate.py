"""Run a service's Alembic migrations from the launcher: upgrade and downgrade by revision.

The migration scripts are the service's own (``<package>/migrations``, whose ``env.py`` calls
:func:`shared.migrations.run_env`); this module only points Alembic at them.
"""

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

from launcher.topology import ServiceSpec


def alembic_config(spec: ServiceSpec, url: str) -> Config:
    """An Alembic config for ``spec``'s migrations, connecting to ``url``."""
    package = importlib.import_module(spec.migrations_package)
    folder = Path(package.__file__ or "").parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    config.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s",
    )
    config.attributes["url"] = url
    return config


def upgrade(spec: ServiceSpec, url: str, revision: str = "head") -> None:
    """Migrate ``spec``'s schema up to ``revision`` (blocking; run it off the event loop)."""
    command.upgrade(alembic_config(spec, url), revision)


def downgrade(spec: ServiceSpec, url: str, revision: str = "base") -> None:
    """Migrate ``spec``'s schema down to ``revision`` (blocking)."""
    command.downgrade(alembic_config(spec, url), revision)
