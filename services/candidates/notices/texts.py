"""The words of each notice: English messages here, their French and Arabic in the candidates
service's catalogues (``services/candidates/locales``, :mod:`shared.i18n`).

Short: one SMS segment where the alphabet allows (160 GSM-7 characters; Arabic goes as UCS-2,
70 characters a segment, so its texts are shorter still). Dates are ISO 8601, which every phone
shows alike. A text names no person: a shared phone may be read by others.
"""

from typing import Any

from shared.i18n import N_, translate

# (kind, variant) -> the English message; the variant is the visa decision, or which of a
# training session's start and place were planned, else "".
MESSAGES: dict[tuple[str, str], str] = {
    ("followup.due_soon", ""): N_(
        "Pathways: your follow-up survey is due on {due_date}. Please answer it in the app "
        "or tell your officer."),
    ("followup.overdue", ""): N_(
        "Pathways: we did not receive your follow-up survey due on {due_date}. Contact your "
        "officer if you need support."),
    ("training.session_upcoming", ""): N_(
        "Pathways: your training session is on {session_date}."),
    ("training.session_upcoming", "start_time"): N_(
        "Pathways: your training session is on {session_date} at {start_time}."),
    ("training.session_upcoming", "place"): N_(
        "Pathways: your training session is on {session_date}. Place: {place}."),
    ("training.session_upcoming", "start_time+place"): N_(
        "Pathways: your training session is on {session_date} at {start_time}. Place: {place}."),
    ("placement.visa_decided", "granted"): N_(
        "Pathways: your visa was granted. Your officer will tell you what comes next."),
    ("placement.visa_decided", "refused"): N_(
        "Pathways: your visa was refused. Your officer will tell you what you can do."),
    ("placement.starting_soon", ""): N_(
        "Pathways: your placement starts on {start_date}. Check your travel documents."),
}


def variant(kind: str, params: dict[str, Any]) -> str:
    """Which message of ``kind`` the notice's ``params`` call for."""
    if kind == "placement.visa_decided":
        return str(params.get("decision", ""))
    if kind == "training.session_upcoming":
        return "+".join(name for name in ("start_time", "place") if params.get(name))
    return ""


def render(kind: str, language: str, params: dict[str, Any]) -> str:
    """The text of a notice of ``kind`` in ``language`` (English where a catalogue lacks it),
    with ``params`` in it."""
    message = MESSAGES[(kind, variant(kind, params))]
    return translate(message, language, **{k: str(v) for k, v in params.items()})
