"""The one access model (shared.access): who is related to what, 404 before 403, lists'
conditions."""

import uuid

import pytest
from sqlalchemy import column

from shared.access import (
    Owners,
    Policy,
    conditions,
    ensure_programmes_visible,
    reject_fields,
    relates,
)
from shared.auth import Forbidden, Principal
from shared.errors import NotFound, PreconditionFailed

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

    def test_list_refuses_roles_that_read_nothing(self) -> None:
        with pytest.raises(Forbidden):
            POLICY.ensure_lists(Principal("c", "candidate", candidate_id=CANDIDATE))
        POLICY.ensure_lists(Principal("o", "officer"))


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


INSTITUTION = uuid.uuid4()
PLACED = Owners(programme_ids=(PROGRAMME,), employer_id=EMPLOYER, candidate_id=CANDIDATE,
                institution_id=INSTITUTION, country="FR")


class TestRelatesByTie:
    @pytest.mark.parametrize(("principal", "expected"), [
        (Principal("v", "visa_authority", programme_ids=(PROGRAMME,), country="FR"), True),
        # A visa authority needs both its programme and its destination country.
        (Principal("v", "visa_authority", programme_ids=(PROGRAMME,), country="IT"), False),
        (Principal("v", "visa_authority", programme_ids=(OTHER,), country="FR"), False),
        (Principal("v", "visa_authority", programme_ids=(PROGRAMME,)), False),
        (Principal("i", "institution", institution_id=INSTITUTION), True),
        (Principal("i", "institution", institution_id=uuid.uuid4()), False),
        (Principal("i", "institution"), False),
    ])
    def test_by_role(self, principal: Principal, expected: bool) -> None:
        assert relates(principal, PLACED) is expected


class TestConditions:
    programme, employer = column("programme_id"), column("employer_id")
    candidate, country = column("candidate_id"), column("country")

    def sql(self, principal: Principal, **targets: object) -> list[str]:
        return [str(c) for c in conditions(principal, **targets)]

    def test_unrestricted_roles_see_everything(self) -> None:
        for role in ("admin", "service"):
            assert self.sql(Principal("a", role), programme=self.programme) == []

    def test_each_role_by_its_column(self) -> None:
        everything = {"programme": self.programme, "employer": self.employer,
                      "candidate": self.candidate, "country": self.country}
        officer = Principal("o", "officer", programme_ids=(PROGRAMME,))
        assert self.sql(officer, **everything) == [
            "programme_id IN (__[POSTCOMPILE_programme_id_1])"]
        assert self.sql(Principal("e", "employer", employer_id=EMPLOYER), **everything) == [
            "employer_id = :employer_id_1"]
        assert self.sql(Principal("c", "candidate", candidate_id=CANDIDATE), **everything) == [
            "candidate_id = :candidate_id_1"]
        visa = Principal("v", "visa_authority", programme_ids=(PROGRAMME,), country="FR")
        assert self.sql(visa, **everything) == [
            "programme_id IN (__[POSTCOMPILE_programme_id_1])", "country = :country_1"]

    def test_no_value_or_no_column_shows_nothing(self) -> None:
        # An officer without programmes; a table without the employer column; an unknown role.
        assert self.sql(Principal("o", "officer"), programme=self.programme) == ["false"]
        assert self.sql(Principal("e", "employer", employer_id=EMPLOYER),
                        programme=self.programme) == ["false"]
        assert self.sql(Principal("x", ""), programme=self.programme) == ["false"]
        # A visa authority needs both columns.
        assert self.sql(Principal("v", "visa_authority", programme_ids=(PROGRAMME,),
                                  country="FR"), programme=self.programme) == ["false"]

    def test_a_function_gets_the_token_value_even_when_missing(self) -> None:
        seen: list[object] = []

        def own(value: object) -> object:
            seen.append(value)
            return self.candidate.is_(None)

        conditions(Principal("c", "candidate"), candidate=own)
        conditions(Principal("o", "officer", programme_ids=(PROGRAMME,)), programme=own)
        assert seen == [None, [PROGRAMME]]

    def test_unknown_relation_is_a_bug(self) -> None:
        with pytest.raises(TypeError):
            conditions(Principal("a", "admin"), programmes=self.programme)


REFUSING: Policy[Owners] = Policy(
    name="placement", not_found=NotFound, owners=lambda row: row,
    read=frozenset({"admin", "officer"}), refuses=frozenset({"ministry", "visa_authority"}),
    actions={"decide": frozenset({"admin", "visa_authority"}), "poke": frozenset({"admin"})})


class TestCheckOrder:
    ministry = Principal("m", "ministry", programme_ids=(OTHER,))
    visa = Principal("v", "visa_authority", programme_ids=(PROGRAMME,), country="FR")

    def test_refused_role_is_forbidden_before_the_lookup(self) -> None:
        # Even for an object that does not exist or is not theirs: 403, not 404.
        with pytest.raises(Forbidden, match="A ministry may not see a placement's details"):
            REFUSING.check(None, principal=self.ministry, object_id=uuid.uuid4())

    def test_refused_role_may_do_its_own_action(self) -> None:
        assert REFUSING.check(PLACED, principal=self.visa, object_id=uuid.uuid4(),
                              action="decide") is PLACED
        with pytest.raises(Forbidden, match="may not poke this placement"):
            REFUSING.check(PLACED, principal=self.visa, object_id=uuid.uuid4(), action="poke")

    def test_refused_role_on_someone_elses_object_is_not_found_for_its_action(self) -> None:
        other = Principal("v", "visa_authority", programme_ids=(PROGRAMME,), country="IT")
        with pytest.raises(NotFound):
            REFUSING.check(PLACED, principal=other, object_id=uuid.uuid4(), action="decide")

    def test_custom_refusal(self) -> None:
        policy = Policy(name="follow-up", not_found=NotFound, owners=lambda row: row,
                        read=frozenset({"admin"}), refuses=frozenset({"ministry"}),
                        refusal="see a returnee's follow-ups", actions={})
        with pytest.raises(Forbidden, match="A ministry may not see a returnee's follow-ups"):
            policy.check(None, principal=self.ministry, object_id=uuid.uuid4())

    def test_not_found_then_forbidden_then_precondition(self) -> None:
        class Row:
            version = 2
            owners = OWNERS

        policy: Policy[Row] = Policy(name="thing", not_found=NotFound,
                                     owners=lambda row: row.owners,
                                     read=frozenset({"admin", "officer"}),
                                     actions={"poke": frozenset({"admin"})})
        officer = Principal("o", "officer", programme_ids=(PROGRAMME,))
        # A forbidden action wins over a stale If-Match: 403 before 412.
        with pytest.raises(Forbidden):
            policy.check(Row(), principal=officer, object_id=uuid.uuid4(), action="poke",
                         expected_version=1)
        with pytest.raises(PreconditionFailed):
            policy.check(Row(), principal=Principal("a", "admin"), object_id=uuid.uuid4(),
                         action="poke", expected_version=1)
        assert policy.check(Row(), principal=Principal("a", "admin"), object_id=uuid.uuid4(),
                            action="poke", expected_version=2).version == 2


class TestProgrammesNamedInWrites:
    def test_foreign_programme_is_not_found_for_programme_roles(self) -> None:
        officer = Principal("o", "officer", programme_ids=(PROGRAMME,))
        ensure_programmes_visible(officer, [PROGRAMME], NotFound)
        with pytest.raises(NotFound, match=str(OTHER)):
            ensure_programmes_visible(officer, [PROGRAMME, OTHER], NotFound)
        ensure_programmes_visible(Principal("a", "admin"), [OTHER], NotFound)
