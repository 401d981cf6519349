"""A page for each problem ``type`` the API sends: ``GET /problems/{slug}`` on the gateway.

A problem's ``type`` is ``/problems/<slug>`` (``shared.errors.problem_type``): a URI reference
relative to the URL of the request that got the problem, so it resolves to the gateway of
whichever deployment answered, with no address configured in the services that send most
problems, and a client compares types as written whatever the deployment's address (RFC 9457
allows relative references; it resolves them against the request's URL).

What a page says comes from the merged OpenAPI document: each documented problem's title and
status, what it means (the problem class's docstring, its example's ``description``) and the
operations that answer it; plus the few problems any operation may answer without listing them
(:data:`UNLISTED`), what the shared ones mean (:data:`EXPLANATIONS`) and what to do by status
(:data:`ADVICE`). A browser gets HTML; a client
asking for JSON gets the same as JSON. ``GET /problems`` lists them all.
"""

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from shared.errors import PROBLEM_MEDIA_TYPE, NotFound, problem_type
from shared.i18n import _
from shared.problem_docs import operations

PREFIX = "/problems"
_TYPE_PREFIX = problem_type("")

# What to do about a problem of each status, whichever problem it is.
ADVICE: dict[int, str] = {
    400: "Correct the request as `detail` says; sent again unchanged it fails again.",
    401: "Get a token at `POST /v1/auth/token` and send it as `Authorization: Bearer <token>`; "
         "get a new one when it expires.",
    403: "Your role, or the objects your account is linked to, do not allow this: use an account "
         "that may, or ask an administrator.",
    404: "Check the identifier. The object may not exist, may have been erased, or may not be "
         "visible to your account.",
    405: "Use one of the methods in the `Allow` header.",
    409: "The object's current state does not allow this: read it again and act on what it is "
         "now.",
    412: "Read the object again and send its current `ETag` as `If-Match`.",
    413: "Send a smaller body: `max_bytes` says how large it may be.",
    422: "Correct the fields that `errors` (or `detail`) names, then send the request again.",
    429: "Wait the seconds that `Retry-After` gives, then send the request again.",
    500: "Not your request's fault: try again later, and quote the `X-Request-ID` when "
         "reporting it.",
    502: "Try again shortly; quote the `X-Request-ID` if it persists.",
    503: "Wait the seconds that `Retry-After` gives (or a few), then send the request again.",
    504: "Try again shortly: a read is safe to repeat, a create with the same "
         "`Idempotency-Key` too.",
}

# What the problems of the shared machinery and of the gateway mean, which no problem class
# explains in the document (``shared.errors``, ``shared.problem_docs``, ``gateway.proxy``).
EXPLANATIONS: dict[str, str] = {
    "validation": "The request has a field that is missing, unknown, of the wrong type or out "
                  "of range; `errors` names each one (`loc`) and why (`msg`).",
    "http-error": "The request could not be read as HTTP or JSON (a body that does not parse, "
                  "say).",
    "invalid-token": "No bearer token, or one that is expired, revoked or not issued by this "
                     "API.",
    "forbidden": "The caller's role may not do this, or not to this object.",
    "not-found": "The path names an object that does not exist or that the caller may not "
                 "see, or no such path exists.",
    "conflict": "The request conflicts with the current state of what it changes.",
    "precondition-failed": "`If-Match` names a version of the object that is no longer the "
                           "current one: someone changed it since it was read.",
    "invalid-cursor": "`cursor` is not one that this API gave as `next_cursor`.",
    "invalid-idempotency-key": "`Idempotency-Key` is not 1 to 255 printable ASCII characters.",
    "idempotency-key-reused": "The `Idempotency-Key` was used before with a different body.",
    "request-too-large": "The body is larger than the gateway accepts on this path.",
    "rate-limited": "The caller sent more requests than its limit allows in the window.",
    "rate-limiter-unavailable": "The gateway cannot count requests right now, and refuses them "
                                "rather than serve them without a limit.",
    "service-unavailable": "The service behind this path cannot be reached.",
    "internal": "Something failed that should not have; the error is logged under the "
                "request's id.",
    "method-not-allowed": "The path exists but does not answer this HTTP method.",
    "bad-gateway": "A service gave the gateway an answer that could not be relayed.",
    "upstream-timeout": "A service did not answer the gateway in time; what was asked may or "
                        "may not have been done.",
}
# Problems any operation may answer without listing them: their titles and statuses.
UNLISTED: dict[str, tuple[str, int]] = {
    "internal": ("Internal error", 500),
    "method-not-allowed": ("Method not allowed", 405),
    "bad-gateway": ("Bad gateway", 502),
    "upstream-timeout": ("Service timed out", 504),
}


@dataclass
class ProblemPage:
    """Everything known about one problem type."""

    slug: str
    title: str
    statuses: list[int]  # one, unless classes of several services share the type
    explanations: list[str] = field(default_factory=list)
    operations: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, id

    @property
    def type(self) -> str:
        return problem_type(self.slug)

    def advice(self) -> list[str]:
        """What to do, for each status of the type."""
        return [ADVICE[s] for s in self.statuses if s in ADVICE]

    def as_json(self) -> dict[str, Any]:
        """The page as JSON."""
        return {"type": self.type, "title": self.title, "statuses": self.statuses,
                "explanations": self.explanations, "advice": self.advice(),
                "operations": [{"method": m, "path": p, "operation_id": i}
                               for m, p, i in self.operations]}


def catalogue(document: dict[str, Any]) -> dict[str, ProblemPage]:
    """Every problem type of ``document`` (and :data:`UNLISTED`), by slug."""
    pages: dict[str, ProblemPage] = {}
    for path, method, operation in operations(document):
        for response in operation.get("responses", {}).values():
            media = response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {})
            for example in (media.get("examples") or {}).values():
                value = example.get("value") if isinstance(example, dict) else None
                if not isinstance(value, dict) or not str(value.get("type", "")).startswith(
                        _TYPE_PREFIX):
                    continue
                slug = str(value["type"]).removeprefix(_TYPE_PREFIX)
                page = pages.setdefault(slug, ProblemPage(slug, str(value.get("title", slug)),
                                                          []))
                if (status := int(value.get("status", 0))) not in page.statuses:
                    page.statuses.append(status)
                explanation = example.get("description")
                if explanation and explanation not in page.explanations:
                    page.explanations.append(explanation)
                where = (method.upper(), path, str(operation.get("operationId", "")))
                if where not in page.operations:
                    page.operations.append(where)
    for slug, (title, status) in UNLISTED.items():
        pages.setdefault(slug, ProblemPage(slug, title, [status]))
    for slug, page in pages.items():
        if not page.explanations and slug in EXPLANATIONS:
            page.explanations.append(EXPLANATIONS[slug])
    return dict(sorted(pages.items()))


def _code(text: str) -> str:
    """``text`` escaped, its `backticked` parts as code."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _html(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n"
                        f"</body></html>\n")


def page_html(page: ProblemPage) -> HTMLResponse:
    """One problem's page."""
    meaning = "".join(f"<p>{_code(text)}</p>" for text in page.explanations) or \
        f"<p>{_code(page.title)}.</p>"
    answered = "".join(f"<li><code>{html.escape(m)} {html.escape(p)}</code> "
                       f"({html.escape(i)})</li>" for m, p, i in page.operations)
    statuses = " or ".join(str(s) for s in page.statuses)
    advice = "".join(f"<p>{_code(text)}</p>" for text in page.advice())
    return _html(f"{page.title} ({statuses})", (
        f"<h1>{html.escape(page.title)}</h1>\n"
        f"<p>HTTP status {statuses}; problem type <code>{html.escape(page.type)}</code>, "
        f"sent as <code>{PROBLEM_MEDIA_TYPE}</code>.</p>\n"
        f"<h2>When it happens</h2>\n{meaning}\n"
        f"<h2>What to do</h2>\n{advice}\n"
        + (f"<h2>Operations that answer it</h2>\n<ul>{answered}</ul>\n" if answered else "")
        + f"<p><a href=\"{PREFIX}\">Every problem type</a></p>"))


def index_html(pages: dict[str, ProblemPage]) -> HTMLResponse:
    """The list of every problem type."""
    items = "".join(f"<li><a href=\"{html.escape(p.type)}\">{html.escape(p.title)}</a> "
                    f"({', '.join(str(s) for s in p.statuses)})</li>" for p in pages.values())
    return _html("Problem types", f"<h1>Problem types</h1>\n<ul>{items}</ul>")


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def install(app: FastAPI, document: Callable[[], Awaitable[dict[str, Any]]]) -> None:
    """Serve the problem pages on ``app``, built from the merged document ``document()``
    gives (the catalogue is made again only when that document is another)."""
    made: list[tuple[dict[str, Any], dict[str, ProblemPage]]] = []

    async def catalogue_now() -> dict[str, ProblemPage]:
        current = await document()
        if not made or made[0][0] is not current:
            made[:] = [(current, catalogue(current))]
        return made[0][1]

    async def problem_index(request: Request) -> Response:
        """Every problem type of the API."""
        pages = await catalogue_now()
        if _wants_json(request):
            return JSONResponse([p.as_json() for p in pages.values()])
        return index_html(pages)

    async def problem_page(slug: str, request: Request) -> Response:
        """What one problem type means and what to do about it."""
        page = (await catalogue_now()).get(slug)
        if page is None:
            raise NotFound(_("No problem type {slug}; {prefix} lists them.",
                             slug=slug, prefix=PREFIX))
        return JSONResponse(page.as_json()) if _wants_json(request) else page_html(page)

    app.add_api_route(PREFIX, problem_index, include_in_schema=False)
    app.add_api_route(PREFIX + "/{slug}", problem_page, include_in_schema=False)
