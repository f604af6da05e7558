from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("members/", views.member_list, name="member_list"),
    path("members/bulk/", views.member_bulk, name="member_bulk"),
    path("members/<int:member_id>/", views.member_detail, name="member_detail"),
    path("members/<int:member_id>/unlock/", views.member_signin_unlock, name="member_signin_unlock"),
    path("members/import/", views.member_import, name="member_import"),
    path("members/import/template.xlsx", views.member_import_template, name="member_import_template"),
]
