"""/api/v1/orders, /order-downloads, /stores/{id}/order-downloads and /geocoding/postcodes.

Roles as for stores: staff download, confirm, cancel, reship and retry; viewers read; owners
also see each order's raw payload.
"""

from ninja import Router

from kucun.orders.api.downloads import router as downloads_router
from kucun.orders.api.geocoding import router as geocoding_router
from kucun.orders.api.orders import router as orders_router

router = Router()
router.add_router("/", orders_router)
router.add_router("/", downloads_router)
router.add_router("/", geocoding_router)
