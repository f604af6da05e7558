"""The admin's scoped forms still check every relation against what the user may access. Only
superusers enter /admin/ now (tests/orgs/test_admin.py); these checks stay as a second line should
a non-superuser ever reach a model admin, and are tested here on the forms themselves."""

from django.contrib import admin
from django.contrib.admin.filters import RelatedOnlyFieldListFilter
from django.utils import translation

from contests import services as contest_services
from contests.models import Team
from orgs.admin import ScopedAdmin


def test_no_scoped_admin_filters_on_a_relation_that_would_list_every_row():
    """Django's related-field filter lists every row of the related model; only the
    related-only filter stays inside the admin's queryset."""
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ScopedAdmin):
            continue
        for entry in model_admin.list_filter:
            name, filter_class = entry if isinstance(entry, tuple) else (entry, None)
            if isinstance(name, str) and "__" not in name and model._meta.get_field(name).is_relation:
                assert filter_class is RelatedOnlyFieldListFilter, f"{model.__name__}.{name}"


def test_the_form_checks_relations_again_even_when_a_field_offers_more(rf, tree, gz_organiser):
    """A field that offers too much (a custom form, a widened queryset) still cannot save a
    foreign row: the scoped form checks every relation's value when it cleans."""
    theirs = contest_services.contest_create(title="京津冀竞赛", unit=tree["jjj"])
    request = rf.post("/")
    request.user = gz_organiser
    team_admin = admin.site._registry[Team]
    form = team_admin.get_form(request)(
        data={"contest": theirs.pk, "name": "混入队", "unit": tree["gz1"].pk, "position": 0}
    )
    form.fields["contest"].queryset = type(theirs).objects.all()
    with translation.override("en"):
        assert not form.is_valid() and form.errors["contest"] == ["This is outside what you may access."]
