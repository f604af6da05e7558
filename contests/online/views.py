"""Member pages of an online contest (phone first): its home, taking an attempt, the result.

A device is the browser's session: a second signed-in browser that opens the attempt takes it
over, and the first one's saves are refused from then on (the page says so).
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lessons import presenters
from lessons.models import AttemptItem
from lessons.selectors import point_rule_active
from lessons.services import attempts
from lessons.services.attempts import AttemptRejected, PaperLayout, ensure_current
from orgs import access
from quizsite import client_json
from quizsite.api_errors import error_response

from . import selectors, services
from .models import OnlineAttempt, OnlineContest
from .ratelimit import rate_limited


def device_of(request) -> str:
    """This browser's device id: a digest of its session key (never the key itself)."""
    if request.session.session_key is None:
        request.session.save()
    return hashlib.sha256(request.session.session_key.encode()).hexdigest()[:32]


def check_contest_in_view(user, contest: OnlineContest) -> None:
    """The not-found of a missing id for a contest the user cannot see (not addressed to them and
    not of a unit in their view, `access.in_view`): another organ's contest is not there for them."""
    if not access.in_view(user, contest.paper.unit) and contest not in selectors.contests_for_member(user):
        raise access.not_found(OnlineContest)


def access_online_attempt(user, attempt_id: int) -> OnlineAttempt:
    """The member's own online attempt, with any passed deadline applied."""
    online = get_object_or_404(
        OnlineAttempt.objects.select_related("contest__paper", "attempt__paper", "attempt__member"),
        # Through the attempt's own key, not `attempt_id=`: Django keeps a number past the column's
        # range from SQLite (no row) on a primary key, not on a foreign key (OverflowError, a 500).
        attempt__pk=attempt_id,
    )
    if online.attempt.member_id != user.pk:  # another's attempt is not there for you
        raise access.not_found(OnlineAttempt)
    online.attempt = ensure_current(online.attempt)
    if not online.attempt.is_open:  # a relay leg past its limit passes the baton now, not at the sweep
        from ..relay.services import relay_leg_submitted

        relay_leg_submitted(online=online)
    return online


def access_online_item(user, attempt_id: int, position: int) -> tuple[OnlineAttempt, AttemptItem | None]:
    """The member's own online attempt and its question at `position` (with the version), in one
    query; the item is None when the paper has no such question. Any passed deadline applied."""
    item = (
        AttemptItem.objects.select_related("version", "attempt__paper", "attempt__online")
        .filter(attempt_id=attempt_id, position=position)
        .first()
    )
    if item is None:
        return access_online_attempt(user, attempt_id), None
    attempt = item.attempt
    try:
        online = attempt.online
    except OnlineAttempt.DoesNotExist:
        raise access.not_found(OnlineAttempt) from None
    if attempt.member_id != user.pk:
        raise access.not_found(OnlineAttempt)
    online.attempt = ensure_current(attempt)
    return online, item


def access_online_layout(user, attempt_id: int) -> PaperLayout:
    """The member's own online attempt's layout, with the checks of `access_online_attempt`
    (usually no query: layouts are cached)."""
    layout = attempts.paper_layout(attempt_id)
    if layout is None or layout.online_id is None or layout.member_id != user.pk:
        raise access.not_found(OnlineAttempt)
    return layout


def save_answer(user, layout: PaperLayout, *, attempt_id: int, position: int, device: str, response) -> AttemptItem:
    """Autosave for the page and the API: one statement when the paper allows it, else the full path."""
    item = services.online_draft_save(
        layout=layout, attempt_id=attempt_id, device=device, position=position, response=response
    )
    if item is None:
        online, item = access_online_item(user, attempt_id, position)
        item = services.online_answer_save(
            online=online, device=device, position=position, response=response, item=item
        )
    return item


def _minutes(seconds: int | None) -> str | None:
    if not seconds:
        return None
    return str(seconds // 60) if seconds % 60 == 0 else f"{seconds / 60:.1f}"


def _refused(error: AttemptRejected) -> JsonResponse:
    return error_response(error.code, error.message, status=409)


@login_required
def contest_list(request):
    return render(
        request,
        "contests/online/list.html",
        {"contests": selectors.contests_for_member(request.user), "now": timezone.now()},
    )


@login_required
@rate_limited("online-page", limit=60)
def contest_home(request, contest_id: int):
    contest = get_object_or_404(OnlineContest.objects.select_related("paper__unit"), pk=contest_id)
    check_contest_in_view(request.user, contest)
    if hasattr(contest, "relay"):  # a relay leg's result page links back here
        return redirect("contests:relay_home", relay_id=contest.relay.pk)
    now = timezone.now()
    refusal = None
    try:
        services.check_may_take(contest, request.user, now)
    except AttemptRejected as error:
        refusal = error
    if refusal is not None and refusal.code in ("not_in_audience", "party_members_only"):
        raise PermissionDenied(refusal.message)
    return render(
        request,
        "contests/online/home.html",
        {
            "contest": contest,
            "paper": contest.paper,
            "standing": selectors.member_standing(contest, request.user, at=now),
            "refusal": refusal,
            "rules": list(contest.paper.rules.select_related("bank", "tag")),
            "limit_minutes": _minutes(contest.paper.time_limit_s),
            "points_rule": point_rule_active("online_contest_submit"),
            "now": now,
        },
    )


@login_required
@require_POST
@rate_limited("online-start", limit=10)
def attempt_start(request, contest_id: int):
    contest = get_object_or_404(OnlineContest.objects.select_related("paper"), pk=contest_id)
    try:
        online = services.online_attempt_start(contest=contest, member=request.user, device=device_of(request))
    except AttemptRejected as error:
        messages.error(request, error.message)
        return redirect("contests:online_home", contest_id=contest.pk)
    return redirect("contests:online_attempt", attempt_id=online.attempt_id)


# Never stored: Back after the end must ask the server again, not show the questions as they
# were (online_attempt.js also reloads a page the back-forward cache restores).
@never_cache
@login_required
@rate_limited("online-page", limit=60)
def attempt_page(request, attempt_id: int):
    online = access_online_attempt(request.user, attempt_id)
    if not online.attempt.is_open:
        # Not a redirect to the result: Back from the result would land on the result again.
        return render(
            request,
            "contests/online/attempt_ended.html",
            {
                "contest": online.contest,
                "attempt": online.attempt,
                "ended": services.how_ended(online.attempt),
                "leg": _relay_leg(online),
            },
        )
    held_by = online.device
    online = services.online_attempt_claim(online=online, device=device_of(request))
    payload = presenters.for_page(presenters.attempt_payload(online.attempt))
    return render(
        request,
        "contests/online/attempt.html",
        {
            "online": online,
            "contest": online.contest,
            "attempt": online.attempt,
            "paper": online.attempt.paper,
            "payload": payload,
            "took_over": held_by != online.device,
        },
    )


def _relay_leg(online: OnlineAttempt):
    """The relay leg run as this attempt, or None: a leg's pages say "leg 2" of its team and lead
    back to the relay, not "attempt 1" and the online contest's page."""
    from ..relay.models import RelayLeg

    return RelayLeg.objects.filter(online_attempt=online).select_related("team").first()


def _json_body(request) -> dict:
    try:
        body = client_json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AttemptRejected("bad_request", _("Send the answer as a JSON object."))
    return body


@login_required
@require_http_methods(["PUT"])
@rate_limited("online-save", limit=120)
def item_save(request, attempt_id: int, position: int):
    layout = access_online_layout(request.user, attempt_id)
    try:
        body = _json_body(request)
        item = save_answer(
            request.user,
            layout,
            attempt_id=attempt_id,
            position=position,
            device=device_of(request),
            response=body.get("response"),
        )
    except AttemptRejected as error:
        return _refused(error)
    return JsonResponse({"position": item.position, "saved_at": item.saved_at.isoformat()})


@login_required
@require_POST
@rate_limited("online-event", limit=60)
def integrity_event(request, attempt_id: int):
    online = access_online_attempt(request.user, attempt_id)
    try:
        body = _json_body(request)
        position = body.get("position")
        event = services.integrity_record(
            online=online,
            device=device_of(request),
            kind=str(body.get("kind", "")),
            position=position if isinstance(position, int) else None,
        )
    except AttemptRejected as error:
        return _refused(error)
    return JsonResponse({"kind": event.kind, "position": event.position}, status=201)


@login_required
@require_POST
@rate_limited("online-submit", limit=10)
def attempt_submit(request, attempt_id: int):
    online = access_online_attempt(request.user, attempt_id)
    try:
        services.online_attempt_submit(online=online, device=device_of(request))
    except AttemptRejected as error:
        messages.error(request, error.message)
        return redirect("contests:online_attempt", attempt_id=attempt_id)
    return redirect("contests:online_result", attempt_id=attempt_id)


@login_required
@rate_limited("online-page", limit=60)
def attempt_result(request, attempt_id: int):
    online = access_online_attempt(request.user, attempt_id)
    if online.attempt.is_open:
        return redirect("contests:online_attempt", attempt_id=attempt_id)
    payload = presenters.for_page(presenters.attempt_payload(online.attempt))
    return render(
        request,
        "contests/online/result.html",
        {
            "online": online,
            "contest": online.contest,
            "attempt": online.attempt,
            "paper": online.attempt.paper,
            "payload": payload,
            "leg": _relay_leg(online),
        },
    )


@login_required
@require_POST
@rate_limited("online-save", limit=120)
def item_open(request, attempt_id: int, position: int):
    """The page shows a question: with a time per question its clock starts (server time)."""
    online = access_online_attempt(request.user, attempt_id)
    try:
        item = services.online_item_open(online=online, device=device_of(request), position=position)
    except AttemptRejected as error:
        return _refused(error)
    return JsonResponse(
        {
            "position": item.position,
            "opened_at": item.opened_at.isoformat() if item.opened_at else None,
            "deadline_at": item.deadline_at.isoformat() if item.deadline_at else None,
            "server_time": timezone.now().isoformat(),
        }
    )
