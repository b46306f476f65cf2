"""Shipping → Rules (订单规则)."""

from django.urls import URLPattern, URLResolver, path

from kucun.shipping import views_rules

urlpatterns: list[URLPattern | URLResolver] = [
    path("rules/", views_rules.rule_list, name="rule_list"),
    path("rules/new/", views_rules.rule_create, name="rule_create"),
    path("rules/reorder/", views_rules.rule_reorder, name="rule_reorder"),
    path("rules/test/", views_rules.rule_test, name="rule_test"),
    path("rules/<int:pk>/edit/", views_rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views_rules.rule_delete, name="rule_delete"),
    path("rules/<int:pk>/toggle/", views_rules.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/move/", views_rules.rule_move, name="rule_move"),
]
