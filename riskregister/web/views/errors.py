"""Site-styled error pages. A 403 says why (the PermissionDenied message); none leaks internals."""

from django.shortcuts import render


def _page(request, status: int, title: str, explanation: str):
    return render(request, "web/error.html", {"status": status, "title": title, "explanation": explanation}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, "That request could not be read", "Something in the request was malformed. Go back and try again.")


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else "Your role does not allow this."
    return _page(request, 403, "Not allowed", reason)


def page_not_found(request, exception=None):
    return _page(request, 404, "Not found", "There is no such page, or it belongs to a team you are not on.")


def server_error(request):
    # No context processors that touch the database: the error may be the database itself.
    from django.template.loader import get_template
    from django.http import HttpResponseServerError

    html = get_template("web/error_500.html").render({})
    return HttpResponseServerError(html)
