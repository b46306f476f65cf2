from django.urls import path

from kucun.channels.views_hooks import webhook

app_name = "hooks"

urlpatterns = [path("<str:platform>/<int:store_id>", webhook, name="webhook")]
