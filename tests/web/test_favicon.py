"""The favicon: linked from every page, and /favicon.ico answers for browsers that ask for it."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_favicon_ico_answers_with_our_svg_without_login() -> None:
    response = Client().get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "max-age=86400" in response["Cache-Control"]
    found = finders.find("core/favicon.svg")
    assert found is not None
    with open(found, "rb") as icon:
        assert response.content == icon.read()
    assert response.content.startswith(b"<svg ")


def test_pages_link_the_icon(staff_client: Client) -> None:
    html = staff_client.get("/").content.decode()

    assert '<link rel="icon" href="/static/core/favicon.svg" type="image/svg+xml">' in html


def test_the_login_page_links_it_too() -> None:
    html = Client().get("/accounts/login/").content.decode()

    assert 'rel="icon"' in html
