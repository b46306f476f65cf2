from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and `kucun serve` checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database_ok = True
    except Exception:
        database_ok = False
    status = 200 if database_ok else 503
    return JsonResponse(
        {"status": "ok" if database_ok else "unavailable", "database": database_ok}, status=status
    )
