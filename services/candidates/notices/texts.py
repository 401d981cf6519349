"""The words of each notice, in English, French and Arabic.

Short: one SMS segment where the alphabet allows (160 GSM-7 characters; Arabic is sent as
UCS-2, 70 characters a segment, so its texts are shorter still). Dates are ISO 8601, which every
phone shows the same. A text names no person: a shared phone may be read by others.
"""

from typing import Any

from services.candidates.notices.kinds import DEFAULT_LANGUAGE

# kind -> language -> template; ``{decision}`` is replaced by the decision's own word first.
_TEXTS: dict[str, dict[str, str]] = {
    "followup.due_soon": {
        "en": "Pathways: your follow-up survey is due on {due_date}. Please answer it in the "
              "app or tell your officer.",
        "fr": "Pathways : votre questionnaire de suivi est à remplir le {due_date}. Répondez "
              "dans l'application ou auprès de votre conseiller.",
        "ar": "Pathways: استبيان المتابعة مستحق يوم {due_date}. أجب عنه في التطبيق.",
    },
    "followup.overdue": {
        "en": "Pathways: we did not receive your follow-up survey due on {due_date}. Contact "
              "your officer if you need support.",
        "fr": "Pathways : nous n'avons pas reçu votre questionnaire de suivi du {due_date}. "
              "Contactez votre conseiller si besoin.",
        "ar": "Pathways: لم نستلم استبيان المتابعة ليوم {due_date}. اتصل بمرشدك عند الحاجة.",
    },
    "training.session_upcoming": {
        "en": "Pathways: your training session is on {session_date}.",
        "fr": "Pathways : votre séance de formation a lieu le {session_date}.",
        "ar": "Pathways: حصة التكوين يوم {session_date}.",
    },
    "placement.visa_decided": {
        "en": "Pathways: a decision was made on your visa: {decision}. Your officer will "
              "tell you what comes next.",
        "fr": "Pathways : une décision a été prise sur votre visa : {decision}. Votre "
              "conseiller vous dira la suite.",
        "ar": "Pathways: صدر قرار بشأن تأشيرتك: {decision}. سيخبرك مرشدك بالخطوات التالية.",
    },
    "placement.starting_soon": {
        "en": "Pathways: your placement starts on {start_date}. Check your travel documents.",
        "fr": "Pathways : votre placement commence le {start_date}. Vérifiez vos documents "
              "de voyage.",
        "ar": "Pathways: يبدأ عملك يوم {start_date}. تحقق من وثائق السفر.",
    },
}
_DECISIONS: dict[str, dict[str, str]] = {
    "granted": {"en": "granted", "fr": "accordé", "ar": "مقبولة"},
    "refused": {"en": "refused", "fr": "refusé", "ar": "مرفوضة"},
}


def render(kind: str, language: str, params: dict[str, Any]) -> str:
    """The text of a notice of ``kind`` in ``language`` (English if it has none), with
    ``params`` in it."""
    templates = _TEXTS[kind]
    language = language if language in templates else DEFAULT_LANGUAGE
    values = {key: str(value) for key, value in params.items()}
    if "decision" in values:
        words = _DECISIONS.get(values["decision"], {})
        values["decision"] = words.get(language, values["decision"])
    return templates[language].format_map(values)
