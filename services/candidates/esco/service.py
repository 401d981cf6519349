"""Suggestions from the ESCO classification (:mod:`shared.esco`), for the forms that name
skills and occupations."""

from shared import esco


def suggest(*, text: str, kind: esco.Kind | None, language: esco.Language,
            limit: int) -> list[esco.Concept]:
    """The concepts whose label in ``language`` contains ``text``, best first."""
    return esco.classification().search(text, kind=kind, language=language, limit=limit)


def classification() -> esco.Classification:
    """The classification in use: its version, licence and attribution go with every answer."""
    return esco.classification()
