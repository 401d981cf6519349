"""Errors of the bulk import."""

from typing import Any

from shared.errors import ProblemError, UnsupportedMediaType, problem_type
from shared.i18n import _


class UnsupportedImportFormat(UnsupportedMediaType):
    """A file that is neither CSV nor NDJSON: the 415 any route answers for a body it does not
    take, naming the import's types."""

    ACCEPTED = ("text/csv", "application/x-ndjson", "application/ndjson")

    def __init__(self, sent: str) -> None:
        super().__init__(_("Send the file as {accepted}, not '{sent}'.",
                           accepted=", ".join(self.ACCEPTED), sent=sent),
                         accepted=list(self.ACCEPTED), header="Accept-Post")

    @classmethod
    def example(cls) -> dict[str, Any]:
        """A 415 of an import names its types."""
        return {"type": problem_type(cls.slug), "title": cls.title, "status": cls.status,
                "detail": f"Send the file as {', '.join(cls.ACCEPTED)}, not 'application/json'.",
                "accepted": list(cls.ACCEPTED)}


class ImportTooLarge(ProblemError):
    status, slug, title = 413, "import-too-large", "Import file too large"
