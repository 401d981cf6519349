"""``pathways esco load``: the official ESCO CSV download turned into the file the services read.

ESCO's download (https://esco.ec.europa.eu, "Download", format CSV, one language each) is a
folder of files; read here, for each language of :data:`shared.esco.LANGUAGES` present:

- ``skills_<lang>.csv``: ``conceptUri``, ``preferredLabel``, ``altLabels`` (one per line),
  ``status``; ``skillGroups_<lang>.csv`` likewise (the groups are the hierarchy's upper
  levels, and a vacancy may require one);
- ``occupations_<lang>.csv``: the same, and ``iscoGroup`` (the ISCO-08 unit group);
- ``broaderRelationsSkillPillar_<lang>.csv`` (English only): ``conceptUri``, ``broaderUri``.

English is required (every concept has an English label). ``skillSkillRelations`` (essential
and optional skills of a skill) are not a hierarchy and are not read; nor are obsolete concepts.
"""

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from shared import esco

# ESCO's own terms of reuse, to ship with any copy.
LICENCE = ("ESCO is © European Union. Reuse is authorised under the Commission's reuse policy "
           "(Commission Decision 2011/833/EU) and the CC BY 4.0 licence, provided the source "
           "is acknowledged and changes are indicated.")
ATTRIBUTION = ("This service uses the ESCO classification of the European Commission, loaded "
               "from its official download.")


def _rows(path: Path) -> Iterator[dict[str, str]]:
    # utf-8-sig: ESCO's files may start with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _alternatives(cell: str | None) -> list[str]:
    return [line.strip() for line in (cell or "").splitlines() if line.strip()]


def _kind_files(folder: Path, language: str) -> Iterator[tuple[esco.Kind, Path]]:
    files: tuple[tuple[esco.Kind, str], ...] = (
        ("skill", "skills"), ("skill", "skillGroups"), ("occupation", "occupations"))
    for kind, stem in files:
        path = folder / f"{stem}_{language}.csv"
        if path.exists():
            yield kind, path


def read_download(folder: Path, *, version: str) -> esco.Classification:
    """The classification in ESCO's CSV download at ``folder``; FileNotFoundError naming the
    file when ``skills_en.csv`` or ``occupations_en.csv`` is missing."""
    for required in ("skills_en.csv", "occupations_en.csv"):
        if not (folder / required).exists():
            raise FileNotFoundError(f"{folder / required} is missing: is this ESCO's CSV "
                                    "download (English)?")
    kinds: dict[str, esco.Kind] = {}
    labels: dict[str, dict[str, str]] = {}
    alternatives: dict[str, dict[str, tuple[str, ...]]] = {}
    isco: dict[str, str | None] = {}
    for language in esco.LANGUAGES:
        for kind, path in _kind_files(folder, language):
            for row in _rows(path):
                if row.get("status", "released") == "obsolete":
                    continue
                uri = esco.canonical_uri(row["conceptUri"])
                if language == "en":
                    kinds[uri] = kind
                    isco[uri] = (row.get("iscoGroup") or None) if kind == "occupation" else None
                elif uri not in kinds:
                    continue
                if row.get("preferredLabel"):
                    labels.setdefault(uri, {})[language] = row["preferredLabel"].strip()
                if found := _alternatives(row.get("altLabels")):
                    alternatives.setdefault(uri, {})[language] = tuple(found)
    broader: dict[str, list[str]] = {}
    relations = folder / "broaderRelationsSkillPillar_en.csv"
    if relations.exists():
        for row in _rows(relations):
            child, parent = (esco.canonical_uri(row[k]) for k in ("conceptUri", "broaderUri"))
            if kinds.get(child) == "skill" and kinds.get(parent) == "skill":
                broader.setdefault(child, []).append(parent)
    concepts = {uri: esco.Concept(uri=uri, kind=kind, labels=labels.get(uri, {}),
                                  alt_labels=alternatives.get(uri, {}),
                                  broader=tuple(broader.get(uri, ())), isco_code=isco[uri])
                for uri, kind in kinds.items() if "en" in labels.get(uri, {})}
    return esco.Classification(version=version, licence=LICENCE, attribution=ATTRIBUTION,
                               concepts=concepts)


def load(folder: Path, *, out: Path, version: str) -> esco.Classification:
    """Read the download at ``folder`` and write it to ``out`` (what ``ESCO_FILE`` names)."""
    classification = read_download(folder, version=version)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(esco.document(classification), ensure_ascii=False),
                   encoding="utf-8")
    return classification
