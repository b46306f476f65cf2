from django.urls import path

from kucun.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.language_set, name="language"),
    path("preferences/", views.preferences, name="preferences"),
]
