"""The triggers keeping the indicators' counts (:mod:`.models`) as the rows change.

Every statement writing cases, stays, follow-ups or support measures changes the counts in its
own transaction, whichever code path runs it (an answer, the overdue job, a cancellation, a
stay joining a case, an erasure, COPY): statement-level triggers read the rows it changed
(transition tables), subtract what the old rows counted and add what the new ones count.
What the indicators count of a row follows :mod:`.repository`'s former statements exactly:

- a case counts one person in its group; a stay one stay, a follow-up (not cancelled) its
  status and answer at its point, a disbursed measure its money, each in the group of its
  case and only when it is of the case's programme, as the statements joined them;
- a case has created a business when any of its follow-ups was answered ``self_employed``; a
  case is among the people paid in a currency when any of its disbursed measures is in it; a
  candidate is among the people of a stage and kind when any of their measures of it is not
  cancelled: these are found again for the people a statement touched, before and after it.

A case whose group changes (a later stay's sector or destination, a gender learnt) takes all
it counted from its old group to its new one; a case deleted gives it back before it goes
(its stays, follow-ups and measures then go with it, counted nowhere any more).

:func:`install` creates the functions and triggers and fills the counts from the rows there
are (the migration); :func:`uninstall` drops them.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection

S = "reintegration"
_GROUP_COLUMNS = ("gender", "origin_country", "sector", "destination_country")
_GROUP = ", ".join(_GROUP_COLUMNS)
_CASE_GROUP = ", ".join(f"c.{column}" for column in _GROUP_COLUMNS)


def _known(t: str) -> list[str]:
    """The group's columns of relation ``t``, ``unknown`` where nobody gave one."""
    return [f"coalesce({t}.{column}, 'unknown')" for column in _GROUP_COLUMNS]

_WORKING = "('employed_host_company', 'employed_other_employer', 'self_employed')"
_BUSINESS = "{t}.status = 'completed' AND {t}.employment_status = 'self_employed'"


def _upsert(table: str, keys: str, counts: tuple[str, ...], select: str) -> str:
    """Add the counts ``select`` gives (keys, then counts) to ``table``'s rows, in the keys'
    order (so that concurrent writers lock rows in one order)."""
    added = ", ".join(f"{c} = t.{c} + excluded.{c}" for c in counts)
    return (f"INSERT INTO {S}.{table} AS t ({keys}, {', '.join(counts)}) "
            f"SELECT * FROM ({select}) AS delta ORDER BY {keys} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {added};")


_RETURNEE_KEYS = f"programme_id, {_GROUP}"
_RETURNEE_COUNTS = ("people", "stays", "businesses_created")
_POINT_KEYS = f"programme_id, point_months, {_GROUP}"
_POINT_COUNTS = ("completed", "overdue", "scheduled", "waiting_started", "waiting_open",
                 "waiting_missed", "unreachable", "working", "host_company",
                 "abroad")
_SPEND_KEYS = f"programme_id, currency, {_GROUP}"
_SPEND_COUNTS = ("amount", "measures", "people")


# The instant the scheduled follow-ups are counted as of (``indicator_clock``), and its date.
AS_OF = f"(SELECT as_of FROM {S}.indicator_clock)"
_AS_OF_DATE = f"(SELECT (as_of AT TIME ZONE 'UTC')::date FROM {S}.indicator_clock)"
# A scheduled follow-up as of ``{t}`` (an instant) and ``{d}`` (its UTC date): due (started),
# answerable (open), its window closed (missed). The statements of the indicators use these too.
WAITING = {"started": "{f}.due_date <= {d}", "missed": "{f}.window_closes_at <= {t}",
           "open": "{f}.due_date <= {d} AND {f}.window_closes_at > {t}"}
# When a follow-up counts in each of :data:`_POINT_COUNTS` (a null answer counts in none).
_POINT_CONDITIONS = ("f.status = 'completed'", "f.status = 'overdue'", "f.status = 'scheduled'",
                     *(f"f.status = 'scheduled' AND "
                       f"({WAITING[name].format(f='f', t=AS_OF, d=_AS_OF_DATE)})"
                       for name in ("started", "open", "missed")),
                     "f.employment_status = 'unreachable'", f"f.employment_status IN {_WORKING}",
                     "f.employment_status = 'employed_host_company'",
                     "f.job_location = 'abroad'")


def _points_of(rows: str, cases: str) -> str:
    """The point counts of follow-up ``rows`` (with a ``sign``) joined to ``cases`` (``c``,
    with the group's columns already known)."""
    return f"""
        SELECT f.programme_id, f.point_months, c.gender, c.origin_country, c.sector,
               c.destination_country,
               {", ".join(f"sum(CASE WHEN {condition} THEN f.sign ELSE 0 END)"
                          for condition in _POINT_CONDITIONS)}
        FROM {rows} AS f JOIN {cases} AS c
          ON c.id = f.case_id AND c.programme_id = f.programme_id
        WHERE f.status <> 'cancelled'
        GROUP BY 1, 2, 3, 4, 5, 6"""


# Counting scheduled follow-ups as of the clock's instant: the clock may not move on meanwhile
# (:data:`_ADVANCE` waits for the writers counting, they wait for it).
_HOLD_CLOCK = f"PERFORM 1 FROM {S}.indicator_clock FOR SHARE;"

# What every case of ``moved`` (id, programme_id and its group, known) counts, times ``sign``:
# its person, stays, business, follow-ups and money. Used when a case comes, goes or changes
# group, and to fill the counts.
_MOVED = ("(SELECT * FROM unnest(moved_ids, programmes, genders, origins, sectors, destinations) "
          f"AS m(id, programme_id, {_GROUP}))")
_COUNT_CASES = f"""
CREATE FUNCTION {S}.indicator_count_cases(moved_ids uuid[], programmes uuid[],
                                          genders text[], origins text[], sectors text[],
                                          destinations text[], factor int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {_HOLD_CLOCK}
    {_upsert("indicator_returnees", _RETURNEE_KEYS, _RETURNEE_COUNTS, f'''
        SELECT m.programme_id, m.gender, m.origin_country, m.sector, m.destination_country,
               factor * count(*),
               factor * coalesce(sum((SELECT count(*) FROM {S}.returnee_stay AS s
                                      WHERE s.case_id = m.id
                                        AND s.programme_id = m.programme_id)), 0),
               factor * count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM {S}.follow_up AS f
                   WHERE f.case_id = m.id AND f.programme_id = m.programme_id
                     AND {_BUSINESS.format(t="f")}))
        FROM {_MOVED} AS m GROUP BY 1, 2, 3, 4, 5''')}
    {_upsert("indicator_point", _POINT_KEYS, _POINT_COUNTS, _points_of(
        f"(SELECT factor AS sign, * FROM {S}.follow_up WHERE case_id = ANY(moved_ids))",
        _MOVED))}
    {_upsert("indicator_spend", _SPEND_KEYS, _SPEND_COUNTS, f'''
        SELECT m.programme_id, s.currency, m.gender, m.origin_country, m.sector,
               m.destination_country, factor * sum(s.amount), factor * count(*),
               factor * count(DISTINCT m.id)
        FROM {_MOVED} AS m JOIN {S}.support_measure AS s
          ON s.case_id = m.id AND s.programme_id = m.programme_id
        WHERE s.disbursed_date IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6''')}
END $$;
"""


def _moved(rows: str, sign: str) -> str:
    """Call :data:`_COUNT_CASES` on the case ``rows`` (a relation of cases) with ``sign``."""
    return f"""
    PERFORM {S}.indicator_count_cases(array_agg(r.id), array_agg(r.programme_id),
        {", ".join(f"array_agg({k})" for k in _known("r"))}, {sign})
    FROM {rows} AS r HAVING count(*) > 0;"""


_CASE_TRIGGERS = [f"""
CREATE FUNCTION {S}.indicator_case_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_moved("new_rows", "1")} RETURN NULL; END $$;""", f"""
-- A case changing group: everything it counted moves from the old group to the new one.
CREATE FUNCTION {S}.indicator_case_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_moved(f'''(SELECT o.* FROM old_rows AS o JOIN new_rows AS n USING (id)
                 WHERE (o.programme_id, {", ".join(_known("o"))})
                       IS DISTINCT FROM (n.programme_id, {", ".join(_known("n"))}))''', "-1")}
    {_moved(f'''(SELECT n.* FROM new_rows AS n JOIN old_rows AS o USING (id)
                 WHERE (o.programme_id, {", ".join(_known("o"))})
                       IS DISTINCT FROM (n.programme_id, {", ".join(_known("n"))}))''', "1")}
    RETURN NULL;
END $$;""", f"""
-- Before the row goes (a row trigger), while its stays, follow-ups and measures are there:
-- their own triggers then find no case, and count nothing.
CREATE FUNCTION {S}.indicator_case_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {_moved("(SELECT OLD.*)", "-1")} RETURN OLD; END $$;""", f"""
CREATE TRIGGER indicator_case_inserted AFTER INSERT ON {S}.returnee_case
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {S}.indicator_case_inserted();""", f"""
CREATE TRIGGER indicator_case_updated AFTER UPDATE ON {S}.returnee_case
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {S}.indicator_case_updated();""", f"""
CREATE TRIGGER indicator_case_deleted BEFORE DELETE ON {S}.returnee_case
    FOR EACH ROW EXECUTE FUNCTION {S}.indicator_case_deleted();"""]

def _cases() -> str:
    """The cases with their group known (``unknown`` for what nobody gave)."""
    known = ", ".join(f"{expression} AS {column}" for expression, column in zip(
        _known("rc"), _GROUP_COLUMNS, strict=True))
    return f"(SELECT id, programme_id, {known} FROM {S}.returnee_case AS rc)"


# What each table's rows count depends on: an update of other columns changes nothing.
_COUNTED = {
    "follow_up": ("case_id", "programme_id", "point_months", "status", "employment_status",
                  "job_location"),
    "returnee_stay": ("case_id", "programme_id"),
    "support_measure": ("case_id", "candidate_id", "programme_id", "stage", "kind", "status",
                        "amount", "currency", "disbursed_date"),
}


def _changes(table: str, operation: str) -> str:
    """The rows of a statement on ``table``, each with the sign it counts with: the old ones
    -1, the new ones +1 (of an update, only the rows whose counted columns changed)."""
    if operation == "INSERT":
        return "(SELECT 1 AS sign, n.* FROM new_rows AS n)"
    if operation == "DELETE":
        return "(SELECT -1 AS sign, o.* FROM old_rows AS o)"
    old, new = (", ".join(f"{t}.{c}" for c in _COUNTED[table]) for t in ("o", "n"))
    changed = (f"FROM new_rows AS n JOIN old_rows AS o USING (id) "
               f"WHERE ({old}) IS DISTINCT FROM ({new})")
    return f"(SELECT 1 AS sign, n.* {changed} UNION ALL SELECT -1, o.* {changed})"


def _people(table: str, operation: str, *, keys: tuple[str, ...], where: str) -> str:
    """For the people (told apart by ``keys``) whose rows of ``table`` matching ``where`` the
    statement changed: whether they had any such row before it (``had``) and have any now
    (``has``). Before = now less what the statement added, plus what it took away.

    A join rather than a subquery per person: with the statistics of a table still empty
    (just migrated) a subquery per person would read the whole table each time."""
    columns = ", ".join(keys)
    return f"""
        WITH p AS (
            SELECT {", ".join(f"f.{k}" for k in keys)}, sum(f.sign) AS delta
            FROM {_changes(table, operation)} AS f
            WHERE {where.format(t="f")} GROUP BY {columns}
        )
        SELECT p.*, coalesce(n.now, 0) - p.delta > 0 AS had, coalesce(n.now, 0) > 0 AS has
        FROM p LEFT JOIN (
            SELECT {", ".join(f"x.{k}" for k in keys)}, count(*) AS now
            FROM {S}.{table} AS x
            WHERE {where.format(t="x")} AND ({columns}) IN (SELECT {columns} FROM p)
            GROUP BY {columns}
        ) AS n USING ({columns})"""


# A statement of a few rows runs the function's plans, cached for the session (its joins by
# index). One of more rows than SMALL_ROWS (a batch of the overdue job) has its own statements
# planned as they run, for its size; one of more than BULK_ROWS (a COPY, a bulk update) is
# joined by hash besides: the statistics of a table it just filled may still say it is empty,
# and nested loops over it would read it once per row of the statement.
SMALL_ROWS = 100
BULK_ROWS = 10_000


def _function(name: str, operation: str, statements: list[str]) -> str:
    """The trigger function ``name`` running ``statements``."""
    rows = "old_rows" if operation == "DELETE" else "new_rows"
    planned = "\n        ".join(f"EXECUTE $q${statement.rstrip().removesuffix(';')}$q$;"
                               for statement in statements)
    small = "\n        ".join(statements)
    hold = _HOLD_CLOCK if name.startswith("indicator_follow_up") else ""
    return f"""
CREATE FUNCTION {S}.{name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    nested_loops text := current_setting('enable_nestloop');
    changed bigint := (SELECT count(*) FROM {rows});
BEGIN
    {hold}
    IF changed > {BULK_ROWS} THEN
        PERFORM set_config('enable_nestloop', 'off', true);
        {planned}
        PERFORM set_config('enable_nestloop', nested_loops, true);
    ELSIF changed > {SMALL_ROWS} THEN
        {planned}
    ELSE
        {small}
    END IF;
    RETURN NULL;
END $$;"""


def _follow_up_function(operation: str) -> str:
    changes = _changes("follow_up", operation)
    business = _people("follow_up", operation, keys=("case_id", "programme_id"),
                       where=_BUSINESS)
    return _function(f"indicator_follow_up_{operation.lower()}d", operation, [
        _upsert("indicator_point", _POINT_KEYS, _POINT_COUNTS, _points_of(changes, _cases())),
        _upsert("indicator_returnees", _RETURNEE_KEYS, _RETURNEE_COUNTS, f'''
        SELECT b.programme_id, {_CASE_GROUP}, 0, 0, sum(b.has::int - b.had::int)
        FROM ({business}) AS b JOIN {_cases()} AS c
          ON c.id = b.case_id AND c.programme_id = b.programme_id
        WHERE b.has <> b.had GROUP BY 1, 2, 3, 4, 5''')])


def _stay_function(operation: str) -> str:
    return _function(f"indicator_stay_{operation.lower()}d", operation, [
        _upsert("indicator_returnees", _RETURNEE_KEYS, _RETURNEE_COUNTS, f'''
        SELECT s.programme_id, {_CASE_GROUP}, 0, sum(s.sign), 0
        FROM {_changes("returnee_stay", operation)} AS s JOIN {_cases()} AS c
          ON c.id = s.case_id AND c.programme_id = s.programme_id
        GROUP BY 1, 2, 3, 4, 5''')])


def _measure_function(operation: str) -> str:
    changes = _changes("support_measure", operation)
    paid = _people("support_measure", operation,
                   keys=("case_id", "programme_id", "currency"),
                   where="{t}.disbursed_date IS NOT NULL AND {t}.case_id IS NOT NULL")
    supported = _people("support_measure", operation,
                        keys=("candidate_id", "programme_id", "stage", "kind"),
                        where="{t}.status <> 'cancelled'")
    return _function(f"indicator_measure_{operation.lower()}d", operation, [
        _upsert("indicator_spend", _SPEND_KEYS, _SPEND_COUNTS, f'''
        SELECT programme_id, currency, {_GROUP}, sum(amount), sum(measures), sum(people)
        FROM (SELECT s.programme_id, s.currency, {_CASE_GROUP}, s.sign * s.amount AS amount,
                     s.sign AS measures, 0 AS people
              FROM {changes} AS s JOIN {_cases()} AS c
                ON c.id = s.case_id AND c.programme_id = s.programme_id
              WHERE s.disbursed_date IS NOT NULL
              UNION ALL
              SELECT p.programme_id, p.currency, {_CASE_GROUP}, 0, 0, p.has::int - p.had::int
              FROM ({paid}) AS p JOIN {_cases()} AS c
                ON c.id = p.case_id AND c.programme_id = p.programme_id
              WHERE p.has <> p.had) AS delta
        GROUP BY 1, 2, 3, 4, 5, 6'''),
        _upsert("indicator_support", "programme_id, stage, kind",
             ("recorded", "measures", "people"), f'''
        SELECT programme_id, stage, kind, sum(recorded), sum(measures), sum(people)
        FROM (SELECT s.programme_id, s.stage, s.kind, s.sign AS recorded,
                     s.sign * (s.status <> 'cancelled')::int AS measures, 0 AS people
              FROM {changes} AS s
              UNION ALL
              SELECT p.programme_id, p.stage, p.kind, 0, 0, p.has::int - p.had::int
              FROM ({supported}) AS p WHERE p.has <> p.had) AS delta
        GROUP BY 1, 2, 3'''),
        _upsert("indicator_support_money", "programme_id, stage, kind, currency",
             ("amount", "disbursed"), f'''
        SELECT s.programme_id, s.stage, s.kind, s.currency, sum(s.sign * s.amount),
               sum(s.sign)
        FROM {changes} AS s WHERE s.disbursed_date IS NOT NULL
        GROUP BY 1, 2, 3, 4''')])


# Each table's triggers: their name and function.
_TABLES = {"follow_up": ("follow_up", _follow_up_function),
           "returnee_stay": ("stay", _stay_function),
           "support_measure": ("measure", _measure_function)}


def _row_triggers() -> list[str]:
    statements = []
    for table, (name, function) in _TABLES.items():
        for operation, referencing in (
                ("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows"),
                ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
            trigger = f"indicator_{name}_{operation.lower()}d"
            statements += [function(operation), f"""
CREATE TRIGGER {trigger} AFTER {operation} ON {S}.{table}
    REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {S}.{trigger}();"""]
    return statements


# The scheduled follow-ups counted as of the clock's instant, counted as of ``target``: those due
# or closing between the two change class (as few as the time between two rounds of the
# overdue job makes due).
def crossing(*, then: str, then_date: str, now: str, now_date: str, where: str = "") -> str:
    """The scheduled follow-ups (``where`` besides) that may count otherwise at ``now`` than
    at ``then`` (instants, with their UTC dates; either may come first): those falling due or
    closing in between, each found by its index (the bounds evaluated once)."""
    columns = "f.id, f.programme_id, f.case_id, f.point_months, f.due_date, f.window_closes_at"
    ranges = (("f.due_date", then_date, now_date), ("f.window_closes_at", then, now))
    return "\n    UNION\n".join(
        f"""    SELECT {columns} FROM {S}.follow_up AS f
    WHERE f.status = 'scheduled' {where}
      AND {column} > (SELECT least({a}, {b})) AND {column} <= (SELECT greatest({a}, {b}))"""
        for column, a, b in ranges)


def moved_on(*, then: str, then_date: str, now: str, now_date: str) -> str:
    """How much each of the waiting counts of a follow-up ``f`` changes from ``then`` to
    ``now`` (started, open, missed)."""
    return ", ".join(
        f"sum(({WAITING[name].format(f='f', t=now, d=now_date)})::int"
        f" - ({WAITING[name].format(f='f', t=then, d=then_date)})::int) AS {name}"
        for name in ("started", "open", "missed"))


_SPAN = {"then": "then_", "then_date": "(then_ AT TIME ZONE 'UTC')::date", "now": "target",
         "now_date": "(target AT TIME ZONE 'UTC')::date"}
_ADVANCE = f"""
CREATE FUNCTION {S}.indicator_advance(target timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    then_ timestamptz;
BEGIN
    SELECT as_of INTO then_ FROM {S}.indicator_clock FOR UPDATE;
    IF target <= then_ THEN
        RETURN;
    END IF;
    {_upsert("indicator_point", _POINT_KEYS, ("waiting_started", "waiting_open",
                                              "waiting_missed"), f'''
        SELECT f.programme_id, f.point_months, {_CASE_GROUP},
               {moved_on(**_SPAN)}
        FROM ({crossing(**_SPAN)}) AS f
        JOIN {_cases()} AS c ON c.id = f.case_id AND c.programme_id = f.programme_id
        GROUP BY 1, 2, 3, 4, 5, 6''')}
    UPDATE {S}.indicator_clock SET as_of = target;
END $$;
"""

# Filling: every case counted (with its stays, follow-ups and money), then the support rows.
_FILL = [
    f"""DO $$ BEGIN {_moved(_cases(), "1")} END $$;""",
    _upsert("indicator_support", "programme_id, stage, kind",
            ("recorded", "measures", "people"), f"""
        SELECT programme_id, stage, kind, count(*),
               count(*) FILTER (WHERE status <> 'cancelled'),
               count(DISTINCT candidate_id) FILTER (WHERE status <> 'cancelled')
        FROM {S}.support_measure GROUP BY 1, 2, 3"""),
    _upsert("indicator_support_money", "programme_id, stage, kind, currency",
            ("amount", "disbursed"), f"""
        SELECT programme_id, stage, kind, currency, sum(amount), count(*)
        FROM {S}.support_measure WHERE disbursed_date IS NOT NULL
        GROUP BY 1, 2, 3, 4"""),
]

_FUNCTIONS = ("indicator_count_cases(uuid[], uuid[], text[], text[], text[], text[], int)",
              "indicator_advance(timestamptz)",
              "indicator_case_inserted()", "indicator_case_updated()",
              "indicator_case_deleted()",
              *(f"indicator_{name}_{operation}d()" for name, _ in _TABLES.values()
                for operation in ("insert", "delete", "update")))


def install(bind: Connection) -> None:
    """Create the functions and triggers, then count the rows there are."""
    bind.execute(text(f"INSERT INTO {S}.indicator_clock (as_of) VALUES (now())"))
    for statement in [_COUNT_CASES, _ADVANCE, *_CASE_TRIGGERS, *_row_triggers(), *_FILL]:
        bind.execute(text(statement))


def uninstall(bind: Connection) -> None:
    """Drop the triggers (with their functions)."""
    for function in _FUNCTIONS:
        bind.execute(text(f"DROP FUNCTION IF EXISTS {S}.{function} CASCADE"))
