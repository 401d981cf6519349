"""The permission helper: who is related to what, 404 before 403, list scopes."""

import uuid

import pytest
from sqlalchemy import column

from services.placements.access import Owners, Policy, reject_fields, relates
from shared.auth import Forbidden, Principal
from shared.errors import NotFound

PROGRAMME, OTHER = uuid.uuid4(), uuid.uuid4()
EMPLOYER, CANDIDATE = uuid.uuid4(), uuid.uuid4()
OWNERS = Owners(programme_ids=(PROGRAMME,), employer_id=EMPLOYER, candidate_id=CANDIDATE)
POLICY: Policy[Owners] = Policy(name="thing", not_found=NotFound, owners=lambda row: row,
                                read=frozenset({"admin", "officer"}),
                                actions={"poke": frozenset({"admin"})})


class TestRelates:
    @pytest.mark.parametrize(("principal", "expected"), [
        (Principal("a", "admin"), True),
        (Principal("s", "service"), True),
        (Principal("o", "officer", programme_ids=(OTHER, PROGRAMME)), True),
        (Principal("o", "officer", programme_ids=(OTHER,)), False),
        (Principal("o", "officer"), False),
        (Principal("m", "ministry", programme_ids=(PROGRAMME,)), True),
        (Principal("e", "employer", employer_id=EMPLOYER), True),
        (Principal("e", "employer", employer_id=uuid.uuid4()), False),
        (Principal("e", "employer"), False),
        (Principal("c", "candidate", candidate_id=CANDIDATE), True),
        (Principal("c", "candidate", candidate_id=uuid.uuid4()), False),
        (Principal("i", "institution"), False),
        (Principal("x", ""), False),
    ])
    def test_by_role(self, principal: Principal, expected: bool) -> None:
        assert relates(principal, OWNERS) is expected


class TestPolicy:
    def test_unrelated_is_not_found_even_for_a_forbidden_action(self) -> None:
        with pytest.raises(NotFound):
            POLICY.ensure_allowed(Principal("o", "officer", programme_ids=(OTHER,)), OWNERS,
                                  uuid.uuid4(), "poke")

    def test_related_reader_without_the_action_is_forbidden(self) -> None:
        with pytest.raises(Forbidden, match="An officer may not poke this thing"):
            POLICY.ensure_allowed(Principal("o", "officer", programme_ids=(PROGRAMME,)),
                                  OWNERS, uuid.uuid4(), "poke")

    def test_related_non_reader_is_not_found(self) -> None:
        with pytest.raises(NotFound):
            POLICY.ensure_readable(Principal("e", "employer", employer_id=EMPLOYER), OWNERS,
                                   uuid.uuid4())

    def test_list_scope_refuses_roles_that_read_nothing(self) -> None:
        with pytest.raises(Forbidden):
            POLICY.scope(Principal("c", "candidate", candidate_id=CANDIDATE))

    def test_scope_conditions(self) -> None:
        programme = column("programme_id")
        officer = POLICY.scope(Principal("o", "officer", programme_ids=(PROGRAMME,)))
        assert "programme_id IN" in str(officer.conditions(programme=programme.in_)[0])
        assert POLICY.scope(Principal("a", "admin")).conditions(programme=programme.in_) == []
        # An officer without programmes, or a resource without programmes, shows nothing.
        assert str(POLICY.scope(Principal("o", "officer")).conditions(
            programme=programme.in_)[0]) == "false"
        assert str(officer.conditions()[0]) == "false"


class TestCheck:
    def test_missing_row_is_not_found(self) -> None:
        with pytest.raises(NotFound, match="No thing"):
            POLICY.check(None, principal=Principal("a", "admin"), object_id=uuid.uuid4())

    def test_returns_the_row_it_checked(self) -> None:
        assert POLICY.check(OWNERS, principal=Principal("a", "admin"),
                            object_id=uuid.uuid4(), action="poke") is OWNERS


class TestRejectFields:
    def test_names_the_refused_fields(self) -> None:
        with pytest.raises(Exception) as caught:
            reject_fields(Principal("e", "employer"), {"name", "agreements"},
                          {"employer": frozenset({"agreements"})})
        problem = caught.value.to_problem()  # type: ignore[attr-defined]
        assert problem["status"] == 422
        assert [e["loc"] for e in problem["errors"]] == [["body", "agreements"]]

    def test_other_roles_pass(self) -> None:
        reject_fields(Principal("a", "admin"), {"agreements"},
                      {"employer": frozenset({"agreements"})})
