"""The REST API under /api/v1/: every operation needs a session or a bearer token."""

from ninja import NinjaAPI

from kucun import __version__
from kucun.accounts.api import router as accounts_router
from kucun.accounts.auth import api_auth
from kucun.catalog.api import router as catalog_router
from kucun.channels.api import router as channels_router
from kucun.core.api_errors import install_error_handlers
from kucun.inventory.api import router as inventory_router
from kucun.orders.api import router as orders_router
from kucun.shipping.api import router as shipping_router
from kucun.warehouses.api import router as warehouses_router
from kucun.web.data.api import router as data_router

api = NinjaAPI(
    title="Kucun API",
    version=__version__,
    description="Multi-channel inventory: warehouses, bins, items, stock, documents.",
    auth=api_auth,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", warehouses_router)
api.add_router("/", catalog_router)
api.add_router("/", inventory_router)
api.add_router("/", channels_router)
api.add_router("/", shipping_router)
api.add_router("/", orders_router)
api.add_router("/", data_router)
