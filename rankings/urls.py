from django.urls import path

from . import views, views_rules

app_name = "rankings"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("rules/", views_rules.rule_builder_list, name="rule_builder"),
    path("rules/new/", views_rules.rule_new, name="rule_new"),
    path("<slug:slug>/edit/", views_rules.rule_edit, name="rule_edit"),
    path("<slug:slug>/duplicate/", views_rules.rule_duplicate, name="rule_duplicate"),
    path("<slug:slug>/", views.board, name="board"),
    path("<slug:slug>/screen/", views.screen, name="screen"),
    path("<slug:slug>/honours/", views.honours, name="honours"),
    path("<slug:slug>/export.xlsx", views.export_xlsx, name="export"),
    path("<slug:slug>/certificates.pdf", views.certificate_bundle, name="certificate_bundle"),
    path("<slug:slug>/certificates/<int:subject_id>.pdf", views.certificate, name="certificate"),
    path("<slug:slug>/v<int:version>/verify/", views.verify, name="verify"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path("<slug:slug>/manage/compute/", views.compute, name="compute"),
    path("<slug:slug>/manage/headcounts/", views.headcounts, name="headcounts"),
    path("<slug:slug>/manage/headcounts.xlsx", views.headcounts_template, name="headcounts_template"),
    path("<slug:slug>/manage/runs/<int:run_id>/", views.run_progress, name="run_progress"),
    path("<slug:slug>/manage/v<int:version>/approve/", views.approve, name="approve"),
    path("<slug:slug>/manage/v<int:version>/publish/", views.publish, name="publish"),
]
