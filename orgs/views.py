"""Organiser pages for units and members. Thin: authorise, call a service or selector, render."""

from io import BytesIO

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from quizsite import import_files
from quizsite.api_errors import error_body
from quizsite.naming import joined_sentences
from quizsite.spreadsheets import ExportWorkbook, xlsx_response

from . import access, importing, selectors, services, tokens
from .activity import activity_sentence
from .forms import (
    ActivityFilterForm,
    MemberBulkForm,
    MemberForm,
    MemberImportForm,
    MemberNewForm,
    OwnPasswordChangeForm,
    SignInForm,
    UnitAddForm,
    UnitCloseForm,
    UnitEditForm,
    UnitMoveForm,
    can_add_unit,
)
from .models import UNIT_KINDS_HOLDING_NONE, ApiToken, MemberPlacement, Role, Unit, UnitPlacement

IMPORT_SESSION_KEY = "member_import_file"
IMPORT_ERRORS_SESSION_KEY = "member_import_errors"
# A bulk action refused: the ticks and the fields chosen, shown again on the list it came from.
BULK_DRAFT_SESSION_KEY = "member_bulk_draft"
# How many new or changed rows a member import's preview lists; the rest are counted (a 2,000-row
# sheet listed in full made a page 89,000 px long). Every renamed row is listed whatever the count.
IMPORT_PREVIEW_ROWS_SHOWN = 100
# How many rows a preview's notes name (rows whose 党员 cell was blank) before "and N more".
IMPORT_NOTE_ROWS_SHOWN = 20


@login_required
def unit_tree(request):
    access.check_manager(request.user)
    rows = selectors.unit_tree_rows(request.user)
    return render(request, "orgs/unit_tree.html", {"rows": rows, "can_add": can_add_unit(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def unit_add(request):
    """A new unit under one the user manages (superusers may also add a top-level unit)."""
    access.check_manager(request.user)
    initial = {"kind": "branch"}
    # On a post the parent is the one posted: a closed unit named in the address is not kept.
    if request.method == "GET" and request.GET.get("parent", "").isdecimal():
        initial["parent"] = int(request.GET["parent"])
    form = UnitAddForm(request.POST or None, user=request.user, initial=initial)
    if not can_add_unit(request.user):
        # Reached by its address: say why there is nothing to fill in, and save nothing.
        return render(request, "orgs/unit_add.html", {"form": form, "nowhere": True}, status=403)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                name=data["name"],
                name_en=data["name_en"],
                kind=data["kind"],
                ends_on=data["ends_on"],
                parent=data["parent"],
                by=request.user,
            )
        except services.OrgError as error:
            form.add_error(_unit_form_field(error, form), error.message)
        else:
            messages.success(request, _("Added the unit %(name)s.") % {"name": unit.display_name})
            return redirect("orgs:unit_tree")
    return render(request, "orgs/unit_add.html", {"form": form})


def _unit_form_field(error: services.OrgError, form) -> str | None:
    """The unit form's field a refusal of the services is about, so it shows beside it."""
    if error.code.startswith("unit_name"):
        return "name"
    if error.code in ("end_date_temporary_only", "temporary_needs_end"):
        return "ends_on"
    if error.code == "unit_kind_parent":
        # The add form has a parent to choose; the edit form only the kind.
        return "parent" if "parent" in form.fields else "kind"
    if error.code == "unit_kind_children":
        return "kind"
    return None


def _unit_initial(unit: Unit) -> dict:
    return {"name": unit.name, "name_en": unit.name_en, "kind": unit.kind, "ends_on": unit.ends_on}


def _structure_locked(user, unit: Unit) -> str:
    """Why `user` may not change the unit's kind or end date, or "" if they may: an end date
    closes the unit to new members and a kind regroups rankings, so both take the right to move
    or close it (`access.check_restructure_unit`), a grant above the unit; renaming does not."""
    if access.can_restructure_unit(user, unit):
        return ""
    return services.structure_locked_message()


def _unit_page(request, unit: Unit, *, form=None, move_form=None, status: int = 200):
    parent = Unit.objects.get_parent(unit, update=True)
    placements = list(
        UnitPlacement.objects.filter(unit=unit).select_related("parent", "recorded_by").order_by("-effective_at", "-id")
    )
    paths = selectors.unit_paths([unit] + ([parent] if parent else []) + [p.parent for p in placements if p.parent])
    form = form or UnitEditForm(initial=_unit_initial(unit), locked=_structure_locked(request.user, unit))
    move_form = move_form or UnitMoveForm(
        user=request.user, unit=unit, prefix="move", initial={"parent": parent and parent.pk}
    )
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "parent": parent,
            "paths": paths,
            "form": form,
            "move_form": move_form,
            "can_restructure": access.can_restructure_unit(request.user, unit),
            "placements": placements,
            "direct_members": unit.members.filter(is_active=True).count(),
            "subunits": unit.child_units().count(),
            # A party branch holds no units (`Unit.Kind.may_hold`): no "Add a subunit" for it.
            "holds_subunits": unit.kind not in UNIT_KINDS_HOLDING_NONE,
            # Open today and not closed by someone: no end date, or one still to come (a temporary
            # branch may end early).
            "closable": unit.closed_at is None and (unit.ends_on is None or unit.ends_on > timezone.localdate()),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_detail(request, unit_id: int):
    """A unit's name, kind and end date, its place in the tree and its history."""
    access.check_manager(request.user)
    unit = access.access_unit(request.user, unit_id)
    if request.method != "POST":
        return _unit_page(request, unit)
    form = UnitEditForm(
        request.POST,
        initial=_unit_initial(unit),
        current_ends_on=unit.ends_on,
        locked=_structure_locked(request.user, unit),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.unit_update(
                unit=unit,
                name=data["name"],
                name_en=data["name_en"],
                kind=data["kind"],
                ends_on=data["ends_on"],
                by=request.user,
                reason=data["reason"],
            )
        except services.OrgError as error:
            form.add_error(_unit_form_field(error, form), error.message)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": unit.display_name})
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    unit.refresh_from_db()
    return _unit_page(request, unit, form=form)


def _restructurable_unit(request, unit_id: int) -> Unit:
    access.check_manager(request.user)
    unit = access.access_unit(request.user, unit_id)
    access.check_restructure_unit(request.user, unit)
    return unit


@login_required
@require_POST
def unit_move(request, unit_id: int):
    """Put a unit (with its subunits and members) under another parent; the history keeps both."""
    unit = _restructurable_unit(request, unit_id)
    move_form = UnitMoveForm(request.POST, user=request.user, unit=unit, prefix="move")
    if move_form.is_valid():
        new_parent = move_form.cleaned_data["parent"]
        try:
            services.unit_move(
                unit=unit, new_parent=new_parent, by=request.user, reason=move_form.cleaned_data["reason"]
            )
        except services.OrgError as error:
            move_form.add_error("parent", error.message)
        else:
            messages.success(request, _("Moved %(name)s.") % {"name": unit.display_name})
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    return _unit_page(request, unit, move_form=move_form)


@login_required
@require_http_methods(["GET", "POST"])
def unit_close(request, unit_id: int):
    """Close a unit now, after a page that lists its members and where each goes: back to the
    unit they came from (a temporary branch's seconded members), another unit, or nowhere. The
    moves and the close are one transaction."""
    unit = _restructurable_unit(request, unit_id)
    if unit.closed_at is not None or not unit.is_open_for_new(timezone.localdate()):
        messages.info(request, _("%(name)s is already closed.") % {"name": unit.display_name})
        return redirect("orgs:unit_detail", unit_id=unit.pk)
    members = list(unit.members.order_by("name_sort", "pk"))
    previous = selectors.members_previous_units(unit, members)
    # Bound on every POST, an empty one too: a unit without members posts nothing but the token.
    data = request.POST if request.method == "POST" else None
    form = UnitCloseForm(data, user=request.user, unit=unit, members=members, previous=previous)
    if request.method == "POST" and form.is_valid():
        moves = form.moves()
        try:
            services.unit_close(unit=unit, by=request.user, moves=moves, reason=form.cleaned_data["reason"])
        except services.OrgError as error:
            if error.code == "unit_already_closed":  # closed by an overlapping request meanwhile
                messages.info(request, error.message)
                return redirect("orgs:unit_detail", unit_id=unit.pk)
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "Closed %(name)s; %(count)d member moved.",
                    "Closed %(name)s; %(count)d members moved.",
                    len(moves),
                )
                % {"name": unit.display_name, "count": len(moves)}
                if moves
                else _("Closed %(name)s as of today.") % {"name": unit.display_name},
            )
            return redirect("orgs:unit_detail", unit_id=unit.pk)
    subunits = selectors.open_subunits(unit)
    return render(
        request,
        "orgs/unit_close.html",
        {
            "unit": unit,
            "form": form,
            "paths": selectors.unit_paths(list(previous.values())),
            # Closing is refused while any subunit is open: the page lists them, linked.
            "open_subunits": subunits,
            "subunit_paths": selectors.unit_paths(subunits),
        },
    )


@login_required
@require_POST
def unit_delete(request, unit_id: int):
    """Delete a unit that never held anything; otherwise say why and suggest closing it."""
    unit = _restructurable_unit(request, unit_id)
    name = unit.display_name
    try:
        services.unit_delete(unit=unit, by=request.user)
    except services.OrgError as error:
        messages.error(request, error.message)
        return redirect("orgs:unit_detail", unit_id=unit.pk)
    messages.success(request, _("Deleted the unit %(name)s.") % {"name": name})
    return redirect("orgs:unit_tree")


@login_required
def member_list(request):
    access.check_manager(request.user)
    unit = None
    if request.GET.get("unit", "").isdecimal():
        unit = access.access_unit(request.user, int(request.GET["unit"]))
    text = request.GET.get("q", "")
    temporary_password = request.GET.get("temporary") == "1"
    sort = request.GET.get("sort", "")
    if sort.removeprefix("-") not in selectors.MEMBER_SORTS:
        sort = ""
    role = request.GET.get("role", "")
    if role not in (Role.ORGANISER, Role.ADMINISTRATOR):
        role = ""
    members = selectors.member_search(
        request.user, text=text, unit=unit, temporary_password=temporary_password, role=role, sort=sort
    )
    page = Paginator(members, 25).get_page(request.GET.get("page"))
    paths = selectors.unit_paths([m.unit for m in page if m.unit])
    changeable = set(
        access.manageable_members(request.user).filter(pk__in=[m.pk for m in page]).values_list("pk", flat=True)
    )
    return render(
        request,
        "orgs/member_list.html",
        {
            "page": page,
            "q": text,
            "unit": unit,
            "temporary_password": temporary_password,
            "role": role,
            "role_choices": [(Role.ORGANISER, Role.ORGANISER.label), (Role.ADMINISTRATOR, Role.ADMINISTRATOR.label)],
            "grants": selectors.members_grants(list(page), viewer=request.user),
            "sort": sort,
            "sort_headers": _member_sort_headers(sort),
            "paths": paths,
            # Active members, as the unit tree counts them, and the deactivated ones also listed.
            "counts": selectors.member_counts(members),
            "changeable": changeable,
            "bulk_form": MemberBulkForm(user=request.user),
            "bulk_draft": _bulk_draft_pop(request),
        },
    )


def _bulk_draft_keep(request) -> None:
    """Keep a refused bulk action's ticks and fields for the list the organiser is sent back to,
    so the error is fixed by changing one field, not by choosing everything again."""
    request.session[BULK_DRAFT_SESSION_KEY] = {
        "member": [pk for pk in request.POST.getlist("member") if pk.isdecimal()],
        **{name: request.POST.get(name, "")[:200] for name in ("action", "unit", "role", "reason", "moved_on")},
    }


def _bulk_draft_pop(request) -> dict:
    """The refused bulk action kept for this list, once (member ids as numbers)."""
    draft = request.session.pop(BULK_DRAFT_SESSION_KEY, None) or {}
    return {**draft, "member": {int(pk) for pk in draft.get("member", [])}}


@login_required
def activity(request):
    """The organisation's activity in the user's subtrees, newest first: of one kind, between two
    local calendar days, about one member (`member`) or one unit's subtree (`unit`)."""
    access.check_manager(request.user)
    member = unit = None
    if request.GET.get("member", "").isdecimal():
        member = get_object_or_404(access.managed_members(request.user), pk=int(request.GET["member"]))
    if request.GET.get("unit", "").isdecimal():
        unit = access.access_unit(request.user, int(request.GET["unit"]))
    form = ActivityFilterForm(request.GET)
    form.is_valid()  # a field typed wrong is named beside it; the others still filter
    filters = {name: form.cleaned_data.get(name) for name in ("kind", "since", "until")}
    records = selectors.activity_rows(
        request.user,
        kind=filters["kind"] or "",
        since=filters["since"],
        until=filters["until"],
        member=member,
        unit=unit,
    )
    page = Paginator(records, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/activity.html",
        {
            "page": page,
            "rows": [(record, activity_sentence(record)) for record in page],
            "form": form,
            "member": member,
            "unit": unit,
            "filtered": any(filters.values()) or member is not None or unit is not None,
        },
    )


def _member_sort_headers(sort: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the sort key its header links to (the other direction when it is
    the current sort) and its current direction ("ascending", "descending" or "")."""
    headers = {}
    for key in selectors.MEMBER_SORTS:
        direction = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        headers[key] = {"link": f"-{key}" if direction == "ascending" else key, "direction": direction}
    return headers


@login_required
@require_http_methods(["GET", "POST"])
def member_new(request):
    access.check_manager(request.user)
    # Bound on every POST, an empty one too (`request.POST or None` would leave it unbound).
    form = MemberNewForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST":
        # Every problem at once: a taken employee number beside a missing name, not one per try.
        form.is_valid()
        data = form.cleaned_data
        for problem in services.member_new_problems(username=data.get("username"), employee_no=data.get("employee_no")):
            form.add_error(_member_form_field(problem), problem.message)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.member_create(
                username=data["username"],
                real_name=data["real_name"],
                unit=data["unit"],
                employee_no=data["employee_no"],
                phone=data["phone"],
                is_party_member=data["is_party_member"],
                password=data["password"] or None,
                by=request.user,
            )
        except services.OrgError as error:
            for problem in getattr(error, "errors", [error]):
                form.add_error(_member_form_field(problem), problem.message)
        except ValidationError as error:
            form.add_error(None, joined_sentences(error.messages))
        else:
            messages.success(request, _("Added %(name)s.") % {"name": member.display_name})
            return redirect("orgs:member_detail", member_id=member.pk)
    return render(request, "orgs/member_new.html", {"form": form})


def _member_form_field(error) -> str | None:
    """The member form's field a refusal of the services is about, so it shows beside it."""
    if error.code == "password_weak":
        return "password"
    if error.code.startswith("employee_no"):
        return "employee_no"
    if error.code == "username_taken":
        return "username"
    if error.code == "unit_closed":
        return "unit"
    if error.code.startswith("moved_"):
        return "moved_on"
    return None


@login_required
@require_http_methods(["GET", "POST"])
def member_detail(request, member_id: int):
    access.check_manager(request.user)
    member = access.access_member(request.user, member_id)
    form = MemberForm(request.POST or None, user=request.user, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.member_update(
                member=member,
                by=request.user,
                real_name=data["real_name"],
                employee_no=data["employee_no"],
                phone=data["phone"],
                is_party_member=data["is_party_member"],
                unit=data["unit"],
                reason=data["reason"],
                at=form.moved_at(),
            )
        except services.OrgError as error:
            form.add_error(_member_form_field(error), error.message)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": member.display_name})
            return redirect("orgs:member_detail", member_id=member.pk)
    return _member_page(request, member, form)


def _member_page(request, member, form, **extra):
    placements = list(
        MemberPlacement.objects.filter(member=member)
        .select_related("unit", "recorded_by")
        .order_by("-effective_at", "-id")
    )
    grants = list(member.role_grants.select_related("unit").order_by("unit__path", "role"))
    paths = selectors.unit_paths(
        [p.unit for p in placements] + [g.unit for g in grants] + ([member.unit] if member.unit else [])
    )
    return render(
        request,
        "orgs/member_detail.html",
        {
            "member": member,
            "form": form,
            "placements": placements,
            "paths": paths,
            "signin_failures": selectors.member_signin_failures(member),
            "password_events": selectors.member_password_events(member),
            "activation_events": selectors.member_activation_events(member, viewer=request.user),
            # Deactivating and reactivating go through the member list's bulk action, for this
            # one member, under its rules: a member one may change, never one's own account.
            "can_change_activation": member.pk != request.user.pk and access.can_manage_member(request.user, member),
            "devices": tokens.live_tokens(member),
            "grants": grants,
            # Granting and revoking take an administrator; they go through the member list's bulk
            # action, for this one member.
            "role_form": MemberBulkForm(user=request.user) if access.is_administrator(request.user) else None,
            **extra,
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, recorded in the member's change log (and so whether a temporary
    password was replaced, which `User.set_password` clears as the form saves)."""

    form_class = OwnPasswordChangeForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # A member given a temporary password is asked for that one, by its name.
        if self.request.user.must_change_password:
            form.fields["old_password"].label = _("Temporary password")
            form.error_messages = {
                **form.error_messages,
                "password_incorrect": _("That is not the temporary password you were given. Please enter it again."),
            }
        else:
            form.fields["old_password"].label = _("Current password")
        return form

    def form_valid(self, form):
        replaced_temporary = self.request.user.must_change_password
        session_key = self.request.session.session_key  # this session goes on under a new key
        response = super().form_valid(form)
        services.password_change_record(
            member=self.request.user, replaced_temporary=replaced_temporary, kept_session=session_key
        )
        return response


class SignInView(auth_views.LoginView):
    """Django's sign-in, in the language the member last chose (kept on the account), whatever
    the browser asks for: a new browser would otherwise fall back to its own language."""

    redirect_authenticated_user = True
    authentication_form = SignInForm

    def form_valid(self, form):
        # A language just chosen on the sign-in page wins over the one kept from before, and is
        # kept in its place: the page after the sign-in, and its messages, are in it.
        chosen = self.request.session.pop(LANGUAGE_CHOSEN_KEY, "")
        if chosen:
            services.member_language_set(member=form.get_user(), language=chosen)
        response = super().form_valid(form)
        language = form.get_user().language
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


# A language chosen on a page while signed out (the sign-in page), which the sign-in keeps.
LANGUAGE_CHOSEN_KEY = "language_chosen_signed_out"


def set_language(request):
    """Django's language switch, which also keeps the choice on a signed-in member's account, or,
    signed out, in the session until the sign-in keeps it there (`SignInView`)."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            services.member_language_set(member=request.user, language=language)
        else:
            request.session[LANGUAGE_CHOSEN_KEY] = language
    return response


class LogoutView(auth_views.LogoutView):
    """Django's sign-out, which also closes the live sockets this session has open."""

    def post(self, request, *args, **kwargs):
        member, session_key = request.user, request.session.session_key
        response = super().post(request, *args, **kwargs)
        if member.is_authenticated and session_key:
            services.member_signed_out(member=member, session_key=session_key)
        return response


@login_required
@require_POST
@never_cache
def member_password_reset(request, member_id: int):
    """Give the member a temporary password, shown once: in this response only (never in the URL,
    the session or a message), and not cached."""
    access.check_manager(request.user)
    member = access.access_member(request.user, member_id)
    try:
        password = services.member_password_reset(member=member, by=request.user)
    except services.OrgError as error:
        messages.error(request, error.message)
        return redirect("orgs:member_detail", member_id=member.pk)
    return _member_page(request, member, MemberForm(user=request.user, member=member), temporary_password=password)


@login_required
@require_POST
def member_signin_unlock(request, member_id: int):
    access.check_manager(request.user)
    member = access.access_member(request.user, member_id)
    services.member_signin_unlock(member=member, by=request.user)
    messages.success(request, _("%(name)s can sign in again.") % {"name": member.display_name})
    return redirect("orgs:member_detail", member_id=member.pk)


@login_required
@require_POST
def member_device_sign_out(request, member_id: int, token_id: int):
    """Sign a member out of one app on one device (a lost phone): revoke that device's token."""
    access.check_manager(request.user)
    member = access.access_member(request.user, member_id)
    token = get_object_or_404(ApiToken, pk=token_id, user=member)
    tokens.token_revoke(token=token, by=request.user)
    messages.success(
        request, _("%(name)s is signed out on %(device)s.") % {"name": member.display_name, "device": token.device}
    )
    return redirect("orgs:member_detail", member_id=member.pk)


@login_required
def my_devices(request):
    """The phones and other apps signed in to my account (API tokens), each with a sign-out."""
    return render(request, "orgs/my_devices.html", {"devices": tokens.live_tokens(request.user)})


@login_required
@require_POST
def my_device_sign_out(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    tokens.token_revoke(token=token, by=request.user)
    messages.success(request, _("Signed out on %(device)s.") % {"device": token.device})
    return redirect("my_devices")


def signin_locked_out(request: HttpRequest, *_ignored) -> HttpResponse:
    """What a sign-in refused by django-axes gets: JSON on the API, a page elsewhere, both 429.

    Axes calls this with extra arguments that differ between its sync and async paths; the
    answer depends on the request alone."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-ins for this account or from this address. Signing in is paused for "
        "%(minutes)d minutes: try again later, or ask an organiser of your unit to unlock your account."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("locked_out", message), status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


@login_required
def member_import_template(request):
    access.check_manager(request.user)
    return xlsx_response(importing.member_template(for_user=request.user), "member-import-template")


@login_required
@require_http_methods(["GET", "POST"])
def member_import(request):
    """Upload, preview every row with its errors, then confirm: all rows or none."""
    access.check_manager(request.user)
    form = MemberImportForm()
    if request.method == "POST" and request.POST.get("action") == "confirm":
        stored = request.session.get(IMPORT_SESSION_KEY)
        token = request.POST.get("token")
        data = importing.member_import_preview_read(stored) if stored and stored == token else None
        if not stored or data is None:
            messages.error(request, _("That preview has expired. Upload the file again."))
            return redirect("orgs:member_import")
        report = importing.members_import(
            file=BytesIO(data), by=request.user, renames_confirmed=request.POST.get("renames_confirmed") == "1"
        )
        if report.renames_unconfirmed:
            return render(
                request,
                "orgs/member_import.html",
                {
                    **_import_errors_context(request, form, report),
                    "token": token,
                    "renames_refused": True,
                    "passwords_ignored": importing.passwords_ignored_message(report),
                },
            )
        if report.ok:
            default_storage.delete(stored)
            del request.session[IMPORT_SESSION_KEY]
            messages.success(
                request,
                ngettext(
                    "Imported: %(created)d new member, %(updated)d updated, %(unchanged)d unchanged.",
                    "Imported: %(created)d new members, %(updated)d updated, %(unchanged)d unchanged.",
                    report.created,
                )
                % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
            )
            if report.passwords_ignored:
                messages.warning(request, importing.passwords_ignored_message(report))
            return redirect("orgs:member_list")
        return render(request, "orgs/member_import.html", _import_errors_context(request, form, report))

    if request.method == "POST":
        form = MemberImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = importing.members_import(file=upload, by=request.user, dry_run=True)
            token = ""
            if report.ok:
                upload.seek(0)
                token = importing.member_import_preview_store(
                    data=upload.read(), replacing=request.session.get(IMPORT_SESSION_KEY, "")
                )
                request.session[IMPORT_SESSION_KEY] = token
            return render(
                request,
                "orgs/member_import.html",
                {
                    **_import_errors_context(request, form, report),
                    "token": token,
                    "filename": upload.name,
                    "passwords_ignored": importing.passwords_ignored_message(report),
                },
            )
    return render(request, "orgs/member_import.html", {"form": form})


def _import_errors_context(request, form, report: importing.ImportReport) -> dict:
    """The page's context for a checked sheet: its first problems, and the rest as a download."""
    if report.errors:
        import_files.error_report_store(
            request,
            session_key=IMPORT_ERRORS_SESSION_KEY,
            place="row",
            errors=[(error.row, error.column, error.message) for error in report.errors],
        )
    rows_shown = report.rows_to_show(IMPORT_PREVIEW_ROWS_SHOWN) if report.ok else []
    listed = report.new_count + report.update_count
    party_rows = report.party_by_default
    return {
        "form": form,
        "report": report,
        "rows_shown": rows_shown,
        "rows_more": listed - len(rows_shown),
        "party_default_rows": ", ".join(str(row) for row in party_rows[:IMPORT_NOTE_ROWS_SHOWN]),
        "party_default_more": max(len(party_rows) - IMPORT_NOTE_ROWS_SHOWN, 0),
        "errors_shown": report.errors[: import_files.ERRORS_SHOWN],
        "errors_more": max(len(report.errors) - import_files.ERRORS_SHOWN, 0),
    }


@login_required
def member_import_errors(request):
    """Every problem of the last sheet this organiser's preview refused, as an .xlsx."""
    access.check_manager(request.user)
    return import_files.error_report_response(
        request,
        session_key=IMPORT_ERRORS_SESSION_KEY,
        filename=_("Member import problems"),
        back=reverse("orgs:member_import"),
    )


@login_required
@require_POST
def member_bulk(request):
    """Apply one action to the ticked members of the member list: all of them or none."""
    access.check_manager(request.user)
    form = MemberBulkForm(request.POST, user=request.user)
    back = request.POST.get("next", "")
    if not back.startswith(reverse("orgs:member_list")):
        back = reverse("orgs:member_list")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        _bulk_draft_keep(request)
        return redirect(back)
    data = form.cleaned_data
    if data["action"] == PASSWORDS_ACTION:
        # Listed as the member list lists them: by unit, then by name (pinyin).
        return _temporary_passwords_xlsx(request, list(data["member"].order_by(*selectors.member_sort_order("unit"))))
    try:
        changed = services.members_bulk_apply(
            by=request.user,
            members=list(data["member"]),
            action=data["action"],
            unit=data["unit"],
            role=data["role"],
            reason=data["reason"],
            at=form.moved_at(),
        )
    except services.OrgError as error:
        messages.error(request, error.message)
        _bulk_draft_keep(request)
    else:
        _say_bulk_done(request, data, changed=changed, selected=len(data["member"]))
    return redirect(back)


def _say_bulk_done(request, data: dict, *, changed: int, selected: int) -> None:
    """What the bulk action did, in words: which change, to how many, and how many of the
    selected needed none (already in the unit, already holding the role...)."""
    if not changed:
        messages.info(request, _("Nothing changed: every selected member was already so."))
        return
    action, unit = data["action"], data["unit"]
    role = Role(data["role"]).label if data["role"] else ""
    names = {"n": changed, "unit": unit.full_path if unit else "", "role": role}
    if action == services.BulkAction.MOVE and data["moved_on"]:
        names["day"] = data["moved_on"].isoformat()
        done = ngettext(
            "Moved %(n)d member to %(unit)s, from %(day)s.", "Moved %(n)d members to %(unit)s, from %(day)s.", changed
        )
    elif action == services.BulkAction.MOVE:
        done = ngettext("Moved %(n)d member to %(unit)s.", "Moved %(n)d members to %(unit)s.", changed)
    elif action == services.BulkAction.DEACTIVATE:
        done = ngettext("Deactivated %(n)d member.", "Deactivated %(n)d members.", changed)
    elif action == services.BulkAction.REACTIVATE:
        done = ngettext("Reactivated %(n)d member.", "Reactivated %(n)d members.", changed)
    elif action == services.BulkAction.GRANT:
        done = ngettext(
            "Granted the %(role)s role in %(unit)s to %(n)d member.",
            "Granted the %(role)s role in %(unit)s to %(n)d members.",
            changed,
        )
    else:
        done = ngettext(
            "Revoked the %(role)s role in %(unit)s from %(n)d member.",
            "Revoked the %(role)s role in %(unit)s from %(n)d members.",
            changed,
        )
    messages.success(request, done % names)
    if selected > changed:
        unchanged = selected - changed
        messages.info(
            request,
            ngettext(
                "%(n)d selected member was already so and was left as they were.",
                "%(n)d selected members were already so and were left as they were.",
                unchanged,
            )
            % {"n": unchanged},
        )


PASSWORDS_ACTION = "passwords"


@never_cache
def _temporary_passwords_xlsx(request, members) -> HttpResponse:
    """The selected members' temporary passwords as a spreadsheet to hand out (after an import):
    name, employee number, user name, unit, password; a member refused is listed with the reason.
    The passwords are in this download only."""
    rows = services.members_password_reset_bulk(by=request.user, members=members)
    paths = selectors.unit_paths([member.unit for member, _password, _reason in rows if member.unit])
    book = ExportWorkbook()
    sheet = book.sheet(_("Temporary passwords"), widths=(16, 16, 18, 40, 18, 50), frozen_rows=1)
    sheet.append(
        [_("Name"), _("Employee number"), _("Username"), _("Unit"), _("Temporary password"), _("Not set because")],
        style="header",
    )
    for member, password, reason in rows:
        unit = paths.get(member.unit_id, "") if member.unit_id else ""
        sheet.append([member.display_name, member.employee_no or "", member.username, unit, password, reason])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        book.to_bytes(), f"{_('Temporary passwords')}-{stamp}", ascii_name=f"temporary-passwords-{stamp}"
    )
