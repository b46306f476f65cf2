"""The control plane every emulator offers under ``__emu/`` (integrations/README.md §2.2), and
the access checks of the sandbox's own pages. Staff only: a console session or an API token of
a user with the staff role or above."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt

from kucun.core.access import request_user, user_holds_role
from kucun.sandbox.emulator import Emulator, add_fault, json_answer, json_body
from kucun.sandbox.models import EmulatorFault

View = Callable[..., HttpResponse]


def operator_required(role: str, *, page: bool = False) -> Callable[[View], View]:
    """Refuse a request whose user (session or bearer token) does not hold ``role``; a
    ``page`` sends a visitor who is not logged in to the login page instead."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request_user(request)
            if user is None and page:
                return redirect_to_login(request.get_full_path())
            if user is None:
                return json_answer({"error": "log in, or send an API token"}, status=401)
            if not user_holds_role(user, role):
                return json_answer({"error": f"the {role} role is required"}, status=403)
            request.user = user
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def control_patterns(
    emulator: Emulator,
    *,
    reset: Callable[[], None],
    seed: Callable[[Any], Any],
    state: Callable[[HttpRequest], Any],
    extra: Mapping[str, View] | None = None,
) -> list[URLPattern]:
    """``__emu/reset``, ``seed``, ``state``, ``faults``, ``clock``, ``rate-limit``, ``requests``
    and any ``extra`` (name → view, e.g. ``webhooks/fire``, ``orders``), staff only.

    ``reset()`` wipes and reloads the emulator's seed fixtures; ``seed(json)`` loads more and
    answers what it loaded (or an HttpResponse refusing it); ``state(request)`` dumps what a
    test asserts on."""
    staff = operator_required("staff")

    @csrf_exempt
    @staff
    def reset_view(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return json_answer({"error": "POST"}, status=405)
        reset()
        return json_answer({"reset": emulator.system})

    @csrf_exempt
    @staff
    def seed_view(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return json_answer({"error": "POST"}, status=405)
        body = json_body(request)
        if not isinstance(body, dict):
            return json_answer({"error": "a JSON object is expected"}, status=400)
        loaded = seed(body)
        # A seed may refuse what it was given with an answer of its own (a 400 naming why).
        return loaded if isinstance(loaded, HttpResponse) else json_answer(loaded)

    @csrf_exempt
    @staff
    def state_view(request: HttpRequest) -> HttpResponse:
        return json_answer(state(request))

    @csrf_exempt
    @staff
    def faults_view(request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            body = json_body(request)
            specs = body if isinstance(body, list) else [body]
            if not all(isinstance(spec, dict) for spec in specs):
                return json_answer({"error": "a fault object or a list of them"}, status=400)
            created = [add_fault(emulator, spec).pk for spec in specs]
            return json_answer({"faults": created}, status=201)
        if request.method == "DELETE":
            EmulatorFault.objects.filter(system=emulator.system).delete()
            return json_answer({"faults": []})
        faults = EmulatorFault.objects.filter(system=emulator.system).values()
        return json_answer({"faults": list(faults)})

    @csrf_exempt
    @staff
    def clock_view(request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            body = json_body(request) or {}
            emulator.set_clock(
                freeze=body.get("freeze"), advance_seconds=float(body.get("advance_seconds", 0))
            )
        return json_answer({"now": emulator.now().isoformat()})

    @csrf_exempt
    @staff
    def rate_limit_view(request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            body = json_body(request) or {}
            limit = {
                name: float(body[name])
                for name in ("capacity", "refill_per_second")
                if name in body
            }
            emulator.set_setting("rate_limit", {**emulator.setting("rate_limit", {}), **limit})
        return json_answer(emulator.rate_limit())

    @csrf_exempt
    @staff
    def requests_view(request: HttpRequest) -> HttpResponse:
        since = int(request.GET.get("since_id", "0") or 0)
        account = request.GET.get("account")
        return json_answer({"count": emulator.request_count(account, since)})

    patterns = [
        path("__emu/reset", reset_view),
        path("__emu/seed", seed_view),
        path("__emu/state", state_view),
        path("__emu/faults", faults_view),
        path("__emu/clock", clock_view),
        path("__emu/rate-limit", rate_limit_view),
        path("__emu/requests", requests_view),
    ]
    for name, view in (extra or {}).items():
        patterns.append(path(f"__emu/{name}", csrf_exempt(staff(view))))
    return patterns
