"""Alembic environment of the gateway (schema ``gateway``)."""

from gateway.models import Base
from shared.migrations import run_env

run_env(metadata=Base.metadata, schema="gateway")
