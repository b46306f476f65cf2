from django.urls import path

from kucun.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.language_set, name="language"),
    path("preferences/", views.preferences, name="preferences"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/bulk/", views.user_bulk, name="user_bulk"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/password/", views.user_password, name="user_password"),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/revoke/", views.token_bulk_revoke, name="token_bulk_revoke"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
