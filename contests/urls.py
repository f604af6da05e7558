from django.urls import include, path

from . import corrections, views
from .online import finals as online_finals
from .online import organiser as online_organiser
from .online import organiser_actions as online_actions
from .online import views as online
from .relay import organiser as relay_organiser
from .relay import views as relay

app_name = "contests"

urlpatterns = [
    path("", views.contest_list, name="list"),
    path("join/", views.join, name="join"),
    path("", include("contests.wizard.urls")),
    path("online/", online.contest_list, name="online_list"),
    path("online/<int:contest_id>/", online.contest_home, name="online_home"),
    path("online/<int:contest_id>/start/", online.attempt_start, name="online_start"),
    path("online/attempts/<int:attempt_id>/", online.attempt_page, name="online_attempt"),
    path("online/attempts/<int:attempt_id>/items/<int:position>/", online.item_save, name="online_item_save"),
    path("online/attempts/<int:attempt_id>/items/<int:position>/open/", online.item_open, name="online_item_open"),
    path("online/attempts/<int:attempt_id>/events/", online.integrity_event, name="online_event"),
    path("online/attempts/<int:attempt_id>/submit/", online.attempt_submit, name="online_submit"),
    path("online/attempts/<int:attempt_id>/result/", online.attempt_result, name="online_result"),
    path("online/manage/", online_organiser.manage_list, name="online_manage"),
    path("online/manage/new/", online_organiser.contest_edit, name="online_new"),
    path("online/manage/<int:contest_id>/edit/", online_organiser.contest_edit, name="online_edit"),
    path("online/manage/<int:contest_id>/delete/", online_organiser.contest_delete, name="online_delete"),
    path("online/manage/<int:contest_id>/", online_organiser.dashboard, name="online_dashboard"),
    path("online/manage/<int:contest_id>/attempts.xlsx", online_organiser.attempts_xlsx, name="online_export"),
    path("online/manage/<int:contest_id>/qualify/", online_finals.qualify_page, name="online_qualify"),
    path("online/manage/<int:contest_id>/remind/", online_actions.remind, name="online_remind"),
    path("online/manage/<int:contest_id>/review/", online_actions.flag_reviewed, name="online_flag_reviewed"),
    path("online/manage/<int:contest_id>/screen/", online_actions.screen, name="online_screen"),
    path("online/manage/<int:contest_id>/screen.json", online_actions.screen_data, name="online_screen_data"),
    path("relays/", relay.relay_list, name="relay_list"),
    path("relays/<int:relay_id>/", relay.relay_home, name="relay_home"),
    path("relays/<int:relay_id>/teams/<int:team_id>/start/", relay.leg_start, name="relay_start"),
    path("relays/<int:relay_id>/legs/<int:leg_id>/skip/", relay.leg_skip, name="relay_skip"),
    path("relays/<int:relay_id>/legs/<int:leg_id>/replace/", relay.leg_replace, name="relay_replace"),
    path("relays/manage/", relay_organiser.manage_list, name="relay_manage"),
    path("relays/manage/new/", relay_organiser.relay_edit, name="relay_new"),
    path("relays/manage/<int:relay_id>/edit/", relay_organiser.relay_edit, name="relay_edit"),
    path("relays/manage/<int:relay_id>/delete/", relay_organiser.relay_delete, name="relay_delete"),
    path("relays/manage/<int:relay_id>/teams/", relay_organiser.relay_teams, name="relay_teams"),
    path(
        "relays/manage/<int:relay_id>/roster-template.xlsx",
        relay_organiser.relay_roster_template,
        name="relay_roster_template",
    ),
    path("relays/manage/<int:relay_id>/", relay_organiser.relay_map, name="relay_map"),
    path("relays/manage/<int:relay_id>/qualify/", relay_organiser.relay_qualify, name="relay_qualify"),
    path("relays/manage/<int:relay_id>/legs.xlsx", relay_organiser.legs_xlsx, name="relay_export"),
    path("<str:code>/play/", views.play, name="play"),
    path("<str:code>/screen/", views.screen, name="screen"),
    path("<str:code>/host/", views.host, name="host"),
    path("<str:code>/results/", views.results, name="results"),
    path("<str:code>/results/correct/", corrections.results_correct, name="results_correct"),
    path("<str:code>/results.xlsx", views.results_xlsx, name="results_xlsx"),
]
