from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("units/add/", views.unit_add, name="unit_add"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:unit_id>/move/", views.unit_move, name="unit_move"),
    path("units/<int:unit_id>/close/", views.unit_close, name="unit_close"),
    path("units/<int:unit_id>/delete/", views.unit_delete, name="unit_delete"),
    path("activity/", views.activity, name="activity"),
    path("members/", views.member_list, name="member_list"),
    path("members/bulk/", views.member_bulk, name="member_bulk"),
    path("members/new/", views.member_new, name="member_new"),
    path("members/<int:member_id>/", views.member_detail, name="member_detail"),
    path("members/<int:member_id>/unlock/", views.member_signin_unlock, name="member_signin_unlock"),
    path("members/<int:member_id>/password/", views.member_password_reset, name="member_password_reset"),
    path(
        "members/<int:member_id>/devices/<int:token_id>/sign-out/",
        views.member_device_sign_out,
        name="member_device_sign_out",
    ),
    path("members/import/", views.member_import, name="member_import"),
    path("members/import/template.xlsx", views.member_import_template, name="member_import_template"),
    path("members/import/problems.xlsx", views.member_import_errors, name="member_import_errors"),
]
