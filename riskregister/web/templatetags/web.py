"""Small template helpers of the pages."""

from urllib.parse import urlencode

from django import template

register = template.Library()


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
