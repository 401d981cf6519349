"""Request and response models of the gateway's own endpoints."""

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.schemas import StorableText

Role = Literal["admin", "officer", "candidate", "employer", "institution", "ministry", "service"]


class TokenOut(BaseModel):
    """An OAuth2 access token (RFC 6749 section 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


class Links(BaseModel):
    """What the principal is tied to; copied into its tokens."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    candidate_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    institution_id: uuid.UUID | None = None
    programme_ids: list[uuid.UUID] = Field(default_factory=list)


# Not StrictModel: it strips whitespace, which would change a password and the name a client
# chose; their text must still be storable.
class AccountCreate(Links, StorableText):
    """A person's account."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "email": "officer@example.org", "password": "a long passphrase", "role": "officer"}]})

    email: EmailStr
    password: str = Field(min_length=12, max_length=256)


class AccountOut(Links):
    id: uuid.UUID
    email: str


class ClientCreate(Links, StorableText):
    """A machine client (another system) that gets tokens with client credentials."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Ministry of Labour (MA) visa desk", "role": "ministry"}]})

    name: str = Field(min_length=1, max_length=200)


class ClientOut(Links):
    client_id: str
    name: str


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only its hash is stored.")
