"""``pathways messages``: collect every message people read into the gettext catalogues, and
check that each has its French and Arabic translation (see :mod:`shared.i18n`).

Each package with messages (the kit, the gateway, each service) keeps its own catalogues in
``<package>/locales/<language>/LC_MESSAGES/messages.po``. What is collected for a package:

- the text of every ``_("…")`` and ``N_("…")`` call in its code (Babel's extractor);
- the ``title`` of every problem (``shared.errors.ProblemError``) it defines;
- the codes of every vocabulary it declares with ``shared.i18n.declare_labels`` (``msgctxt``
  the vocabulary; these have an English catalogue too, since a code is not a name);
- for the kit, Pydantic's message of each kind of field error.

A message the kit's catalogues hold is not repeated in another package's. Collecting keeps every
translation already written and drops messages no longer used; new ones get an empty
translation, which :func:`missing` reports (and ``tests/shared/test_translations.py`` fails on).
"""

import argparse
import importlib
import pkgutil
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from shared import errors, i18n

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shared", "gateway", "services.candidates", "services.placements",
            "services.reintegration")
KIT = "shared"
TRANSLATED = tuple(language for language in i18n.LANGUAGES if language != i18n.DEFAULT_LANGUAGE)
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)[^{}]*\}")

# (msgctxt, msgid): a label's context, or None for a message.
Key = tuple[str | None, str]


@dataclass(frozen=True)
class Gap:
    """A message lacking a usable translation in one language."""

    package: str
    language: str
    context: str | None
    message: str
    why: str

    def __str__(self) -> str:
        where = f" [{self.context}]" if self.context else ""
        return f"{self.package} {self.language}{where} {self.message!r}: {self.why}"


def folder(package: str) -> Path:
    """Where ``package``'s catalogues live."""
    return ROOT.joinpath(*package.split(".")) / "locales"


def _modules(package: str) -> Iterator[str]:
    base = importlib.import_module(package)
    yield package
    for info in pkgutil.walk_packages(base.__path__, prefix=f"{package}."):
        if ".migrations" not in info.name:
            yield info.name


def _subclasses(cls: type) -> Iterator[type]:  # every descendant
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _owner(module: str) -> str | None:
    return next((p for p in sorted(PACKAGES, key=len, reverse=True)
                 if module == p or module.startswith(f"{p}.")), None)


def collect(package: str) -> set[Key]:
    """Every message and label ``package``'s code has people read."""
    for module in _modules(package):
        importlib.import_module(module)
    source = ROOT.joinpath(*package.split("."))
    keys: set[Key] = set()
    for filename, _line, message, _comments, context in extract_from_dir(
            str(source), method_map=[("**/migrations/**", "ignore"), ("**.py", "python")],
            keywords={"_": None, "N_": None}):
        if isinstance(message, str) and message and "/locales/" not in filename:
            keys.add((context, message))
    for cls in _subclasses(errors.ProblemError):
        title = cls.__dict__.get("title")
        if _owner(cls.__module__) == package and isinstance(title, str):
            keys.add((None, title))
    if package == KIT:
        keys.add((None, errors.ProblemError.title))
        keys.update((None, template) for template in errors.VALIDATION_TEMPLATES.values())
    for context, (module, codes) in i18n.declared_label_owners().items():
        if _owner(module) == package:
            keys.update((context, code) for code in codes)
    return keys


def collect_all() -> dict[str, set[Key]]:
    """Each package's messages, those of the kit left out of the others."""
    found = {package: collect(package) for package in PACKAGES}
    for package in PACKAGES:
        if package != KIT:
            found[package] -= found[KIT]
    return found


def _read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, domain="messages")
    with path.open("rb") as file:
        return read_po(file, locale=language)


def _languages_of(key: Key) -> tuple[str, ...]:
    # A message's English is its id; a label's English is a name to write like the others.
    return i18n.LANGUAGES if key[0] is not None else TRANSLATED


def update(package: str, keys: set[Key]) -> None:
    """Rewrite ``package``'s catalogues to hold exactly ``keys``, keeping the translations."""
    for language in i18n.LANGUAGES:
        path = folder(package) / language / i18n.CATALOGUE_FILE
        wanted = sorted((k for k in keys if language in _languages_of(k)),
                        key=lambda k: (k[0] or "", k[1]))
        if not wanted:
            continue
        old = _read(path, language)
        # The header's date kept: collecting again changes nothing when no message did.
        new = Catalog(locale=language, domain="messages", project="Pathways",
                      charset="utf-8", fuzzy=False,
                      creation_date=old.creation_date if path.exists() else None)
        for context, message in wanted:
            kept = old.get(message, context=context)
            string = kept.string if kept is not None and isinstance(kept.string, str) else ""
            new.add(message, string, context=context)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as file:
            write_po(file, new, width=100, no_location=True, omit_header=False,
                     sort_output=False)


def missing(package: str, keys: set[Key]) -> list[Gap]:
    """The messages of ``package`` lacking a translation, or whose translation does not keep
    the message's placeholders."""
    gaps: list[Gap] = []
    for language in i18n.LANGUAGES:
        catalogue = _read(folder(package) / language / i18n.CATALOGUE_FILE, language)
        for context, message in sorted(keys, key=lambda k: (k[0] or "", k[1])):
            if language not in _languages_of((context, message)):
                continue
            entry = catalogue.get(message, context=context)
            string = entry.string if entry is not None else None
            if not isinstance(string, str) or not string.strip():
                gaps.append(Gap(package, language, context, message, "no translation"))
            elif _placeholders(string) != _placeholders(message):
                gaps.append(Gap(package, language, context, message,
                                f"placeholders differ: {string!r}"))
    return gaps


def _placeholders(text: str) -> set[str]:
    # Pydantic's English-only plural ending: other languages word the count their own way.
    return set(_PLACEHOLDER.findall(text)) - {"expected_plural"}


def main(argv: list[str] | None = None) -> int:
    """Collect the messages into the catalogues (``--check``: only report the gaps)."""
    parser = argparse.ArgumentParser(prog="pathways messages", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; list messages lacking a translation")
    args = parser.parse_args(argv)
    found = collect_all()
    gaps: list[Gap] = []
    for package, keys in found.items():
        if not args.check:
            update(package, keys)
        gaps += missing(package, keys)
    for gap in gaps:
        print(gap)
    print(f"{sum(map(len, found.values()))} messages, {len(gaps)} without a translation",
          file=sys.stderr)
    return 1 if gaps and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
