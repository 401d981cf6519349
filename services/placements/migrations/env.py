"""Alembic environment of the placements service (schema ``placements``)."""

from services.placements.models import Base
from shared.migrations import run_env

run_env(metadata=Base.metadata, schema="placements")
