"""The languages kit: choosing the language of an answer, translating, and the catalogues."""

from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from fastapi import FastAPI
from pydantic import BaseModel, Field

from shared import i18n
from shared.errors import NotFound, install_error_handlers


@pytest.mark.parametrize(("header", "expected"), [
    (None, "en"),
    ("", "en"),
    ("ar", "ar"),
    ("ar-MA", "ar"),
    ("fr-SN, en;q=0.5", "fr"),
    ("en;q=0.2, ar;q=0.9", "ar"),
    ("de, fr;q=0.4", "fr"),
    ("de", "en"),              # a language we do not have: English
    ("*", "en"),
    ("ar;q=0, fr", "fr"),      # q=0 means "not this one"
    ("ar;q=x, fr;q=0.1", "fr"),  # a malformed weight counts for nothing
])
def test_the_language_of_an_answer(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The catalogues are the process's: these test ones go when the test does.
    for name in ("_entries", "_folders", "_labels"):
        monkeypatch.setattr(i18n, name, type(getattr(i18n, name))(getattr(i18n, name)))
    entries = {
        "fr": {(None, "No widget {widget_id}."): "Aucun widget {widget_id}.",
               ("widget.colour", "red"): "rouge"},
        "ar": {(None, "No widget {widget_id}."): "لا توجد أداة {widget_id}.",
               (None, "String should have at most {max_length} character{expected_plural}"):
                   "يجب ألا يتجاوز النص {max_length} حرفًا"},
        "en": {("widget.colour", "red"): "Red"},
    }
    for language, messages in entries.items():
        po = Catalog(locale=language)
        for (context, message), string in messages.items():
            po.add(message, string, context=context)
        path = tmp_path / language / i18n.CATALOGUE_FILE
        path.parent.mkdir(parents=True)
        with path.open("wb") as file:
            write_po(file, po)
    i18n.register_catalogues(tmp_path)
    i18n.declare_labels("widget.colour", ("red", "blue"))
    return tmp_path


def test_translation_fills_placeholders_after_translating(catalogue: Path) -> None:
    assert i18n.translate("No widget {widget_id}.", "fr", widget_id=7) == "Aucun widget 7."
    assert i18n.translate("No widget {widget_id}.", "en", widget_id=7) == "No widget 7."
    assert i18n.translate("Never translated.", "ar") == "Never translated."


def test_labels_fall_back_to_english_then_to_the_code(catalogue: Path) -> None:
    assert i18n.label("widget.colour", "red", "fr") == "rouge"
    assert i18n.label("widget.colour", "red", "ar") == "Red"
    assert i18n.label("widget.colour", "blue", "fr") == "blue"
    assert i18n.labels("fr")["widget.colour"] == {"red": "rouge", "blue": "blue"}


class _Widget(BaseModel):
    name: str = Field(max_length=3)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/widgets/{widget_id}")
    async def widget(widget_id: int) -> None:
        raise NotFound(i18n._("No widget {widget_id}.", widget_id=widget_id))

    @app.post("/widgets")
    async def create(widget: _Widget) -> _Widget:
        return widget

    app.add_middleware(i18n.LanguageMiddleware)
    return app


async def _call(method: str, path: str, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


async def test_a_problem_is_worded_in_the_language_asked_for(catalogue: Path) -> None:
    answer = await _call("GET", "/widgets/7", headers={"Accept-Language": "fr-MA, ar;q=0.5"})
    assert answer.status_code == 404
    assert answer.headers["content-language"] == "fr"
    assert "Accept-Language" in answer.headers["vary"]
    assert answer.json()["detail"] == "Aucun widget 7."
    assert answer.json()["type"] == "/problems/not-found"  # codes never change


async def test_an_unknown_language_is_answered_in_english_and_says_so(catalogue: Path) -> None:
    answer = await _call("GET", "/widgets/7", headers={"Accept-Language": "sw"})
    assert answer.headers["content-language"] == "en"
    assert answer.json()["detail"] == "No widget 7."


async def test_field_errors_are_worded_in_the_language_asked_for(catalogue: Path) -> None:
    answer = await _call("POST", "/widgets", json={"name": "toolong"},
                         headers={"Accept-Language": "ar"})
    assert answer.status_code == 422
    assert answer.headers["content-language"] == "ar"
    (error,) = answer.json()["errors"]
    assert error == {"loc": ["body", "name"], "msg": "يجب ألا يتجاوز النص 3 حرفًا",
                     "type": "string_too_long"}
