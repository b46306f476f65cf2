from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kucun.accounts import services
from kucun.accounts.forms import ThrottledAuthenticationForm


@method_decorator(login_not_required, name="dispatch")
class ThrottledLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("accounts:login"))


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    services.user_set_language(user=request.user, language=language)
    response = HttpResponseRedirect(safe_next(request, reverse("web:home")))
    response.set_cookie("kucun_language", services.normalised_language(language), samesite="Lax")
    return response


def preferences(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/preferences.html")
