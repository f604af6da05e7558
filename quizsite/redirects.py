"""Where a form goes back to after a POST."""

from urllib.parse import urlsplit

from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def back_to(request, default: str) -> HttpResponseRedirect:
    """A redirect to the posted `next` if it is a page of this site (a path, or an address on this
    host), else to `default` (a URL name). Never `redirect(next)`: it takes a bare word for a view
    name, so a `next` of "x" was a server error (NoReverseMatch); and an address elsewhere would
    lend ours to phishing."""
    back = request.POST.get("next", "")
    if (
        (back.startswith("/") or urlsplit(back).scheme in ("http", "https"))
        and back.isprintable()
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        return HttpResponseRedirect(back)
    return redirect(default)
