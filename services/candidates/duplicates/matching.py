"""The rule that says two records are likely one person, and its evidence.

Two records are a likely duplicate when their names are similar AND they share either the date
of birth or the phone number:

- names are similar when the skeletons (:mod:`names`) of the given and family names are equal,
  in the same order or swapped (``Amrani Youssef`` for ``Youssef El Amrani``), and hold at
  least two consonants between them (``Aya Ali`` is too short to tell);
- phones are the same once both are written in E.164 (:mod:`phones`), each read from its
  holder's country of residence.

The same phone alone is NOT a duplicate: families share one phone, and a sister signing up with
her brother's number is two people. Nothing here ever merges: a match is a flag an officer
reviews. The evidence says which fields matched and how, never their values.
"""

import datetime as dt
from dataclasses import dataclass

from services.candidates.duplicates import names, phones

_MIN_SKELETON = 2


@dataclass(frozen=True, slots=True)
class Person:
    """What the rule compares of a candidate record."""

    given_name: str
    family_name: str
    date_of_birth: dt.date
    phone: str | None
    residence_country: str

    def phone_e164(self) -> str | None:
        """The phone in E.164, read from the country of residence (None: none, or not a
        possible number)."""
        return phones.e164(self.phone, country=self.residence_country)


def name_key(given_name: str, family_name: str) -> str | None:
    """The skeletons of a given and a family name, in a fixed order (``gfn fml``), or None
    when too short to tell. Two records whose keys differ are never a likely pair
    (:func:`evidence` is None): a record stores its key (``candidate.name_key``), so that a
    batch looks up only the records that may be its people's duplicates."""
    given, family = names.skeleton(given_name), names.skeleton(family_name)
    if len(given + family) < _MIN_SKELETON:
        return None
    return f"{given} {family}" if given <= family else f"{family} {given}"


def _name_match(a: Person, b: Person) -> str | None:
    a_given, a_family = names.skeleton(a.given_name), names.skeleton(a.family_name)
    b_given, b_family = names.skeleton(b.given_name), names.skeleton(b.family_name)
    if len(a_given + a_family) < _MIN_SKELETON:
        return None
    if (a_given, a_family) == (b_given, b_family):
        same_spelling = (names.fold_latin(a.given_name), names.fold_latin(a.family_name)) == \
            (names.fold_latin(b.given_name), names.fold_latin(b.family_name))
        return "same_spelling" if same_spelling else "same_skeleton"
    if (a_given, a_family) == (b_family, b_given):
        return "same_skeleton_swapped"
    return None


def evidence(a: Person, b: Person) -> list[dict[str, str]] | None:
    """Which fields of ``a`` and ``b`` matched and how, when the rule says they are likely one
    person; None otherwise (a shared phone alone included)."""
    name = _name_match(a, b)
    if name is None:
        return None
    found = [{"field": "name", "match": name}]
    if a.date_of_birth == b.date_of_birth:
        found.append({"field": "date_of_birth", "match": "equal"})
    phone = a.phone_e164()
    if phone is not None and phone == b.phone_e164():
        found.append({"field": "phone", "match": "same_number"})
    return found if len(found) > 1 else None
