"""ESCO: the shipped subset, its search and hierarchy, skill validation, and the loader of the
official CSV download (on a tiny folder in that format)."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from launcher import cli
from launcher.esco import read_download
from shared import esco
from shared.vocabulary import Skill, SkillRecord

DOWNLOAD = Path(__file__).with_name("esco_download")
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
PROGRAMMING = "http://data.europa.eu/esco/skill/00000000-e5c0-4000-8000-000000000001"
PICK_FRUIT = "http://data.europa.eu/esco/skill/00000000-e5c0-4000-8000-000000000023"
AGRICULTURE = "http://data.europa.eu/esco/skill/00000000-e5c0-4000-8000-000000000021"


class TestShippedSubset:
    def test_versioned_licensed_and_attributed(self) -> None:
        doc = json.loads(esco.SHIPPED.read_text(encoding="utf-8"))
        assert doc["format"] == esco.FORMAT and doc["version"].startswith("ESCO v1.2.0")
        assert "CC BY 4.0" in doc["licence"] and "European Union" in doc["licence"]
        assert "ESCO" in doc["attribution"] and "illustrative" in doc["note"]

    def test_sectors_labels_and_isco(self) -> None:
        concepts = esco.classification().concepts.values()
        skills = [c for c in concepts if c.kind == "skill"]
        occupations = [c for c in concepts if c.kind == "occupation"]
        assert len(skills) >= 50 and len(occupations) >= 20
        assert all(set(c.labels) == {"en", "fr", "ar"} for c in concepts)
        assert all(c.isco_code is not None and len(c.isco_code) == 4 for c in occupations)
        assert all(c.uri.startswith("http://data.europa.eu/esco/skill/") for c in skills)
        # Every broader skill is in the subset, so the hierarchy has no dangling edge.
        known = esco.classification().concepts
        assert all(b in known for c in skills for b in c.broader)

    def test_illustrative_uris_are_visibly_placeholders(self) -> None:
        for concept in esco.classification().concepts.values():
            assert concept.illustrative == ("/00000000-e5c0-" in concept.uri)


class TestHierarchy:
    def test_a_skill_implies_its_broader_skills_transitively(self) -> None:
        classification = esco.classification()
        assert classification.ancestors(PICK_FRUIT) >= {PICK_FRUIT, AGRICULTURE}
        assert classification.ancestors(PYTHON) == {PYTHON, PROGRAMMING}
        assert classification.ancestors("http://data.europa.eu/esco/skill/unknown") == set()

    def test_with_broader_keeps_labels_and_adds_ancestors_once(self) -> None:
        keys = esco.classification().with_broader(["python", PYTHON, PROGRAMMING])
        assert keys == ["python", PYTHON, PROGRAMMING]
        assert esco.classification().with_broader(["sql"]) == ["sql"]


class TestSearch:
    @pytest.mark.parametrize(("text", "language", "expected"), [
        ("python", "en", PYTHON),
        ("PROGRAMMATION INFO", "fr", PROGRAMMING),
        ("recolter", "fr", "http://data.europa.eu/esco/skill/00000000-e5c0-4000-8000-000000000022"),
        ("بايثون", "ar", PYTHON),
        ("fruit picking", "en", PICK_FRUIT),  # an alternative label
    ])
    def test_finds_by_label_in_three_languages(self, text: str, language: esco.Language,
                                               expected: str) -> None:
        found = esco.classification().search(text, language=language)
        assert found and found[0].uri == expected

    def test_kind_and_limit(self) -> None:
        found = esco.classification().search("developer", kind="occupation", limit=1)
        assert [c.labels["en"] for c in found] == ["software developer"]
        assert esco.classification().search("developer", kind="skill") == []
        assert esco.classification().search("  ") == []


class TestSkillValidation:
    def test_known_uri_is_canonical_and_marked(self) -> None:
        skill = Skill(uri="https://data.europa.eu/esco/skill/CCD0A1D9-AFDA-43D9-B901-96344886E14D")
        assert skill.uri == PYTHON
        assert skill.model_dump() == {"uri": PYTHON, "label": None, "esco": True}

    def test_unknown_esco_uri_is_refused_by_name(self) -> None:
        bad = "http://data.europa.eu/esco/skill/not-a-concept"
        with pytest.raises(ValidationError, match=bad):
            Skill(uri=bad)
        occupation = next(c.uri for c in esco.classification().concepts.values()
                          if c.kind == "occupation")
        with pytest.raises(ValidationError, match="is not a skill of ESCO"):
            Skill(uri=occupation)

    def test_free_labels_and_other_vocabularies_are_marked(self) -> None:
        assert Skill(label="Kotlin").model_dump()["esco"] is False
        other = Skill(uri="https://vocabulary.example.org/skill/1")
        assert other.uri == "https://vocabulary.example.org/skill/1" and other.esco is False

    def test_marker_sent_back_is_ignored(self) -> None:
        assert Skill.model_validate({"label": "Kotlin", "esco": True}).esco is False

    def test_a_stored_record_is_shown_even_when_unknown(self) -> None:
        record = SkillRecord(uri="http://data.europa.eu/esco/skill/gone", label="old")
        assert record.model_dump() == {"uri": "http://data.europa.eu/esco/skill/gone",
                                       "label": "old", "esco": False}


class TestLoader:
    def test_reads_the_official_csv_format(self) -> None:
        loaded = read_download(DOWNLOAD, version="ESCO v1.2.0")
        group = "http://data.europa.eu/esco/skill/aaaaaaaa-0000-4000-8000-000000000001"
        python = "http://data.europa.eu/esco/skill/aaaaaaaa-0000-4000-8000-000000000002"
        harvest = "http://data.europa.eu/esco/skill/aaaaaaaa-0000-4000-8000-000000000003"
        developer = "http://data.europa.eu/esco/occupation/bbbbbbbb-0000-4000-8000-000000000001"
        assert set(loaded.concepts) == {group, python, harvest, developer}  # obsolete left out
        assert loaded.concepts[python].labels == {"en": "Python (computer programming)",
                                                  "fr": "Python (programmation informatique)"}
        assert loaded.concepts[python].alt_labels["en"] == ("Python", "python programming")
        assert loaded.concepts[python].broader == (group,)
        assert loaded.concepts[group].broader == ()  # an ISCED-F parent is not a skill
        assert (loaded.concepts[developer].kind, loaded.concepts[developer].isco_code) == (
            "occupation", "2512")
        assert loaded.ancestors(python) == {python, group}
        assert "CC BY 4.0" in loaded.licence and loaded.version == "ESCO v1.2.0"

    def test_command_writes_a_file_the_services_read(self, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
        out = tmp_path / "esco.json"
        assert cli.main(["esco", "load", str(DOWNLOAD), "--out", str(out),
                         "--version", "ESCO v1.2.0"]) == 0
        assert "3 skills, 1 occupations" in capsys.readouterr().out
        reread = esco.load(out)
        assert reread.concepts == read_download(DOWNLOAD, version="ESCO v1.2.0").concepts
        assert reread.search("récolter", language="fr")[0].labels["en"] == "harvest crops"

    def test_a_folder_without_the_download_is_named(self, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
        assert cli.main(["esco", "load", str(tmp_path), "--version", "x"]) == 2
        assert "skills_en.csv is missing" in capsys.readouterr().err
