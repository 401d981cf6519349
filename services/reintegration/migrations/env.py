"""Alembic environment of the reintegration service (schema ``reintegration``)."""

from services.reintegration.models import Base
from shared.migrations import run_env

run_env(metadata=Base.metadata, schema="reintegration")
