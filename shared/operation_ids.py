"""Operation ids: ``<resource>_<action>``, stable and readable, made here for every app.

Client generators name their functions after the ids (``programmes_list``,
``placements_accept_employer``), so an id is part of the API: it must not change when a path
or a handler's module does, and must read well. FastAPI's default
(``list_programmes_v1_programmes_get``) spells out the path and the method. The rule:

- the *resource* is the route's last tag (the route's own before its router's: an
  ``["auth", "admin"]`` route is an admin one) in snake case: ``returnee cases`` is
  ``returnee_cases``. A router shared by several services names its own resource instead
  (:func:`for_resource`), so that their routes differ.
- the *action* is the endpoint function's name without the resource's words: the whole run
  (``list_follow_ups`` under ``follow-ups``), else its last word, singular or plural
  (``get_programme`` under ``programmes``, ``create_measure`` under ``support measures``).
  Only the first occurrence goes; a name that is nothing but the resource takes the HTTP
  method (``indicators`` read with GET is ``indicators_get``).
- a route may set ``operation_id=`` itself where this reads badly; it must keep the
  ``<resource>_`` prefix.
- a route without a tag (only those left out of the document have none) keeps FastAPI's.

Ids are unique within an app (FastAPI warns otherwise) and across the gateway's merged document
(``gateway.openapi`` refuses a clash).
"""

import re
from collections.abc import Callable
from typing import Any

from fastapi.utils import generate_unique_id

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _forms(word: str) -> set[str]:
    """``word`` and its singular or plural (programmes/programme, vacancies/vacancy)."""
    if word.endswith("ies"):
        return {word, word[:-3] + "y"}
    if word.endswith("s"):
        return {word, word[:-1]}
    if word.endswith("y"):
        return {word, word[:-1] + "ies"}
    return {word, word + "s"}


def _without(name: list[str], resource: list[str]) -> list[str]:
    """``name`` without the first run of ``resource``'s words, else its last word."""
    for run in (resource, resource[-1:]):
        for start in range(len(name) - len(run) + 1):
            window = name[start:start + len(run)]
            if window[:-1] == run[:-1] and window[-1] in _forms(run[-1]):
                return name[:start] + name[start + len(run):]
    return name


def derive(resource: str, endpoint_name: str, method: str) -> str:
    """The operation id of the endpoint function ``endpoint_name`` of ``resource``."""
    resource_words = _words(resource)
    action = _without(_words(endpoint_name), resource_words) or [method.lower()]
    return "_".join(resource_words + action)


def _method(route: Any) -> str:
    methods: set[str] = route.methods or {"get"}
    return sorted(methods)[0]


def operation_id(route: Any) -> str:
    """FastAPI's ``generate_unique_id_function``: the id of ``route`` by the module's rule."""
    tags = [str(t) for t in route.tags]
    if not tags:  # only routes left out of the document have none (the docs pages)
        return generate_unique_id(route)
    return derive(tags[-1], route.name, _method(route))


def for_resource(resource: str) -> Callable[[Any], str]:
    """A ``generate_unique_id_function`` naming routes after ``resource`` rather than their
    tag: a router that several services serve (each at its own path) gives each its own."""

    def generate(route: Any) -> str:
        return derive(resource, route.name, _method(route))

    return generate
