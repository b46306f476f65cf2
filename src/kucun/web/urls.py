from django.urls import path

from kucun.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("screens/<slug:slug>/", views.not_built, name="not_built"),
]
