"""`http_href`: the one filter every template uses for an href that comes from a variable.

    {% load links %}
    {% with href=change.link|http_href %}{% if href %}<a href="{{ href }}">source</a>{% endif %}{% endwith %}

It gives the URL back when it is an absolute http(s) link and "" otherwise, so a `javascript:` or
`data:` link stored before the rule, or passed in by mistake, is never clickable. A site-relative
path (`/teams/x/`, built with `{% url %}` in the template itself) needs no filter.
tests/core/test_content_security_policy.py refuses a template whose `href="{{ ... }}"` skips it.
"""

from django import template

from vendors.links import http_link

register = template.Library()


@register.filter(is_safe=False)
def http_href(value) -> str:
    return http_link(str(value)) if value else ""
