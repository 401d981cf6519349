"""ESCO, the European classification of skills and occupations, as a read-only vocabulary.

Every service speaks it, as every service speaks ISO countries (read from pycountry's data in
:mod:`shared.vocabulary`): a skill URI valid in a candidate's profile is valid in a vacancy,
and matching compares the two with the same hierarchy. So the classification is reference
data beside the kit, not a domain: no service owns it and none asks another for it.

What is read: ``classification.json`` beside this module (a hand-made subset, with its
licence, attribution and version), or the file named by the ``ESCO_FILE`` environment
variable, written by ``pathways esco load`` from the official CSV download. Both have the
same format (``pathways-esco/1``, :func:`document`).
"""

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

Kind = Literal["skill", "occupation"]
Language = Literal["en", "fr", "ar"]
LANGUAGES: Final[tuple[Language, ...]] = ("en", "fr", "ar")
FORMAT: Final = "pathways-esco/1"
SHIPPED: Final = Path(__file__).with_name("classification.json")
# Any concept of the ESCO namespace; http is canonical (ESCO's URIs are linked-data names),
# but https copies from a browser's address bar name the same concept.
_NAMESPACE = re.compile(r"^https?://data\.europa\.eu/esco/", re.IGNORECASE)


def is_esco_uri(uri: str) -> bool:
    """Whether ``uri`` is in the ESCO namespace (known or not)."""
    return _NAMESPACE.match(uri) is not None


def canonical_uri(uri: str) -> str:
    """``uri`` as ESCO writes it: http, lower-case (ESCO's UUIDs are lower-case)."""
    return _NAMESPACE.sub("http://data.europa.eu/esco/", uri.strip()).lower()


def _folded(text: str) -> str:
    # Accents and case ignored, so "recolter" finds "récolter" and "PYTHON" finds "Python".
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@dataclass(frozen=True, slots=True)
class Concept:
    """A skill or an occupation: its URI, labels per language, broader skills, ISCO-08 code."""

    uri: str
    kind: Kind
    labels: Mapping[str, str]
    alt_labels: Mapping[str, Sequence[str]] = field(default_factory=dict)
    broader: Sequence[str] = ()  # skills only: the URIs of the directly broader skills
    isco_code: str | None = None  # occupations only: the ISCO-08 unit group
    illustrative: bool = False  # a placeholder URI, not an official ESCO identifier

    def label(self, language: str) -> str:
        """The preferred label in ``language``, else in English."""
        return self.labels.get(language) or self.labels["en"]


@dataclass(frozen=True, slots=True)
class Classification:
    """A version of ESCO (or of a subset of it), indexed for lookup, search and hierarchy."""

    version: str
    licence: str
    attribution: str
    concepts: Mapping[str, Concept]  # by canonical URI
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def get(self, uri: str) -> Concept | None:
        """The concept ``uri`` names (in any case, http or https), or None."""
        return self.concepts.get(canonical_uri(uri))

    def ancestors(self, uri: str) -> frozenset[str]:
        """``uri``'s concept and every broader skill, transitively (empty when unknown).

        A requirement for any of them is met by ``uri``: the narrower skill implies the
        broader one. Cached per concept, so a matching run expands each skill once.
        """
        key = canonical_uri(uri)
        found = self._ancestors.get(key)
        if found is None:
            found = self._climb(key, frozenset())
            self._ancestors[key] = found
        return found

    def _climb(self, key: str, path: frozenset[str]) -> frozenset[str]:
        concept = self.concepts.get(key)
        if concept is None or key in path:  # unknown, or a cycle in a loaded file
            return frozenset()
        seen = {key}
        for parent in concept.broader:
            seen |= self._climb(parent, path | {key})
        return frozenset(seen)

    def with_broader(self, keys: Iterable[str]) -> list[str]:
        """``keys`` (lower-cased skill labels and URIs) and, after them, the broader skills of
        the ESCO ones, each once."""
        out = dict.fromkeys(keys)
        for key in list(out):
            if is_esco_uri(key):
                out |= dict.fromkeys(sorted(self.ancestors(key)))
        return list(out)

    def search(self, text: str, *, kind: Kind | None = None, language: Language = "en",
               limit: int = 20) -> list[Concept]:
        """Concepts whose label in ``language`` (preferred or alternative) contains ``text``,
        case and accents ignored: exact labels first, then those starting with it, then those
        with a word starting with it, then any; alphabetical within each."""
        wanted = _folded(text)
        if not wanted:
            return []
        ranked: list[tuple[int, str, Concept]] = []
        for concept in self.concepts.values():
            if kind is not None and concept.kind != kind:
                continue
            names = [concept.labels.get(language, ""),
                     *concept.alt_labels.get(language, ())]
            rank = min((_rank(_folded(name), wanted) for name in names if name), default=4)
            if rank < 4:
                ranked.append((rank, _folded(concept.label(language)), concept))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [concept for _, _, concept in ranked[:limit]]


def _rank(name: str, wanted: str) -> int:
    if name == wanted:
        return 0
    if name.startswith(wanted):
        return 1
    if f" {wanted}" in f" {name}" or f"({wanted}" in name:
        return 2
    return 3 if wanted in name else 4


def _concept(row: Mapping[str, Any], kind: Kind) -> Concept:
    return Concept(uri=canonical_uri(row["uri"]), kind=kind, labels=dict(row["labels"]),
                   alt_labels={k: tuple(v) for k, v in row.get("alt_labels", {}).items()},
                   broader=tuple(canonical_uri(b) for b in row.get("broader", ())),
                   isco_code=row.get("isco_code"), illustrative=row.get("illustrative", False))


def parse(doc: Mapping[str, Any]) -> Classification:
    """A classification from its JSON document; ValueError when it is not one."""
    if doc.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document")
    concepts = {c.uri: c for c in (
        *(_concept(row, "skill") for row in doc["skills"]),
        *(_concept(row, "occupation") for row in doc["occupations"]))}
    return Classification(version=doc["version"], licence=doc["licence"],
                          attribution=doc["attribution"], concepts=concepts)


def document(classification: Classification, *, note: str | None = None) -> dict[str, Any]:
    """The JSON document of ``classification`` (what :func:`parse` reads)."""
    def row(c: Concept) -> dict[str, Any]:
        out: dict[str, Any] = {"uri": c.uri, "labels": dict(c.labels),
                               "alt_labels": {k: list(v) for k, v in c.alt_labels.items()}}
        if c.kind == "skill":
            out["broader"] = list(c.broader)
        else:
            out["isco_code"] = c.isco_code
        return out | {"illustrative": c.illustrative}

    concepts = sorted(classification.concepts.values(), key=lambda c: c.uri)
    return {"format": FORMAT, "version": classification.version,
            "licence": classification.licence, "attribution": classification.attribution,
            **({"note": note} if note else {}),
            "skills": [row(c) for c in concepts if c.kind == "skill"],
            "occupations": [row(c) for c in concepts if c.kind == "occupation"]}


def load(path: Path) -> Classification:
    """The classification stored at ``path``."""
    return parse(json.loads(path.read_text(encoding="utf-8")))


@cache
def classification() -> Classification:
    """The classification this process uses: ``ESCO_FILE`` if set, else the shipped subset."""
    return load(Path(os.environ.get("ESCO_FILE") or SHIPPED))
