from django.urls import path

from kucun.web.data import views

# The Data screens (imports, exports and their history).
app_name = "data"
urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_create, name="import_create"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("imports/<int:pk>/file/", views.import_file, name="import_file"),
    path("imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path(
        "imports/templates/<str:kind>.<str:file_format>",
        views.import_template,
        name="import_template",
    ),
    path("exports/", views.export_list, name="export_list"),
    path("exports/new/", views.export_create, name="export_create"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("exports/<int:pk>/retry/", views.export_retry, name="export_retry"),
]
