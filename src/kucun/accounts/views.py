from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kucun.accounts import selectors, services
from kucun.accounts.choices import Role
from kucun.accounts.forms import (
    PasswordSetForm,
    ThrottledAuthenticationForm,
    TokenCreateForm,
    UserCreateForm,
    UserEditForm,
)
from kucun.accounts.permissions import role_required
from kucun.core.bulk_actions import bulk_apply, bulk_report, selected_ids
from kucun.core.errors import DomainError
from kucun.core.forms import add_domain_error
from kucun.core.pagination import apply_sort, paginate

USER_SORTS = {
    "username": "username",
    "email": "email",
    "role": "role",
    "active": "is_active",
    "last_login": "last_login",
    "joined": "date_joined",
}
TOKEN_SORTS = {
    "name": "name",
    "user": "user__username",
    "created": "created_at",
    "last_used": "last_used_at",
    "revoked": "revoked_at",
}


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


def active_filter(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


# ---------------------------------------------------------------- users & roles


@role_required(Role.OWNER)
def user_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", "").strip(),
        "role": request.GET.get("role", ""),
        "active": request.GET.get("active", ""),
    }
    users = selectors.user_list(
        text=filters["q"], role=filters["role"], active=active_filter(filters["active"])
    )
    users, sort = apply_sort(users, request, USER_SORTS, "username")
    page = paginate(request, users)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page_obj": page,
            "users": page.object_list,
            "sort": sort,
            "filters": filters,
            "roles": Role.choices,
            "filtered": any(filters.values()),
        },
    )


@require_POST
@role_required(Role.OWNER)
def user_bulk(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    ids = selected_ids(request)
    if action not in {"activate", "deactivate"} or not ids:
        messages.error(request, _("Select at least one user and an action."))
        return redirect(safe_next(request, reverse("accounts:user_list")))
    try:
        changed = services.users_set_active(
            user=request.user, user_ids=ids, active=action == "activate"
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext("%(count)d user changed.", "%(count)d users changed.", changed)
            % {"count": changed},
        )
    return redirect(safe_next(request, reverse("accounts:user_list")))


@role_required(Role.OWNER)
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.user_create(
                user=request.user,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                password=form.cleaned_data["password"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("User %(username)s created.") % {"username": created.username}
            )
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@role_required(Role.OWNER)
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_by_id(user_id)
    initial: dict[str, Any] = {
        "email": target.email,
        "role": target.role,
        "is_active": target.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.user_update(
                user=request.user,
                user_id=target.pk,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("User %(username)s saved.") % {"username": target.username})
            if updated.pk == request.user.pk and not updated.has_role(Role.OWNER):
                # An owner who stepped down can no longer see the users list.
                return redirect("web:home")
            return redirect("accounts:user_list")
    return render(
        request,
        "accounts/user_edit.html",
        {"form": form, "target": target, "password_form": PasswordSetForm()},
    )


@role_required(Role.OWNER)
def user_password(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_by_id(user_id)
    form = PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                user=request.user, user_id=target.pk, password=form.cleaned_data["password"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if target.pk == request.user.pk:
                # Keep the owner who changed their own password logged in here.
                target.refresh_from_db()
                update_session_auth_hash(request, target)
            messages.success(
                request,
                _("New password set for %(username)s.") % {"username": target.username},
            )
            return redirect("accounts:user_edit", user_id=target.pk)
    return render(request, "accounts/user_password.html", {"form": form, "target": target})


@require_POST
@role_required(Role.OWNER)
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_by_id(user_id)
    try:
        services.user_update(user=request.user, user_id=target.pk, is_active=False)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("accounts:user_edit", user_id=target.pk)
    messages.success(request, _("User %(username)s deactivated.") % {"username": target.username})
    return redirect("accounts:user_list")


# ---------------------------------------------------------------- API tokens


def token_list(request: HttpRequest) -> HttpResponse:
    filters = {"q": request.GET.get("q", "").strip(), "active": request.GET.get("active", "")}
    tokens = selectors.api_token_list(
        user=request.user, text=filters["q"], active=active_filter(filters["active"])
    )
    tokens, sort = apply_sort(tokens, request, TOKEN_SORTS, "-created")
    page = paginate(request, tokens)
    return render(
        request,
        "accounts/token_list.html",
        {
            "page_obj": page,
            "tokens": page.object_list,
            "sort": sort,
            "filters": filters,
            "filtered": any(filters.values()),
            "show_user": request.user.has_role(Role.OWNER),  # type: ignore[union-attr]
        },
    )


def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, plain = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            # Shown on this response only: the token is not stored and never shown again.
            response = render(
                request, "accounts/token_created.html", {"token": token, "plain": plain}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "accounts/token_form.html", {"form": form})


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.api_token_revoke(user=request.user, token_id=token_id)
    messages.success(request, _("API token %(name)s revoked.") % {"name": token.name})
    return redirect(safe_next(request, reverse("accounts:token_list")))


@require_POST
def token_bulk_revoke(request: HttpRequest) -> HttpResponse:
    """Revoke each ticked token on its own: one the user may not manage is named as not done,
    and the others are revoked all the same."""
    ids = selected_ids(request)
    if not ids:
        messages.error(request, _("Select at least one token to revoke."))
        return redirect(safe_next(request, reverse("accounts:token_list")))
    visible = {
        token.pk: token for token in selectors.api_token_list(user=request.user).filter(pk__in=ids)
    }
    outcome = bulk_apply(
        [(visible[pk].name if pk in visible else f"#{pk}", pk) for pk in ids],
        lambda pk: services.api_token_revoke(user=request.user, token_id=pk),
    )
    active_before = [pk for pk, token in visible.items() if token.revoked_at is None]
    revoked = (
        selectors.api_token_list(user=request.user, active=False)
        .filter(pk__in=active_before)
        .count()
    )
    bulk_report(
        request,
        outcome,
        ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked)
        % {"count": revoked},
    )
    return redirect(safe_next(request, reverse("accounts:token_list")))
