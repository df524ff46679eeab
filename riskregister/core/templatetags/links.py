"""`http_href`: the one filter every template uses for an href that comes from a variable.

    {% load links %}
    {% with href=change.link|http_href %}{% if href %}<a href="{{ href }}">source</a>{% endif %}{% endwith %}

It gives the URL back when it is an absolute http(s) link and "" otherwise, so a `javascript:` or
`data:` link stored before the rule, or passed in by mistake, is never clickable. A site-relative
path (`/teams/x/`, built with `{% url %}` in the template itself) needs no filter.
`site_path` is its pair for a link the view built itself (`reverse()` plus a query string): it
gives back a path on this site (one leading "/", no scheme, no "//" host) and "" otherwise.
tests/core/test_content_security_policy.py refuses a template whose `href="{{ ... }}"` skips both.
"""

from django import template

from vendors.links import http_link

register = template.Library()


@register.filter(is_safe=False)
def http_href(value) -> str:
    return http_link(str(value)) if value else ""


@register.filter(is_safe=False)
def site_path(value) -> str:
    path = str(value or "")
    if not path.startswith("/") or path.startswith(("//", "/\\")) or any(c in path for c in "\r\n\t"):
        return ""
    return path
