"""/api/v1/stores and /api/v1/listings (and the stock sync's endpoints beside them).

Owners bind stores and manage their credentials; staff pull, match and link; viewers read.
No answer ever carries a secret: credentials come back as masks only.
"""

from ninja import Router

from kucun.channels.api.listings import router as listings_router
from kucun.channels.api.stores import router as stores_router
from kucun.channels.api.sync import router as sync_router

router = Router()
router.add_router("/", stores_router)
router.add_router("/", listings_router)
router.add_router("/", sync_router)
