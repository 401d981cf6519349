"""The kinds of notices, which are essential, and each kind's default place in time.

A kind is named after what it is about (``followup.due_soon``); its event, sent to the
programme's notification partner, is ``notice.<kind>``. The candidates service holds the person
(their phone, e-mail and preferences), so it decides and sends every notice; the other services
only say what happened (``followup.scheduled``, ``placement.confirmed``, …).
"""

from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["followup.due_soon", "followup.overdue", "training.session_upcoming",
               "placement.visa_decided", "placement.starting_soon"]
KINDS: Final = ("followup.due_soon", "followup.overdue", "training.session_upcoming",
                "placement.visa_decided", "placement.starting_soon")
# What a person cannot stop: the decision on their own visa (they must travel or appeal) and a
# follow-up whose window closed unanswered (the programme's last contact with a returnee, whom
# it owes support). The others are reminders of a date the person already knows.
ESSENTIAL: Final = frozenset({"placement.visa_decided", "followup.overdue"})

Channel = Literal["sms", "whatsapp", "email", "none"]
CHANNELS: Final = ("sms", "whatsapp", "email", "none")
# Channels that reach a phone number (E.164); ``email`` reaches the profile's e-mail.
PHONE_CHANNELS: Final = frozenset({"sms", "whatsapp"})
Language = Literal["en", "fr", "ar"]
LANGUAGES: Final = ("en", "fr", "ar")
DEFAULT_LANGUAGE: Final = "en"

# Reminders fall due at this hour (UTC) of their day: morning in Morocco, Tunisia, Nigeria and
# Senegal (UTC+0 to +1), never at night on a shared phone.
SEND_HOUR_UTC: Final = 9

# What becomes of a notice.
STATUSES: Final = ("pending", "sent", "withheld", "cancelled")
# Why a notice was not sent (withheld at its time, or cancelled before it).
REASONS: Final = ("stopped", "channel_none", "no_address", "erased", "programme_off",
                  "too_late", "answered", "closed", "started", "ended", "refused",
                  "rescheduled", "session_cancelled", "dropped")


@dataclass(frozen=True, slots=True)
class Timing:
    """Where a kind falls: ``offset_days`` before the date it is about (``before``), or after
    the event that announced it."""

    offset_days: int
    before: bool


# The default schedule, for a programme that set none of its own.
DEFAULTS: Final[dict[str, Timing]] = {
    "followup.due_soon": Timing(3, before=True),
    "followup.overdue": Timing(0, before=False),
    "training.session_upcoming": Timing(2, before=True),
    "placement.visa_decided": Timing(0, before=False),
    "placement.starting_soon": Timing(7, before=True),
}
# The version (and ETag) of a schedule or of preferences nobody set yet.
DEFAULT_VERSION: Final = 0


def event_type(kind: str) -> str:
    """The event a notice of ``kind`` is sent as."""
    return f"notice.{kind}"
