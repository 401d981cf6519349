"""The rule of likely duplicates: names across spellings and scripts, phones, and the rule."""

import uuid
from datetime import date

import pytest

from services.candidates.duplicates import matching, names, phones
from services.candidates.duplicates.service import likely_pairs


def person(given: str = "Youssef", family: str = "El Amrani", *, born: date = date(1999, 3, 4),
           phone: str | None = None, country: str = "MA") -> matching.Person:
    return matching.Person(given_name=given, family_name=family, date_of_birth=born,
                           phone=phone, residence_country=country)


class TestNames:
    @pytest.mark.parametrize("spellings", [
        ("Youssef", "Yousef", "Yusuf", "YOUSSEF", "يوسف", "يُوسُف"),
        ("Mohamed", "Mohammed", "Muhammad", "Mouhamad", "محمد", "مُحَمَّد"),
        ("El Amrani", "Al-Amrani", "el-amrani", "العمراني"),
        ("Abdelkader", "Abd el-Kader", "عبد القادر"),
        ("Fatima", "Fatimah", "Fàtima", "فاطمة"),
        ("Hicham", "Hisham", "هشام"),
        ("Khadija", "Khadidja", "خديجة"),
        ("Djamel", "Jamal", "جمال"),
        ("Kacem", "Qasim", "قاسم"),
        ("Ben Ali", "Benali", "بن علي"),
    ])
    def test_spellings_of_one_name_share_a_skeleton(self, spellings: tuple[str, ...]) -> None:
        assert len({names.skeleton(spelling) for spelling in spellings}) == 1

    @pytest.mark.parametrize(("one", "other"), [
        ("Youssef", "Yassine"), ("Mohamed", "Ahmed"), ("El Amrani", "El Idrissi"),
        ("Fatima", "Fatiha"), ("محمد", "أحمد"),
    ])
    def test_different_names_differ(self, one: str, other: str) -> None:
        assert names.skeleton(one) != names.skeleton(other)

    def test_arabic_folding(self) -> None:
        assert names.fold_arabic("أَحْمَد") == "احمد"
        assert names.fold_arabic("فاطمة") == "فاطمه"
        assert names.fold_arabic("مصطفى") == "مصطفي"

    def test_latin_folding(self) -> None:
        assert names.fold_latin("Chaïmaâ Él-Ouafî") == "chaimaa el-ouafi"


class TestPhones:
    @pytest.mark.parametrize("dialled", [
        "+212 6 12 34 56 78", "+212612345678", "06 12 34 56 78", "0612-345678",
        "00212 612 345 678"])
    def test_one_moroccan_mobile_however_dialled(self, dialled: str) -> None:
        assert phones.e164(dialled, country="MA") == "+212612345678"

    def test_read_from_the_country_of_residence(self) -> None:
        assert phones.e164("20 123 456", country="TN") == "+21620123456"
        assert phones.e164("+216 20 123 456", country="MA") == "+21620123456"

    @pytest.mark.parametrize("junk", [None, "", "not a phone", "12"])
    def test_no_number(self, junk: str | None) -> None:
        assert phones.e164(junk, country="MA") is None

    def test_tail(self) -> None:
        assert phones.tail("+212 6 12 34 56 78") == phones.tail("0612345678") == "12345678"
        assert phones.tail("123") is None


class TestRule:
    def test_same_birth_date_and_a_transliterated_name(self) -> None:
        assert matching.evidence(person(), person("يوسف", "العمراني")) == [
            {"field": "name", "match": "same_skeleton"},
            {"field": "date_of_birth", "match": "equal"}]

    def test_names_swapped(self) -> None:
        found = matching.evidence(person(), person("Amrani", "Yusuf"))
        assert found is not None and found[0] == {"field": "name",
                                                  "match": "same_skeleton_swapped"}

    def test_same_phone_and_similar_name_born_another_day(self) -> None:
        assert matching.evidence(
            person(phone="0612345678"), person("Yusuf", "Al-Amrani", born=date(1999, 4, 3),
                                               phone="+212 612 345 678")) == [
            {"field": "name", "match": "same_skeleton"},
            {"field": "phone", "match": "same_number"}]

    def test_exact_spelling_is_said(self) -> None:
        found = matching.evidence(person(), person("youssef", "el amrani"))
        assert found is not None and found[0]["match"] == "same_spelling"

    def test_a_shared_family_phone_alone_is_no_duplicate(self) -> None:
        brother = person("Youssef", "El Amrani", phone="0612345678")
        sister = person("Salma", "El Amrani", born=date(2001, 9, 1), phone="0612345678")
        assert matching.evidence(brother, sister) is None
        # Twins too: same birth date and phone, different given names.
        assert matching.evidence(brother, person("Salma", "El Amrani",
                                                 phone="0612345678")) is None

    def test_similar_name_alone_is_no_duplicate(self) -> None:
        assert matching.evidence(person(), person(born=date(1998, 3, 4))) is None

    def test_names_too_short_to_tell(self) -> None:
        assert matching.evidence(person("Aya", "Ali"), person("Eya", "Aly")) is None


class TestBatch:
    def test_name_key_is_shared_by_every_likely_pair(self) -> None:
        assert matching.name_key("Youssef", "El Amrani") == \
            matching.name_key("العمراني", "يوسف")  # swapped, and in Arabic
        assert matching.name_key("Aya", "Ali") is None  # too short to tell

    def test_pairs_within_a_batch_and_with_others_once_each(self) -> None:
        ids = sorted(uuid.uuid4() for _ in range(5))
        placeholder = date(1900, 1, 1)
        others = [(ids[0], person(born=placeholder))]
        new = [(ids[1], person("Yusuf", born=placeholder)),
               (ids[2], person("Youssef", "Amrani", born=placeholder)),
               (ids[3], person("Salma", born=placeholder)),  # another name that day
               (ids[4], person("Salma", born=date(2001, 1, 1)))]  # no date, no phone shared
        flags = likely_pairs(new, others, found_by="import")
        assert sorted((f.candidate_id, f.other_candidate_id) for f in flags) == [
            (ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2])]
        assert {f.found_by for f in flags} == {"import"}
