from django.urls import path

from kucun.channels import views_listings, views_stores, views_sync

app_name = "channels"
urlpatterns = [
    path("stores/", views_stores.store_list, name="store_list"),
    path("stores/new/", views_stores.store_create, name="store_create"),
    path("stores/<int:pk>/", views_stores.store_detail, name="store_detail"),
    path("stores/<int:pk>/edit/", views_stores.store_edit, name="store_edit"),
    path("stores/<int:pk>/test/", views_stores.store_test, name="store_test"),
    path("stores/<int:pk>/consent/", views_stores.store_consent, name="store_consent"),
    path(
        "stores/consent/return/",
        views_stores.store_consent_return,
        name="store_consent_return",
    ),
    path("stores/<int:pk>/location/", views_stores.store_location, name="store_location"),
    path("stores/<int:pk>/pull/", views_stores.store_pull, name="store_pull"),
    path("stores/<int:pk>/match/", views_stores.store_match, name="store_match"),
    path("stores/<int:pk>/reconcile/", views_stores.store_reconcile, name="store_reconcile"),
    path("stores/<int:pk>/pulls/<int:job_id>/", views_stores.pull_detail, name="pull_detail"),
    path("runs/<int:pk>/", views_stores.run_detail, name="run_detail"),
    path("listings/", views_listings.listing_list, name="listing_list"),
    path("listings/bulk/", views_listings.listing_bulk, name="listing_bulk"),
    path("listings/items/", views_listings.listing_item_search, name="listing_item_search"),
    path("listings/<int:pk>/link/", views_listings.listing_link, name="listing_link"),
    path("sync-log/", views_sync.sync_log_view, name="sync_log"),
    path("sync-log/retry/", views_sync.sync_retry, name="sync_retry"),
    path("stock-push/", views_sync.stock_push, name="stock_push"),
]
