"""Keyset pagination over any ordering columns (shared.pagination): cursors, the keyset
condition and the page split."""

import base64
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Table, Text, Uuid, select
from sqlalchemy.dialects import postgresql

from shared.errors import InvalidCursor
from shared.pagination import (
    PageParams,
    decode_cursor,
    encode_cursor,
    keyset,
    page_of,
    raw_page_body,
)

ID = uuid.UUID("ae09ca0a-c92c-4c1d-a741-c52f17dedfec")
AT = datetime(2026, 3, 10, 12, 30, 5, 123456, tzinfo=UTC)
THING = Table("thing", MetaData(), Column("id", Uuid), Column("created_at", DateTime(True)),
              Column("due_date", Date), Column("position", Integer), Column("code", Text))


def raw(values: list[Any]) -> str:
    """A cursor as a client could forge one."""
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


class TestCursor:
    @pytest.mark.parametrize(("values", "key", "by"), [
        ((AT, ID), uuid.UUID, (datetime,)),
        ((date(2026, 4, 1), ID), uuid.UUID, (date,)),
        ((3, "B-LANG"), str, (int,)),
        ((AT, "client-éß"), str, (datetime,)),
        (("Atlas Digital", ID), uuid.UUID, (str,)),
    ])
    def test_round_trip(self, values: tuple[Any, ...], key: type,
                        by: tuple[type, ...]) -> None:
        assert decode_cursor(encode_cursor(*values), key, by=by) == values

    def test_creation_cursor_keeps_its_wire_format(self) -> None:
        # Issued before cursors carried any ordering: [created_at, id] as ISO 8601 and text.
        issued = raw([AT.isoformat(), str(ID)])
        assert encode_cursor(AT, ID) == issued
        assert decode_cursor(issued) == (AT, ID)

    @pytest.mark.parametrize("cursor", [
        "bm9wZQ", "!!!", "%%%", raw([]), raw([AT.isoformat()]), raw({"a": 1}),
        raw([AT.isoformat(), str(ID), 1]), raw([AT.isoformat(), 5]), raw(["x", str(ID)]),
        raw([1700000000, str(ID)]), raw([AT.isoformat(), "not-a-uuid"]),
    ])
    def test_tampered_is_invalid(self, cursor: str) -> None:
        with pytest.raises(InvalidCursor):
            decode_cursor(cursor)

    @pytest.mark.parametrize(("cursor", "key", "by"), [
        # A curriculum cursor (position, code) on a list by creation, and the other way round.
        (encode_cursor(2, "A-LANG"), uuid.UUID, (datetime,)),
        (encode_cursor(AT, ID), str, (int,)),
        # A cursor by name on a list by creation, a creation cursor on one by due date.
        (encode_cursor("Atlas Digital", ID), uuid.UUID, (datetime,)),
        (encode_cursor(AT, ID), uuid.UUID, (date,)),
        (encode_cursor(True, "A"), str, (int,)),
    ])
    def test_of_another_ordering_is_invalid(self, cursor: str, key: type,
                                            by: tuple[type, ...]) -> None:
        with pytest.raises(InvalidCursor):
            decode_cursor(cursor, key, by=by)


class TestKeyset:
    def sql(self, statement: Any) -> str:
        return str(statement.compile(dialect=postgresql.dialect()))

    def test_first_page_orders_and_fetches_one_more(self) -> None:
        statement = keyset(select(THING), (THING.c.due_date, THING.c.id),
                           PageParams(limit=20, after=None))
        sql = self.sql(statement)
        assert "WHERE" not in sql
        assert "ORDER BY thing.due_date, thing.id" in sql
        assert statement.compile().params["param_1"] == 21

    def test_later_page_starts_after_the_cursor_in_the_same_columns(self) -> None:
        after = decode_cursor(encode_cursor(3, "C"), str, by=(int,))
        sql = self.sql(keyset(select(THING), (THING.c.position, THING.c.code),
                              PageParams(limit=2, after=after)))
        assert "WHERE (thing.position, thing.code) > (" in sql
        assert "ORDER BY thing.position, thing.code" in sql


class TestPageOf:
    def rows(self, n: int) -> list[SimpleNamespace]:
        return [SimpleNamespace(id=uuid.uuid4(), created_at=AT, position=i, code=f"M{i}")
                for i in range(n)]

    def test_cursor_reads_the_ordering_columns_of_the_last_item(self) -> None:
        rows = self.rows(3)
        items, cursor = page_of(rows, PageParams(limit=2, after=None), ("position", "code"))
        assert items == rows[:2]
        assert cursor is not None
        assert decode_cursor(cursor, str, by=(int,)) == (1, "M1")

    def test_by_creation_unless_told(self) -> None:
        rows = self.rows(2)
        items, cursor = page_of(rows, PageParams(limit=1, after=None))
        assert items == rows[:1] and cursor == encode_cursor(AT, rows[0].id)

    def test_no_cursor_on_the_last_page(self) -> None:
        rows = self.rows(2)
        assert page_of(rows, PageParams(limit=2, after=None)) == (rows, None)

    def test_mappings_are_read_by_key(self) -> None:
        rows = [{"id": ID, "due_date": date(2026, 4, 1)}, {"id": uuid.uuid4(), "due_date": None}]
        _, cursor = page_of(rows, PageParams(limit=1, after=None), ("due_date", "id"))
        assert cursor == encode_cursor(date(2026, 4, 1), ID)


class TestRawPageBody:
    def test_items_as_rendered_and_the_cursor_of_the_last(self) -> None:
        rows = [{"id": ID, "created_at": AT, "doc": '{"n":1}'},
                {"id": uuid.uuid4(), "created_at": AT, "doc": '{"n":2}'}]
        body = orjson.loads(raw_page_body(rows, PageParams(limit=1, after=None)))
        assert body == {"items": [{"n": 1}], "next_cursor": encode_cursor(AT, ID)}
