"""The contest builder's addresses, inside the contests namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.contest_new, name="setup_new"),
    path("<str:code>/setup/", views.setup_basics, name="setup_basics"),
    path("<str:code>/setup/teams/", views.setup_teams, name="setup_teams"),
    path("<str:code>/setup/teams/roster/", views.setup_roster, name="setup_roster"),
    path("<str:code>/setup/teams/roster-template.xlsx", views.roster_template, name="setup_roster_template"),
    path("<str:code>/setup/teams/<int:team_id>/arrange/", views.team_arrange, name="setup_team_arrange"),
    path("<str:code>/setup/teams/<int:team_id>/add/", views.team_member_add, name="setup_team_member_add"),
    path("<str:code>/setup/teams/<int:team_id>/candidates/", views.team_candidates, name="setup_team_candidates"),
    path("<str:code>/setup/teams/<int:team_id>/drop/", views.team_member_remove, name="setup_team_member_remove"),
    path("<str:code>/setup/teams/<int:team_id>/remove/", views.team_remove, name="setup_team_remove"),
    path("<str:code>/setup/rounds/", views.setup_rounds, name="setup_rounds"),
    path("<str:code>/setup/rounds/<int:round_id>/remove/", views.round_remove, name="setup_round_remove"),
    path("<str:code>/setup/review/", views.setup_review, name="setup_review"),
    path("<str:code>/rehearse/", views.rehearse, name="setup_rehearse"),
    path("<str:code>/duplicate/", views.duplicate, name="setup_duplicate"),
    path("<str:code>/delete/", views.contest_delete, name="setup_delete"),
]
