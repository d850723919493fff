"""What the site's header needs on every page: which section is open, and whether to offer the
content admin (to signed-in staff only)."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject


def signed_in_staff(request) -> bool:
    """Whether the visitor is signed-in staff. Without a session cookie nobody is signed in,
    and the user (a session read, a second-factor check) is not looked up at all."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return bool(request.user.is_staff)


def navigation(request) -> dict:
    match = request.resolver_match
    if match is None:
        current = ""
    elif match.app_name == "kb":
        current = "kb"
    else:
        current = "start" if match.url_name == "start" else ""
    return {
        "nav_current": current,
        "nav_staff": SimpleLazyObject(lambda: signed_in_staff(request)),
    }
