from django.urls import include, path

from . import views

app_name = "contests"

urlpatterns = [
    path("", views.contest_list, name="list"),
    path("join/", views.join, name="join"),
    path("", include("contests.wizard.urls")),
    path("<str:code>/play/", views.play, name="play"),
    path("<str:code>/screen/", views.screen, name="screen"),
    path("<str:code>/host/", views.host, name="host"),
    path("<str:code>/results/", views.results, name="results"),
    path("<str:code>/results.xlsx", views.results_xlsx, name="results_xlsx"),
]
