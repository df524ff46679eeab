"""Small template helpers of the pages."""

from urllib.parse import urlencode, urlsplit

from django import template

register = template.Library()


@register.filter
def http_url(value) -> str:
    """The link itself if it is http(s), else an empty string: stored links are never rendered as
    javascript:, data: or other schemes."""
    text = str(value or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in ("http", "https") else ""


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes one)."""
    params = context["request"].GET.copy()
    for name, value in changes.items():
        if value in (None, ""):
            params.pop(name, None)
        else:
            params[name] = value
    return "?" + params.urlencode() if params else "?"


@register.filter
def percent(value) -> str:
    return f"{float(value or 0) * 100:.0f}%"


@register.simple_tag
def query(**params) -> str:
    return urlencode({name: value for name, value in params.items() if value not in (None, "")})
