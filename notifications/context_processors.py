from .services import unread_for


def unread(request) -> dict:
    """The bell's count in the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_for(user).count()}
