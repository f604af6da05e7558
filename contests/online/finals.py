"""The organiser's qualification page: preview who qualifies for a live final, then create it.
One page for both kinds: an individual contest qualifies members, a relay its teams."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from orgs import access
from orgs.models import Unit
from orgs.selectors import unit_paths
from quizsite.forms import NumberRangeMessages

from ..services.common import ContestRejected
from ..wizard.services import _marked_title
from . import qualification
from .models import OnlineContest
from .organiser import access_managed_contest


class QualifyForm(NumberRangeMessages, forms.Form):
    top_n = forms.IntegerField(label=gettext_lazy("how many qualify"), min_value=1, max_value=500, initial=3)
    per_group = forms.TypedChoiceField(
        label=gettext_lazy("places are counted"),
        choices=[("0", gettext_lazy("Overall")), ("1", gettext_lazy("In each unit below the level chosen"))],
        coerce=lambda value: value == "1",
        initial="1",
    )
    parent = forms.ModelChoiceField(
        label=gettext_lazy("units of the level below"),
        queryset=Unit.objects.none(),
        help_text=gettext_lazy(
            "Each unit directly below this one (a ministry system, say) is a group, "
            "and its qualified members form its team."
        ),
    )
    ties = forms.ChoiceField(
        label=gettext_lazy("a tie at the cut"),
        choices=[
            (qualification.TIES_ALL, gettext_lazy("Everyone tied on score qualifies")),
            (qualification.TIES_BREAK, gettext_lazy("Broken by accuracy, then time used")),
        ],
        initial=qualification.TIES_BREAK,
    )
    team_size = forms.IntegerField(
        label=gettext_lazy("members answering per team"),
        min_value=1,
        max_value=20,
        initial=3,
        help_text=gettext_lazy("Qualified members beyond this are the team's substitutes."),
    )
    title = forms.CharField(label=gettext_lazy("title of the final"), max_length=120)

    def __init__(self, *args, contest, user, teams: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if teams:
            self.fields["parent"].help_text = gettext_lazy(
                "Each unit directly below this one (a ministry system, say) is a group of the teams it holds."
            )
            self.fields["team_size"].help_text = gettext_lazy(
                "Runners beyond this are the team's substitutes; a unit's other members fill places left."
            )
        root = contest.paper.unit
        units = access.managed_units(user).filter(path__startswith=root.path, numchild__gt=0).order_by("path")
        self.fields["parent"].queryset = units
        # By full path, as the organiser's other forms offer units.
        paths = unit_paths(list(units))
        self.fields["parent"].label_from_instance = lambda unit: paths.get(unit.pk, unit.display_name)


@login_required
@require_http_methods(["GET", "POST"])
def qualify_page(request, contest_id: int):
    contest = access_managed_contest(request.user, contest_id)
    return qualify_view(
        request,
        contest=contest,
        candidates=qualification.member_candidates,
        back=(reverse("contests:online_dashboard", args=[contest.pk]), contest.display_title),
    )


def default_final_title(contest: OnlineContest) -> str:
    """The final's title to start with: the contest's title as typed, marked as its final in the
    language titles are typed in, whatever the page's ("2026 网上初赛·决赛" on an English page too,
    not "2026 网上初赛: final"), as a duplicated contest's title is marked as a copy
    (`duplicate_titles`)."""
    with translation.override("zh-hans"):
        return _marked_title(contest.title, _("%(title)s: final"))


def qualify_view(request, *, contest: OnlineContest, candidates, back: tuple[str, str], relay=None):
    """Preview (GET with the form's fields) or create (POST) the final of `contest`, whose
    candidates come from `candidates(subject, parent=...)`: the relay's teams when `relay` is
    given, else the contest's members."""
    initial = {"parent": contest.paper.unit, "title": default_final_title(contest)}
    data = request.POST if request.method == "POST" else (request.GET if "top_n" in request.GET else None)
    form = QualifyForm(data, initial=initial, contest=contest, user=request.user, teams=relay is not None)
    result = None
    plans = []
    if form.is_bound and form.is_valid():
        options = form.cleaned_data
        ranked = candidates(relay or contest, parent=options["parent"])
        try:
            result = qualification.qualify(
                ranked, top_n=options["top_n"], per_group=options["per_group"], ties=options["ties"]
            )
            if request.method == "POST":
                final = qualification.final_create(
                    contest=contest,
                    result=result,
                    parent=options["parent"],
                    team_size=options["team_size"],
                    title=options["title"],
                    by=request.user,
                )
                messages.success(
                    request,
                    _("The final “%(title)s” is ready with %(n)d teams: check them and add its rounds.")
                    % {"title": final.title, "n": final.teams.count()},
                )
                return redirect("contests:setup_teams", code=final.join_code)
        except ContestRejected as error:
            form.add_error(None, error.message)
        else:
            plans = qualification.plan_teams(result, parent=options["parent"], team_size=options["team_size"])
    return render(
        request,
        "contests/online/qualify.html",
        {
            "contest": contest,
            "relay": relay,
            "back_url": back[0],
            "back_label": back[1],
            "form": form,
            "result": result,
            "plans": plans,
        },
    )
