"""Links taken from the outside world (feeds, status pages, people) are http(s) or nothing.

A feed entry's `javascript:` link stored as a change's link would be clickable on the team page and
in the email. `http_link` is applied when a link is stored (the sources, `status_change_record`)
and again, through the `http_href` template filter (riskregister/core/templatetags/links.py),
wherever a link becomes an href.
"""

from urllib.parse import urlsplit

MAX_LINK_LENGTH = 1000
_CONTROL = {chr(code) for code in range(0x20)} | {"\x7f", " "}


def is_http_link(value) -> bool:
    """Whether `value` is an absolute http or https URL with a host, free of whitespace and control
    characters (which browsers strip from a scheme: `java\\tscript:` is `javascript:`)."""
    if not isinstance(value, str) or not value or len(value) > MAX_LINK_LENGTH:
        return False
    if any(char in _CONTROL for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def http_link(value) -> str:
    """The link itself when it is an http(s) URL (surrounding whitespace trimmed), else ""."""
    candidate = value.strip() if isinstance(value, str) else ""
    return candidate if is_http_link(candidate) else ""


def validate_http_link(value) -> None:
    """A field validator: a link typed by a person is refused, not dropped, when it is not http(s)."""
    from django.core.exceptions import ValidationError

    if value and not is_http_link(value):
        raise ValidationError("Only http:// and https:// links are allowed.", code="invalid_link")
