from django.urls import path  # noqa: F401

# The Data screens (imports, exports and their history).
app_name = "data"
urlpatterns: list = []
