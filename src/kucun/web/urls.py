from django.urls import path

from kucun.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("screens/<slug:slug>/", views.not_built, name="not_built"),
]
