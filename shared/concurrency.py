"""ETags from row versions, ``If-Match`` so concurrent edits cannot overwrite each other, and
``If-None-Match`` so a client is not sent again what it holds (RFC 9110 §8.8.3, §13.1).

An ETag is the row's version as a strong tag (``"3"``). An update of a resource that has one
(PATCH, PUT, DELETE) takes :data:`IfMatchRequired`: without the header the request is a 428
(``shared.errors``, before the body is looked at); an action (POST) on it takes the optional
:data:`IfMatchHeader`. Either compares strongly: a weak tag (``W/"3"``) never matches, a stale one
is a 412, and ``*`` matches whatever version the resource is at (it exists, or the answer is its
404). Reads compare weakly (:func:`none_match`): see ``shared.not_modified``.
"""

import re
from typing import Annotated

from fastapi import Header

from shared.errors import PreconditionFailed
from shared.i18n import _, translate

IfMatchHeader = Annotated[str | None, Header(
    alias="If-Match", description="The ETag last read; a stale or weak one gets 412.",
)]
IfMatchRequired = Annotated[str, Header(
    alias="If-Match",
    description="Required: the ETag last read, as it was sent (strong). Without it 428; a "
                "stale or weak (`W/`) one 412; `*` matches the current version, whichever it is.",
)]

# One entity-tag of a list: optionally weak, its opaque part between double quotes.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def etag(version: int) -> str:
    """The ETag of a resource at ``version``."""
    return f'"{version}"'


def entity_tags(header: str) -> list[tuple[bool, str]] | None:
    """The ``(weak, opaque)`` tags of an ``If-Match``/``If-None-Match`` value, in order; None
    for ``*``. Whatever is not a quoted tag is skipped: it can never match one we issued."""
    if header.strip() == "*":
        return None
    return [(weak == "W/", opaque) for weak, opaque in _ENTITY_TAG.findall(header)]


def expected_version(if_match: str | None) -> int | None:
    """The version ``If-Match`` demands, or None when it is absent or ``*`` (any version).

    Compared strongly: a weak tag never matches. A value naming no version we issued can never
    match, so it fails the precondition at once; so does a list naming several versions (one
    client edits from one copy, the one it read last).
    """
    if if_match is None:
        return None
    tags = entity_tags(if_match)
    if tags is None:
        return None
    versions = {int(opaque) for weak, opaque in tags if not weak and opaque.isdigit()}
    if len(versions) > 1:
        raise PreconditionFailed(_("If-Match names several versions; send the ETag last read."))
    if not versions:
        raise PreconditionFailed(
            _("If-Match does not name a version of this resource: send its ETag as it was sent "
              "(a weak W/ tag never matches for a change)."))
    return versions.pop()


def stale(message: str, *, expected: int | None, current: int | None,
          **params: object) -> PreconditionFailed:
    """The 412 of a change asked against version ``expected`` of a resource now at ``current``:
    ``message`` names it (an ``N_`` message, ``{version}`` the version the client read, with
    ``params`` for its other placeholders)."""
    return PreconditionFailed(translate(message, version=expected, **params),
                              current_version=current)


def ensure_version(expected: int | None, current: int | None, message: str,
                   **params: object) -> None:
    """412 (:func:`stale`) unless ``expected`` (from :func:`expected_version`; None: any) is
    the resource's ``current`` version."""
    if expected is not None and expected != current:
        raise stale(message, expected=expected, current=current, **params)


def none_match(if_none_match: str, current: str) -> bool:
    """Whether ``If-None-Match`` names the ``current`` ETag (or is ``*``), compared weakly:
    then the client's copy is current and a read answers 304."""
    tags = entity_tags(if_none_match)
    if tags is None:
        return True
    current_tags = entity_tags(current)
    if not current_tags:
        return False
    return any(opaque == current_tags[0][1] for _, opaque in tags)
