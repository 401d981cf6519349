"""Errors of the bulk import."""

from shared.errors import ProblemError


class UnsupportedImportFormat(ProblemError):
    status, slug, title = 415, "unsupported-import-format", "Unsupported import format"


class ImportTooLarge(ProblemError):
    status, slug, title = 413, "import-too-large", "Import file too large"
