import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_requires_login() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_health_is_public_and_reports_the_database() -> None:
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


def test_unbuilt_screen_says_so_plainly(viewer_client: Client) -> None:
    response = viewer_client.get("/screens/orders/")
    assert response.status_code == 200
    assert b'data-not-built="orders"' in response.content


def test_unknown_screen_is_404(viewer_client: Client) -> None:
    assert viewer_client.get("/screens/nothing-here/").status_code == 404
