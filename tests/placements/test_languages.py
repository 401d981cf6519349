"""Languages in placements and reintegration: every message people read is marked for
translation and translated, and the follow-up questions are served in the reader's language.

The scan reads the two services' code (an AST walk, nothing run): a sentence written as a
literal or an f-string where a problem, a field error or a validator's message is made fails
it, unless :data:`NEVER_READ` says why no client ever reads it. A sentence is a string with a
space in it; codes (``"bad_profiles"``, ``"stay_type_mismatch"``) have none.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher import messages
from services.reintegration.followups.questions import QUESTIONS, questionnaire
from shared import i18n
from shared.errors import ProblemError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("services.placements", "services.reintegration")
# (file, the message's start): messages that never reach a client, and why.
NEVER_READ = {
    # The matching engine's own invariants: its inputs are built by the service from rows
    # already validated, so these are bugs (a 500), never an answer.
    ("services/placements/matching/stable.py", "the assignment uses a pair"),
    ("services/placements/matching/encoding.py", "{what} {key} appears twice"),
    ("services/placements/matching/engine.py", "{missing.args[0]} is not in this run"),
    ("services/placements/matching/inputs.py", "'{level}' is not a CEFR level"),
    ("services/placements/matching/inputs.py", "vacancy {self.vacancy_id}: "),
    # The solver stopping: caught by the engine, which reports shortfalls instead.
    ("services/placements/matching/assignment.py", "time limit reached"),
    ("services/placements/matching/assignment.py", "no solution even with shortfalls"),
    # A status list's bits that the service itself encoded (read back by its own tests).
    ("services/placements/credentials/document.py", "an encodedList starts with"),
    # The operator's configuration, at start-up: a log line, not an answer.
    ("services/placements/settings.py", "No candidates service address"),
    ("services/reintegration/settings.py", "No candidates service address"),
}
# Helpers that build a problem or a finding from the sentence they are given.
HELPERS = frozenset({"ValueError", "RunFailure", "Finding", "_invalid", "_exceeded",
                     "_wage_error", "of", "not_found", "_fail"})
# Keywords whose values are codes even with a space (an IllegalTransition's ``action``).
CODE_KEYWORDS = frozenset({"action", "current_state", "reason", "fields"})
# Variables holding one field's message (``problems[name] = …``).
MESSAGE_TARGETS = frozenset({"problem", "problems", "message"})


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _problem_names() -> frozenset[str]:
    for package in PACKAGES:
        messages.collect(package)  # imports every module, so every problem class exists
    return frozenset(cls.__name__ for cls in _subclasses(ProblemError))


def _sentence(node: ast.AST) -> str | None:
    """The text of a literal or f-string with a space in it (``{…}`` for its expressions)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if " " in node.value else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(str(part.value) if isinstance(part, ast.Constant) else
                       "{" + ast.unparse(part) + "}" if not isinstance(part, ast.FormattedValue)
                       else "{" + ast.unparse(part.value) + "}" for part in node.values)
        return text if " " in text else None
    if isinstance(node, ast.BinOp):
        return _sentence(node.left) or _sentence(node.right)
    return None


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else \
        func.attr if isinstance(func, ast.Attribute) else ""


def unmarked(source: str, problems: frozenset[str]) -> Iterator[tuple[int, str]]:
    """Each sentence of ``source`` made into a message without ``_()``: (line, text)."""
    checked = problems | HELPERS
    tree = ast.parse(source)
    raised = {id(node.exc) for node in ast.walk(tree)
              if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)}
    for node in ast.walk(tree):
        values: list[ast.AST] = []
        if isinstance(node, ast.Call) and (id(node) in raised or _callee(node) in checked):
            values = [*node.args, *(k.value for k in node.keywords
                                    if k.arg not in CODE_KEYWORDS)]
        elif isinstance(node, ast.Dict):
            values = [v for k, v in zip(node.keys, node.values, strict=True)
                      if isinstance(k, ast.Constant) and k.value == "msg"]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                name = target.value if isinstance(target, ast.Subscript) else target
                if isinstance(name, ast.Name) and name.id in MESSAGE_TARGETS:
                    values.append(node.value)
        for value in values:
            for part in ast.walk(value):
                if isinstance(part, ast.Call) and _callee(part) in ("_", "N_", "translate"):
                    break
            else:
                if (text := _sentence(value)) is not None:
                    yield getattr(node, "lineno", 0), text


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted(ROOT.joinpath(*package.split(".")).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_every_message_people_read_is_marked_for_translation() -> None:
    problems = _problem_names()
    found, allowed = [], set()
    for path in _sources():
        where = path.relative_to(ROOT).as_posix()
        for line, text in unmarked(path.read_text(), problems):
            known = {(file, start) for file, start in NEVER_READ
                     if where == file and text.startswith(start)}
            allowed |= known
            if not known:
                found.append(f"{where}:{line}: {text!r}")
    assert found == [], "wrap these in _() (shared.i18n), or say in NEVER_READ why no " \
                        "client reads them:\n" + "\n".join(found)
    assert allowed == NEVER_READ  # an entry whose message is gone goes too


@pytest.mark.parametrize("code", [
    'raise VacancyNotFound(f"No vacancy {vacancy_id}.")',
    'raise ValueError("end_date must be after start_date")',
    'raise SomethingElse("A sentence for someone.")',
    'already = EvaluationExists(f"Placement {placement_id} was evaluated.")',
    'errors = [{"loc": ["body", "x"], "msg": f"not a {kind} host", "type": "host_kind"}]',
    'problems[name] = f"required for {status}"',
    'return Finding("expired", "The credential has expired.")',
])
def test_the_scan_finds_an_unmarked_message(code: str) -> None:
    assert list(unmarked(code, frozenset({"VacancyNotFound", "EvaluationExists"})))


@pytest.mark.parametrize("code", [
    'raise VacancyNotFound(_("No vacancy {vacancy_id}.", vacancy_id=vacancy_id))',
    'raise RunFailure("bad_profiles", _("Profiles {count} unreadable.", count=n))',
    'raise IllegalTransition(action="add support to", current_state=s, allowed_from=["open"])',
    'problems[name] = ("missing", _("required for a {stay_type} stay", stay_type=stay))',
    'raise already',
])
def test_the_scan_lets_marked_messages_and_codes_through(code: str) -> None:
    assert list(unmarked(code, frozenset({"VacancyNotFound", "IllegalTransition"}))) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_every_message_has_its_french_and_arabic(package: str) -> None:
    assert messages.missing(package, messages.collect_all()[package]) == []


@pytest.fixture
def catalogues() -> None:
    """The two services' catalogues, as their apps register them."""
    for package in PACKAGES:
        i18n.register_catalogues(messages.folder(package))


def test_the_questions_are_served_in_the_readers_language(catalogues: None) -> None:
    english, french, arabic = (questionnaire(language) for language in ("en", "fr", "ar"))
    assert [q.code for q in french.questions] == [q.code for q in QUESTIONS] == [
        q.code for q in arabic.questions]
    for question, en, fr, ar in zip(QUESTIONS, english.questions, french.questions,
                                    arabic.questions, strict=True):
        assert en.text == question.text
        assert question.text not in (fr.text, ar.text)  # every one is translated
        assert [c.code for c in fr.choices or ()] == list(question.choices)
    income = {q.code: q for q in french.questions}["income_band"]
    assert income.text == "Combien gagnez-vous par mois, en euros ou l'équivalent\u202f?"
    assert {c.code: c.label for c in income.choices or ()}["not_disclosed"] == (
        "Je préfère ne pas répondre")


def test_each_answer_field_has_its_question() -> None:
    from services.reintegration.followups.schemas import AnswerIn, Sustainability

    fields = {*AnswerIn.model_fields} - {"sustainability", "answered_on"} | {
        f"sustainability.{name}" for name in Sustainability.model_fields}
    assert {q.code for q in QUESTIONS} == fields
