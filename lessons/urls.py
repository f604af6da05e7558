from django.urls import path

from .views import authoring, member, organiser, videos

app_name = "lessons"

urlpatterns = [
    path("study/", member.study_home, name="study_home"),
    path("study/papers/<int:paper_id>/start/", member.paper_start, name="paper_start"),
    path("study/attempts/<int:attempt_id>/", member.attempt_page, name="attempt"),
    path("study/attempts/<int:attempt_id>/submit/", member.attempt_submit, name="attempt_submit"),
    path("study/attempts/<int:attempt_id>/result/", member.attempt_result, name="attempt_result"),
    path("study/notebook/", member.notebook_page, name="notebook"),
    path("study/notebook/<int:entry_id>/review/", member.notebook_review, name="notebook_review"),
    path("study/points/", member.points_page, name="points"),
    path("banks/", organiser.bank_list, name="bank_list"),
    path("banks/<slug:slug>/", organiser.bank_detail, name="bank_detail"),
    path("banks/<slug:slug>/export.xlsx", organiser.bank_export_view, name="bank_export"),
    path("banks/<slug:slug>/import/", organiser.bank_import, name="bank_import"),
    path("banks/<slug:slug>/questions/new/", authoring.question_editor, name="question_new"),
    path("banks/<slug:slug>/questions/<int:question_id>/", authoring.question_editor, name="question_edit"),
    path("banks/<slug:slug>/images/", authoring.question_image_draft, name="question_image_draft"),
    path("questions/images/<int:version_id>/", authoring.question_image, name="question_image"),
    path("imports/template.xlsx", authoring.import_template, name="import_template"),
    path("imports/<int:job_id>/", organiser.import_job, name="import_job"),
    path("imports/<int:job_id>/progress.json", organiser.import_job_progress, name="import_job_progress"),
    path("lessons/", videos.library, name="library"),
    path("lessons/manage/", videos.manage, name="lesson_manage"),
    path("lessons/uploads/<uuid:upload_id>/", videos.upload_chunk, name="upload_chunk"),
    path("lessons/<int:lesson_id>/", videos.player, name="player"),
    path("lessons/<int:lesson_id>/heartbeat/", videos.heartbeat, name="heartbeat"),
    path("lessons/<int:lesson_id>/media/<path:name>", videos.media, name="lesson_media"),
    path("lessons/<int:lesson_id>/upload/", videos.upload_page, name="lesson_upload"),
    path("lessons/<int:lesson_id>/upload/start/", videos.upload_start, name="lesson_upload_start"),
    path("lessons/<int:lesson_id>/status.json", videos.lesson_status, name="lesson_status"),
    path("lessons/<int:lesson_id>/report/", videos.report, name="lesson_report"),
    path("lessons/<int:lesson_id>/report.xlsx", videos.report_xlsx, name="lesson_report_xlsx"),
    path("papers/", organiser.paper_list, name="paper_list"),
    path("papers/<int:paper_id>/statistics/", organiser.paper_statistics_view, name="paper_statistics"),
]
