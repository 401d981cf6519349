"""Request and response models of the gateway's own endpoints."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from shared.schemas import StorableText

Role = Literal["admin", "officer", "candidate", "employer", "institution", "ministry",
               "visa_authority", "notification_partner", "service",
               "data_protection_officer"]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Password = Annotated[str, Field(min_length=12, max_length=256)]


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
    country: Country | None = Field(None, description=(
        "A visa_authority's destination country (ISO 3166-1 alpha-2, upper case); required "
        "for that role, refused for any other."))


class LinksUpdate(BaseModel):
    """Links to change; fields left out keep their value. Tokens issued before the change are
    refused from the next request on: the principal gets a new token carrying the new links."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    candidate_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    institution_id: uuid.UUID | None = None
    programme_ids: list[uuid.UUID] | None = None
    country: Country | None = None


# Not StrictModel: it strips whitespace, which would change a password and the name a client
# chose; their text must still be storable.
class AccountCreate(Links, StorableText):
    """A person's account."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "email": "officer@example.org", "password": "a long passphrase", "role": "officer"}]})

    email: EmailStr
    password: Password


class AccountUpdate(LinksUpdate, StorableText):
    """What an admin changes of an account: its links and, to reset it, its password."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "programme_ids": ["8d0c4f8e-2f1b-4c55-9b43-1f7d1d3c2a10"]}]})

    password: Password | None = None


class AccountOut(Links):
    """A person's account (never its password)."""

    id: uuid.UUID
    email: str
    disabled: bool = False
    created_at: datetime | None = None


class AccountPage(BaseModel):
    """One page of accounts; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[AccountOut]
    next_cursor: str | None = Field(None, description="Absent on the last page.")


class ClientCreate(Links, StorableText):
    """A machine client (another system) that gets tokens with client credentials."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Ministry of Labour (MA) visa desk", "role": "ministry"}]})

    name: str = Field(min_length=1, max_length=200)


class ClientUpdate(LinksUpdate):
    """What an admin changes of a machine client: its links."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "programme_ids": ["8d0c4f8e-2f1b-4c55-9b43-1f7d1d3c2a10"]}]})


class ClientOut(Links):
    """A machine client (never its secret)."""

    client_id: str
    name: str
    disabled: bool = False
    created_at: datetime | None = None


class ClientPage(BaseModel):
    """One page of machine clients; pass ``next_cursor`` back as ``cursor`` for the next."""

    items: list[ClientOut]
    next_cursor: str | None = Field(None, description="Absent on the last page.")


class ClientCreated(ClientOut):
    client_secret: str = Field(description="Shown once; only its hash is stored.")


class SignUp(StorableText):
    """A person signing up as a candidate: their sign-in and their profile."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "email": "amina.benali@example.org", "password": "a long passphrase",
        "profile": {"given_name": "Amina", "family_name": "Benali",
                    "date_of_birth": "2000-05-17", "gender": "female", "nationality": "MA",
                    "residence_country": "MA"}}]})

    email: EmailStr
    password: Password
    profile: dict[str, Any] = Field(description=(
        "The candidate profile: the body of `POST /v1/candidates` without `email` (the "
        "account's e-mail is used). The candidates service validates it; its errors are "
        "answered as they are (422 with the offending fields)."))
    language: Literal["en", "fr", "ar"] | None = Field(None, description=(
        "The account's saved language (`en`, `fr` or `ar`); by default the first of them the "
        "sign-up's `Accept-Language` names, else none. Change it with "
        "`PUT /v1/auth/me/language`."))


Language = Literal["en", "fr", "ar"]


class LanguageChoice(StorableText):
    """An account's saved language."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"language": "ar"}]})

    language: Language | None = Field(description=(
        "`en`, `fr` or `ar`: the API answers the account in it when a request sends no "
        "`Accept-Language` (the tokens issued to it carry it as `locale`); `null`: no saved "
        "language (English, or what each request asks for)."))


class SignUpReceived(BaseModel):
    """The answer to a sign-up, the same whether or not the e-mail was already registered."""

    status: Literal["received"] = "received"
    detail: str


class RevocationFeed(BaseModel):
    """Revocations changed after ``since``, for the services' token checks."""

    cursor: int = Field(description="Pass it back as `since` to get the changes after these.")
    more: bool = Field(description="Whether more changes follow at once (ask again).")
    revocations: list[dict[str, Any]] = Field(description=(
        "Each `subject` (an account id or `client:<client_id>`), `not_before` (epoch seconds: "
        "tokens issued at or before it are refused), `blocked` (all its tokens are) and `seq` "
        "(the change's order)."))
