"""Console: Channels → Stores (绑定店铺). Owners bind stores and manage their credentials;
staff pull and match; everyone may look."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kucun.accounts.choices import Role
from kucun.accounts.permissions import role_required, user_has_role
from kucun.channels import selectors_console as selectors
from kucun.channels.adapters.base import PlatformSpec
from kucun.channels.forms import PlatformChoiceForm, StoreForm, store_initial
from kucun.channels.models import Store, SyncRun
from kucun.channels.platforms import platforms
from kucun.channels.selectors import store_summary
from kucun.channels.services import listings as listing_services
from kucun.channels.services import stores as store_services
from kucun.channels.services.consent import store_consent_finish, store_consent_url
from kucun.channels.services.reconcile import reconcile_start
from kucun.core.errors import DomainError, FieldError
from kucun.core.forms import add_domain_error
from kucun.core.models import Job


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def get_store(pk: int) -> Store:
    store = Store.objects.filter(pk=pk).first()
    if store is None:
        raise Http404(_("No store has id %(id)s.") % {"id": pk})
    return store


def platform_or_404(code: str) -> PlatformSpec:
    found = platforms().get(code)
    if found is None:
        raise Http404(_("Kucun does not know the platform %(code)s.") % {"code": code})
    return found


def on_store_form(form: StoreForm, error: DomainError) -> None:
    """A service error placed on the form's own field names."""
    renamed = []
    for field_error in error.errors:
        for name in form.fields:
            if StoreForm.service_field(name) == field_error.field:
                renamed.append(FieldError(name, field_error.message))
                break
        else:
            renamed.append(field_error)
    error.errors = renamed
    add_domain_error(form, error)


@require_GET
def store_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "channels/store_list.html",
        {
            "stores": selectors.store_overview(),
            "can_bind": user_has_role(request.user, Role.OWNER),
            "platforms": platforms(),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.OWNER)
def store_create(request: HttpRequest) -> HttpResponse:
    choices = [(code, spec.label) for code, spec in platforms().items()]
    code = request.GET.get("platform") or request.POST.get("platform") or ""
    if code not in platforms():
        choice = PlatformChoiceForm(choices=choices)
        return render(request, "channels/store_platform.html", {"form": choice})
    spec = platforms()[code]
    form = StoreForm(request.POST or None, platform=spec)
    if request.method == "POST" and form.is_valid():
        try:
            store = store_services.store_create(
                actor=request.user, platform=code, **form.service_arguments()
            )
        except DomainError as error:
            on_store_form(form, error)
        else:
            messages.success(
                request,
                _("Store %(name)s bound. Test the connection, then pull its listings.")
                % {"name": store.name},
            )
            return redirect("channels:store_detail", pk=store.pk)
    return render(
        request, "channels/store_form.html", {"form": form, "platform": spec, "store": None}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.OWNER)
def store_edit(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_store(pk)
    spec = platform_or_404(store.platform)
    form = StoreForm(request.POST or None, platform=spec, store=store, initial=store_initial(store))
    if request.method == "POST" and form.is_valid():
        try:
            store_services.store_update(store=store, actor=request.user, **form.service_arguments())
        except DomainError as error:
            on_store_form(form, error)
        else:
            messages.success(request, _("Store %(name)s saved.") % {"name": store.name})
            return redirect("channels:store_detail", pk=store.pk)
    return render(
        request, "channels/store_form.html", {"form": form, "platform": spec, "store": store}
    )


@require_GET
def store_detail(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_store(pk)
    return render(request, "channels/store_detail.html", store_context(request, store))


def store_context(request: HttpRequest, store: Store, **extra: Any) -> dict[str, Any]:
    return {
        "store": store,
        "platform": platforms().get(store.platform),
        "warehouses": store.warehouses.order_by("code"),
        "runs": SyncRun.objects.filter(store=store).select_related("job")[:10],
        "listing_counts": store_summary(store),
        "can_bind": user_has_role(request.user, Role.OWNER),
        "can_work": user_has_role(request.user, Role.STAFF),
        "consent_return_url": request.build_absolute_uri(reverse("channels:store_consent_return")),
        **extra,
    }


@require_POST
@role_required(Role.STAFF)
def store_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Call the platform and show what it answered (htmx swaps the answer in place)."""
    store = get_store(pk)
    try:
        info = store_services.store_test_connection(store=store)
    except DomainError as error:
        context = {"store": store, "error": error.detail, "can_bind": False}
    else:
        context = {
            "store": store,
            "info": info,
            "can_bind": user_has_role(request.user, Role.OWNER),
        }
    return render(request, "channels/includes/connection_answer.html", context)


@require_POST
@role_required(Role.OWNER)
def store_location(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_store(pk)
    ref, _sep, name = request.POST.get("location", "").partition("|")
    try:
        store_services.store_set_location(store=store, location_ref=ref, location_name=name)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("Kucun sets %(store)s's quantities at %(location)s.")
            % {"store": store.name, "location": name or ref},
        )
    return redirect("channels:store_detail", pk=store.pk)


@require_POST
@role_required(Role.STAFF)
def store_pull(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_store(pk)
    mode = "full" if request.POST.get("mode") == "full" else "incremental"
    try:
        job = listing_services.listings_pull_enqueue(store=store, mode=mode, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("channels:store_detail", pk=store.pk)
    return redirect("channels:pull_detail", pk=store.pk, job_id=job.pk)


@require_POST
@role_required(Role.STAFF)
def store_match(request: HttpRequest, pk: int) -> HttpResponse:
    store = get_store(pk)
    try:
        run = listing_services.listings_match(store=store, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("channels:store_detail", pk=store.pk)
    return redirect("channels:run_detail", pk=run.pk)


@require_POST
@role_required(Role.STAFF)
def store_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare every linked listing's platform quantity with Kucun's now, and fix the
    differences; the run lists what differed."""
    store = get_store(pk)
    try:
        reconcile_start(store_id=store.pk, actor=request.user)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _(
                "Reconciling %(store)s: its runs below show the differences found and fixed "
                "in a moment."
            )
            % {"store": store.name},
        )
    return redirect("channels:store_detail", pk=store.pk)


@require_GET
def pull_detail(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    """A queued pull: its job's progress until the worker starts the run, then the run."""
    store = get_store(pk)
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise Http404(_("No pull has id %(id)s.") % {"id": job_id})
    run = SyncRun.objects.select_related("store", "job").filter(job=job, store=store).first()
    context = {"run": run, "job": job, "store": store}
    template = (
        "channels/includes/run_status.html" if is_htmx(request) else "channels/run_detail.html"
    )
    return render(request, template, context)


@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = SyncRun.objects.select_related("store", "job").filter(pk=pk).first()
    if run is None:
        raise Http404(_("No sync run has id %(id)s.") % {"id": pk})
    template = (
        "channels/includes/run_status.html" if is_htmx(request) else "channels/run_detail.html"
    )
    return render(request, template, {"run": run, "job": run.job, "store": run.store})


@require_POST
@role_required(Role.OWNER)
def store_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the owner to the platform's consent page (eBay) to grant Kucun access."""
    store = get_store(pk)
    try:
        url = store_consent_url(actor=request.user, store=store)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("channels:store_detail", pk=store.pk)
    return redirect(url)


@require_GET
@role_required(Role.OWNER)
def store_consent_return(request: HttpRequest) -> HttpResponse:
    """Where the consent page sends the owner back: the code becomes the refresh token."""
    state = request.GET.get("state", "")
    if request.GET.get("error"):
        messages.error(
            request,
            _("Access was not granted: %(reason)s")
            % {"reason": request.GET.get("error_description") or request.GET["error"]},
        )
        return redirect("channels:store_list")
    try:
        store = store_consent_finish(
            actor=request.user, state=state, code=request.GET.get("code", "")
        )
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("channels:store_list")
    messages.success(
        request,
        _("Access granted: %(name)s's refresh token is stored. Test the connection.")
        % {"name": store.name},
    )
    return redirect("channels:store_detail", pk=store.pk)
