"""The placements service's declarative base: every table lives in schema ``placements``."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import service_metadata


class Base(DeclarativeBase):
    """Base of the service's ORM models."""

    metadata = service_metadata("placements")
