"""Phone numbers compared as numbers: +212 6…, 06… and 00212 6… are one Moroccan mobile."""

import re

import phonenumbers

# The last digits every national number has (Tunisia's have eight): what the database looks a
# number up by before :func:`e164` compares it exactly (see repository.PHONE_TAIL).
TAIL_DIGITS = 8
_NOT_DIGIT = re.compile(r"\D")


def e164(raw: str | None, *, country: str) -> str | None:
    """``raw`` in E.164 (``+212612345678``), read as dialled from ``country`` (ISO alpha-2)
    when it has no international prefix; None when it is not a possible number."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, country.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def tail(raw: str | None) -> str | None:
    """The last :data:`TAIL_DIGITS` digits of ``raw`` (the database's lookup key), or None."""
    digits = _NOT_DIGIT.sub("", raw or "")
    return digits[-TAIL_DIGITS:] if len(digits) >= TAIL_DIGITS else None
