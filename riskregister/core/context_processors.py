from riskregister.teams.access import is_admin, is_reviewer


def roles(request):
    """What the navigation may offer the signed-in user."""
    user = getattr(request, "user", None)
    return {"user_reviews": bool(user) and (is_reviewer(user) or is_admin(user))}
