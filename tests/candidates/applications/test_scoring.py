"""The score's parts and weights."""

from datetime import date
from decimal import Decimal

from services.candidates.applications.scoring import WEIGHTS, score
from services.candidates.applications.screening import CandidateFacts

FR_B1 = [{"language": "fr", "min_level": "B1"}]


def facts(**overrides: object) -> CandidateFacts:
    values: dict[str, object] = {"date_of_birth": date(2000, 1, 1), "nationality": "MA",
                                 "education_levels": ("bachelor",), "languages": {"fr": "B1"},
                                 "preferred_sectors": ()}
    values.update(overrides)
    return CandidateFacts(**values)  # type: ignore[arg-type]


class TestScore:
    def test_weights_add_up_to_100(self) -> None:
        assert sum(WEIGHTS.values()) == 100

    def test_full_marks(self) -> None:
        result = score(facts(education_levels=("doctorate",), languages={"fr": "C2"},
                             preferred_sectors=("ict",)),
                       required_languages=FR_B1, programme_sectors=["ict"], nominated=True)
        assert result.total == Decimal("100.000")

    def test_parts(self) -> None:
        result = score(facts(languages={"fr": "B2"}, preferred_sectors=("health", "ict")),
                       required_languages=FR_B1, programme_sectors=["ict", "energy"],
                       nominated=False)
        assert result.parts == {"education": Decimal("21.429"), "languages": Decimal("10.000"),
                                "sector": Decimal("25.000"), "nomination": Decimal("0.000")}
        assert result.total == sum(result.parts.values())
        assert result.parts_json()["education"] == 21.429

    def test_language_surplus_is_capped_and_averaged(self) -> None:
        two = [*FR_B1, {"language": "en", "min_level": "A1"}]
        result = score(facts(languages={"fr": "C2", "en": "C2"}), required_languages=two,
                       programme_sectors=[], nominated=False)
        assert result.parts["languages"] == Decimal("30.000")
        result = score(facts(languages={"fr": "B1", "en": "A2"}), required_languages=two,
                       programme_sectors=[], nominated=False)
        assert result.parts["languages"] == Decimal("5.000")

    def test_neutral_parts(self) -> None:
        result = score(facts(education_levels=(), preferred_sectors=("ict",)),
                       required_languages=[], programme_sectors=[], nominated=False)
        assert result.total == Decimal(0)
