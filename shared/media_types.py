"""Which request bodies a route takes: any other is a 415, before the body is validated.

A route with a JSON body takes ``application/json`` and its structured suffixes
(``application/*+json``, such as ``application/merge-patch+json``); a route with a form body
(the token endpoint) takes ``application/x-www-form-urlencoded`` and ``multipart/form-data``.
A body of another type, or of none, is refused with the types the route takes in
``Accept-Post`` or ``Accept-Patch`` (RFC 5789 §3.1), where FastAPI would have tried to validate
it and answered a 422 about fields the client never meant to send. Routes that read their body
themselves check it themselves: the CSV and NDJSON imports answer the same 415, the signed
events inbox and internal questions trust their signature only.
"""

from fastapi import Depends, Request
from fastapi.params import Form
from fastapi.routing import APIRoute

from shared.errors import UnsupportedMediaType
from shared.i18n import _

JSON_TYPES = ("application/json", "application/*+json")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The header naming what a method's body may be; other methods' 415s name none.
_ACCEPT_HEADERS = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}


def accepted_types(route: APIRoute) -> tuple[str, ...] | None:
    """The media types ``route``'s body may have; None when it parses no body itself."""
    if route.body_field is None:
        return None
    return FORM_TYPES if isinstance(route.body_field.field_info, Form) else JSON_TYPES


def is_accepted(content_type: str, accepted: tuple[str, ...]) -> bool:
    """Whether a ``Content-Type`` value (parameters such as ``charset`` aside) is one of
    ``accepted`` (which may hold ``application/*+json``)."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    for each in accepted:
        if each == media or (each == f"{kind}/*+json" and subtype.endswith("+json")):
            return True
    return False


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length.strip() not in ("", "0")) \
        or "transfer-encoding" in request.headers


async def check_media_type(request: Request) -> None:
    """Refuse a body whose type the matched route does not take (415, ``Accept-*`` naming the
    ones it does). Run as an app-wide dependency: before the route's own parameters."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not _has_body(request):
        return
    accepted = accepted_types(route)
    if accepted is None or is_accepted(request.headers.get("content-type", ""), accepted):
        return
    sent = request.headers.get("content-type", "").split(";", 1)[0].strip() or "none"
    raise UnsupportedMediaType(_("This body must be {accepted}, not '{sent}'.",
                                 accepted=' or '.join(accepted), sent=sent),
                               accepted=list(accepted), header=_ACCEPT_HEADERS.get(request.method))


MEDIA_TYPE_CHECK = Depends(check_media_type)
