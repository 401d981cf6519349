"""Errors of notices."""

from shared.errors import UnprocessableEntity


class EssentialNotice(UnprocessableEntity):
    """A person asked to stop a kind of notice that cannot be stopped."""

    slug, title = "essential-notice", "Essential notices cannot be stopped"


class DuplicateKinds(UnprocessableEntity):
    """A schedule names a kind twice."""

    slug, title = "duplicate-notice-kinds", "A kind appears twice"
