from django.urls import include, path

from . import judging_views, views, views_results

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("<int:call_id>/", views.call_detail, name="detail"),
    path("<int:call_id>/honours/", views.honours, name="honours"),
    path("<int:call_id>/night/", include("calls.live.urls")),
    path("<int:call_id>/collection/", views_results.collection, name="collection"),
    path("<int:call_id>/collection.pdf", views_results.collection_pdf, name="collection_pdf"),
    path("<int:call_id>/certificates.pdf", views_results.certificate_bundle, name="certificate_bundle"),
    path("<int:call_id>/library/", views_results.publish_to_library, name="publish_to_library"),
    path("entries/<int:entry_id>/certificate.pdf", views_results.certificate, name="certificate"),
    path("entries/<int:entry_id>/", views.entry_page, name="entry"),
    path("entries/<int:entry_id>/files/<int:file_id>/", views.entry_file, name="entry_file"),
    path("entries/<int:entry_id>/previews/<int:number>/<int:page>/", views.entry_preview, name="entry_preview"),
    path("entries/<int:entry_id>/answers/<int:field_id>/", views.entry_answer_file, name="entry_answer_file"),
    path("<int:call_id>/collection/<int:entry_id>/<int:page>/", views_results.collection_page, name="collection_page"),
    path("entries/<int:entry_id>/upload/start/", views.entry_upload_start, name="entry_upload_start"),
    path("entries/<int:entry_id>/review/", views.entry_review, name="entry_review"),
    path("entries/<int:entry_id>/reopen/", views.entry_reopen, name="entry_reopen"),
    path("judging/", views.judging_list, name="judging"),
    path("judging/<int:assignment_id>/", views.judging_page, name="judging_entry"),
    path("judging/<int:assignment_id>/<str:what>", views.judging_file, name="judging_file"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/new/", views.call_edit, name="call_new"),
    path("manage/<int:call_id>/", views.manage, name="manage"),
    path("manage/<int:call_id>/edit/", views.call_edit, name="call_edit"),
    path("manage/<int:call_id>/panels/", views.panel_add, name="panel_add"),
    path("manage/judges/", judging_views.judge_accounts, name="judge_accounts"),
    path("manage/<int:call_id>/statistics/", judging_views.statistics_page, name="statistics"),
    path("manage/<int:call_id>/scores.xlsx", judging_views.scores_export, name="scores_export"),
    path("manage/<int:call_id>/remind/", judging_views.judges_remind, name="judges_remind"),
    path("manage/<int:call_id>/judges/<int:judge_id>/withdraw/", judging_views.judge_withdraw, name="judge_withdraw"),
    path("manage/<int:call_id>/conflicts/", judging_views.conflict_record, name="conflict_record"),
    path("manage/<int:call_id>/similarity/", judging_views.similarity_page, name="similarity"),
    path("manage/<int:call_id>/similarity/run/", judging_views.similarity_run, name="similarity_run"),
    path("manage/similarity/<int:pair_id>/", judging_views.similarity_decide, name="similarity_decide"),
    path("judging/<int:assignment_id>/conflict/", judging_views.conflict_declare, name="conflict_declare"),
    path("manage/<int:call_id>/<str:action>/", views.judging_action, name="judging_action"),
]
