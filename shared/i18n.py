"""Languages: what people read from the API, in English, French and Arabic, from gettext catalogues.

English is the source language. A message is marked in the code with :func:`_` (translated now,
into the language of the request being answered) or :func:`N_` (only marked: a class attribute
such as a problem's ``title``, translated when rendered with :func:`translate`). Placeholders are
named, ``str.format`` style, and filled after translation::

    raise CandidateNotFound(_("No candidate {candidate_id}.", candidate_id=candidate_id))

Display names of codes (statuses, enumerations) are labels: :func:`declare_labels` lists a
vocabulary's codes under a context such as ``"application.status"``; their names, English
included, are catalogue entries with that ``msgctxt``. Codes themselves never change.

Each package with messages keeps ``locales/<language>/LC_MESSAGES/messages.po`` next to its code
and registers the folder (:func:`register_catalogues`) when its app is built; ``pathways
messages`` (``launcher/messages.py``) collects every marked message, problem title, label and
validation message into those files, and a test fails when one lacks a translation.

:class:`LanguageMiddleware` picks the language of each request from ``Accept-Language`` (the
gateway supplies an account's saved language when the caller sent none), falls back to English
for a language it does not have, and says which it answered in with ``Content-Language``.
"""

import contextvars
import functools
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel import negotiate_locale
from babel.messages.pofile import read_po
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LANGUAGES = ("en", "fr", "ar")
DEFAULT_LANGUAGE = "en"
CATALOGUE_FILE = Path("LC_MESSAGES") / "messages.po"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language",
                                                                 default=DEFAULT_LANGUAGE)
# (language, msgctxt, msgid) → msgstr, over every registered folder; one process serves one
# service, whose folders and the kit's are registered once when its app is built.
_entries: dict[tuple[str, str | None, str], str] = {}
_folders: set[Path] = set()
# context → (declaring module, codes)
_labels: dict[str, tuple[str, tuple[str, ...]]] = {}


def register_catalogues(folder: Path) -> None:
    """Load the catalogues of ``folder`` (``<folder>/<language>/LC_MESSAGES/messages.po``)."""
    folder = folder.resolve()
    if folder in _folders:
        return
    _folders.add(folder)
    for language in LANGUAGES:
        path = folder / language / CATALOGUE_FILE
        if not path.exists():
            continue
        with path.open("rb") as file:
            catalogue = read_po(file, locale=language)
        for message in catalogue:
            if message.id and message.string and not message.fuzzy \
                    and isinstance(message.id, str) and isinstance(message.string, str):
                _entries[(language, message.context, message.id)] = message.string


def current_language() -> str:
    """The language of the answer being made (English outside a request)."""
    return _language.get()


def use_language(language: str) -> contextvars.Token[str]:
    """Answer in ``language`` from now on in this context (reset with the token returned)."""
    return _language.set(language)


def reset_language(token: contextvars.Token[str]) -> None:
    """Undo :func:`use_language`."""
    _language.reset(token)


def translate(text: str, language: str | None = None, /, **params: Any) -> str:
    """``text`` (an English message) in ``language`` (default: the request's), placeholders
    filled. A message without a translation stays English."""
    found = _entries.get((language or _language.get(), None, text), text)
    return found.format(**params) if params else found


def _(text: str, /, **params: Any) -> str:
    """Mark ``text`` as a message and translate it now; see :func:`translate`."""
    return translate(text, **params)


def N_(text: str, /) -> str:
    """Mark ``text`` as a message to be translated later with :func:`translate`."""
    return text


def declare_labels(context: str, codes: Iterable[str]) -> None:
    """Declare that the codes of a vocabulary have display names under ``context`` (the
    declaring module's package keeps them in its catalogues)."""
    _labels[context] = (sys._getframe(1).f_globals.get("__name__", ""), tuple(codes))


def declared_label_owners() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every vocabulary whose codes have display names: its context → (the module that
    declared it, its codes)."""
    return dict(_labels)


def label(context: str, code: str, language: str | None = None) -> str:
    """The display name of ``code`` in ``context``: the requested language, else English, else
    the code itself."""
    chosen = language or _language.get()
    return (_entries.get((chosen, context, code)) or _entries.get((DEFAULT_LANGUAGE, context, code))
            or code)


def labels(language: str | None = None) -> dict[str, dict[str, str]]:
    """Every declared vocabulary's display names in ``language`` (default: the request's)."""
    return {context: {code: label(context, code, language) for code in codes}
            for context, (_module, codes) in sorted(_labels.items())}


def preferred(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first (``q=0`` and ``*``
    dropped, a malformed weight read as 0)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip()
        weight = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, position, tag))
    return [tag for _w, _p, tag in sorted(ranked)]


# Every request's header is looked up: clients send few distinct ones, and Babel's negotiation
# is the costly part of answering in a language.
@functools.lru_cache(maxsize=512)
def available(header: str | None) -> str | None:
    """The first of :data:`LANGUAGES` an ``Accept-Language`` header (or a saved language, an
    OpenID ``locale`` such as ``ar-MA``) asks for, or None when it asks for none of them."""
    wanted = preferred(header)
    found = negotiate_locale(wanted, LANGUAGES, sep="-") if wanted else None
    return str(found) if found else None


def negotiate(header: str | None) -> str:
    """The language to answer in for an ``Accept-Language`` header: one of :data:`LANGUAGES`,
    English when none of the wanted ones is available."""
    return available(header) or DEFAULT_LANGUAGE


# Where LanguageMiddleware keeps, in the request's scope, the language it answers in and
# whether the caller chose it (see prefer).
_SCOPE_KEY = "pathways.language"


class _Chosen:
    __slots__ = ("asked", "language")

    def __init__(self, language: str, asked: bool) -> None:
        self.language = language
        self.asked = asked


def prefer(scope: Scope, locale: str | None) -> None:
    """Answer this request in the caller's saved language ``locale`` (their token's
    ``locale``) when they sent no ``Accept-Language``: a header always wins. Called once the
    caller is known (the token verified); costs no lookup."""
    chosen: _Chosen | None = scope.get(_SCOPE_KEY)
    if chosen is None or chosen.asked or not locale:
        return
    chosen.language = negotiate(locale)
    use_language(chosen.language)


def choose_language(scope: Scope) -> tuple[_Chosen, contextvars.Token[str]]:
    """Answer the request of ``scope`` in the language its ``Accept-Language`` asks for (the
    caller's saved one may replace it: :func:`prefer`); the choice, and the token to
    :func:`reset_language` with once the request is answered."""
    header = next((value.decode("latin-1") for name, value in scope["headers"]
                   if name == b"accept-language"), None)
    chosen = scope[_SCOPE_KEY] = _Chosen(negotiate(header), asked=header is not None)
    return chosen, use_language(chosen.language)


class LanguageMiddleware:
    """Answer each request in the language it asks for and say which (``Content-Language``).

    Without ``Accept-Language``, the caller's saved language once their token is verified
    (:func:`prefer`), else English. An answer that already says its language (a service's,
    relayed by the gateway) keeps it.
    ``Vary: Accept-Language`` tells caches that the words depend on it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The caller's saved language may replace it once they are known (prefer).
        chosen, token = choose_language(scope)

        async def send_in_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _value in headers}
                if b"content-language" not in names:
                    headers.append((b"content-language", chosen.language.encode()))
                vary = [value for name, value in headers if name.lower() == b"vary"]
                if not any(b"accept-language" in value.lower() for value in vary):
                    headers = [(n, v) for n, v in headers if n.lower() != b"vary"]
                    headers.append((b"vary", b", ".join([*vary, b"Accept-Language"])))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_in_language)
        finally:
            reset_language(token)


register_catalogues(Path(__file__).parent / "locales")
