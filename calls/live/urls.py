from django.urls import path

from . import views

urlpatterns = [
    path("host/", views.host, name="night_host"),
    path("screen/", views.screen, name="night_screen"),
    path("judge/", views.judge, name="night_judge"),
]
