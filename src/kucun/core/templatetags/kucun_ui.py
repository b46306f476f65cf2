"""Small template helpers shared by the console's list pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], key: str, label: str) -> SafeString:
    """A column header that sorts by key, toggling the direction when already sorted by it."""
    request = context["request"]
    sort = context.get("sort")
    descending_now = sort is not None and sort.key == key and not sort.descending
    query = request.GET.copy()
    query["sort"] = f"-{key}" if descending_now else key
    query.pop("page", None)
    arrow = ""
    if sort is not None and sort.key == key:
        arrow = " ▼" if sort.descending else " ▲"
    return format_html('<a class="sort-link" href="?{}">{}{}</a>', query.urlencode(), label, arrow)


@register.filter
def field_type(bound_field: Any) -> str:
    return str(bound_field.field.widget.__class__.__name__)


@register.simple_tag
def chinese_name(name: str) -> str:
    """The Chinese name a merchant knows a screen by, beside its title; nothing in Chinese,
    where the title is that name already."""
    if (translation.get_language() or "").startswith("zh"):
        return ""
    return format_html('<small class="text-secondary">{}</small>', name)
