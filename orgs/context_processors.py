from . import access


def navigation(request) -> dict:
    """What the navigation shows: organiser and administrator links by role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_manager": False, "nav_is_administrator": False}
    return {
        "nav_is_manager": access.is_manager(user),
        "nav_is_administrator": access.is_administrator(user),
    }
