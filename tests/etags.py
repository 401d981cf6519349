"""The ``If-Match`` a test sends with a change: every PATCH, PUT and DELETE of a resource that
has an ETag must name the version it changes (a missing one is a 428)."""

from typing import Any

import httpx

# What an object just created is at: its first version.
NEW = {"If-Match": '"1"'}


def if_match(read: httpx.Response | dict[str, Any]) -> dict[str, str]:
    """The ``If-Match`` naming what ``read`` returned: its ``ETag`` header, or the ``version``
    of its JSON body."""
    if isinstance(read, httpx.Response):
        return {"If-Match": read.headers["etag"]}
    return {"If-Match": f'"{read["version"]}"'}

# What a programme's follow-up schedule is at while it is the default one.
DEFAULT_SCHEDULE = {"If-Match": '"0"'}
