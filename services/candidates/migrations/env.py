"""Alembic environment of the candidates service (schema ``candidates``)."""

from services.candidates.models import Base
from shared.migrations import run_env

run_env(metadata=Base.metadata, schema="candidates")
