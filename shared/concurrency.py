"""ETags from row versions, and ``If-Match`` so concurrent edits cannot overwrite each other."""

from typing import Annotated

from fastapi import Header

from shared.errors import PreconditionFailed

IfMatchHeader = Annotated[str | None, Header(
    alias="If-Match", description="The ETag last read; a stale one gets 412.",
)]


def etag(version: int) -> str:
    """The ETag of a resource at ``version``."""
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version ``If-Match`` demands, or None when absent or ``*``.

    A value that is no ETag we issued can never match, so it fails the precondition at once.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed("If-Match does not name a version of this resource.")
    return int(value)
