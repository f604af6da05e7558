"""Pages and files of a call's published results: certificates, the winners published to the
micro-class library, the collection of winning essays. Thin: authorise, call `calls.results`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs import access
from quizsite.spreadsheets import attachment_disposition
from rankings.exports import CertificateFontMissing

from . import forms, results, services
from .models import Call, Entry
from .services import CallRejected
from .views import _media, _send, access_call


def _published_call(user, call_id: int) -> tuple[Call, bool]:
    """A call whose results the user may read, and whether they organise it."""
    call = get_object_or_404(Call.objects.select_related("unit"), pk=call_id)
    owns = access.can_manage_unit(user, call.unit)
    if not (owns or (call.results_published_at and services.may_enter(user, call))):
        raise Http404(_("The results of this call are not published yet."))
    return call, owns


def _pdf(content: bytes, *, name: str, ascii_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(name, extension=".pdf", ascii_name=ascii_name)
    return response


@login_required
def certificate(request, entry_id: int):
    """An entry's certificate, for its authors and the call's organisers, once published."""
    entry = get_object_or_404(Entry.objects.select_related("call__unit"), pk=entry_id)
    call = entry.call
    is_author = entry.author_id == request.user.pk or entry.coauthors.filter(pk=request.user.pk).exists()
    if not (is_author or access.can_manage_unit(request.user, call.unit)):
        # Answered as a missing id is: a 403 here would tell which entry ids exist.
        raise access.not_found(Entry)
    row = next((row for row in results.winners(call) if row.entry.pk == entry.pk), None)
    if row is None or not call.results_published_at:
        raise Http404(_("There is no prize for this entry in the published results."))
    try:
        content = results.certificates_pdf(call, [row])
    except CertificateFontMissing as missing:
        messages.error(request, str(missing))
        return redirect("calls:honours", call.pk)
    return _pdf(content, name=f"{call.display_title}-{entry.title}", ascii_name=f"certificate-{entry.receipt}")


@login_required
def certificate_bundle(request, call_id: int):
    """Every certificate of the call in one PDF, for the organisers of its unit. Whoever may not
    read its results gets the honour list's 404 (as a missing id: nothing says the call exists or
    has results); one who reads them, a member of its audience or an organiser reviewing for it,
    is refused with what is missing (`access.refuse`: 403)."""
    call, owns = _published_call(request.user, call_id)
    if not owns:
        access.refuse(
            request.user,
            call,
            call.unit,
            _(
                "Only organisers of %(unit)s can download every certificate; a winner downloads their own from the "
                "honour list."
            )
            % {"unit": call.unit.display_name},
        )
    rows = results.winners(call)
    if not rows:
        raise Http404(_("No prizes have been awarded yet."))
    try:
        content = results.certificates_pdf(call, rows)
    except CallRejected as rejected:
        raise Http404(rejected.message) from None
    except CertificateFontMissing as missing:
        messages.error(request, str(missing))
        return redirect("calls:honours", call.pk)
    return _pdf(content, name=f"{call.display_title}-{_('Certificates')}", ascii_name=f"call-{call.pk}-certificates")


@login_required
@require_POST
def publish_to_library(request, call_id: int):
    call = access_call(request.user, call_id, own=True)
    form = forms.LibraryForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose the units who may watch."))
        return redirect("calls:honours", call.pk)
    try:
        published = results.winners_publish_to_library(
            call=call, by=request.user, audience=list(form.cleaned_data["audience"])
        )
    except CallRejected as rejected:
        messages.error(request, rejected.message)
    else:
        if published:
            messages.success(request, _("%(n)d winning entries are published to the library.") % {"n": len(published)})
        else:
            messages.info(request, _("Every winning video is already in the library, or still being processed."))
    return redirect("calls:honours", call.pk)


@login_required
def collection(request, call_id: int):
    call, owns = _published_call(request.user, call_id)
    if call.kind != Call.Kind.ESSAY:
        raise Http404(_("Only essay calls gather a collection."))
    return render(
        request,
        "calls/collection.html",
        {"call": call, "owns": owns, "essays": results.collection(call), "provisional": not call.results_published_at},
    )


@login_required
def collection_pdf(request, call_id: int):
    call, _owns = _published_call(request.user, call_id)
    try:
        content = results.collection_pdf(call)
    except CallRejected as rejected:
        raise Http404(rejected.message) from None
    except CertificateFontMissing as missing:
        messages.error(request, str(missing))
        return redirect("calls:collection", call.pk)
    return _pdf(content, name=f"{call.display_title}-{_('Collection')}", ascii_name=f"call-{call.pk}-collection")


@login_required
def collection_page(request, call_id: int, entry_id: int, page: int):
    """A page picture of a winning PDF essay, to readers of the collection."""
    call, _owns = _published_call(request.user, call_id)
    essay = next((essay for essay in results.collection(call) if essay.row.entry.pk == entry_id), None)
    if essay is None or page >= len(essay.pages):
        raise Http404(_("No such file."))
    return _send(_media(essay.pages[page]), download_name=f"{call.pk}-{entry_id}-{page + 1}.png")
