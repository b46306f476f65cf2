"""/api/v1/carrier-accounts, /shipping-rules, /shipments, /manifests and /box-presets.

Owners manage carrier accounts and their credentials; staff write rules and shipments; viewers
read. No answer ever carries a secret: credentials come back as masks only.
"""

from ninja import Router

from kucun.shipping.api.carriers import router as carriers_router
from kucun.shipping.api.rules import router as rules_router
from kucun.shipping.api.shipments import router as shipments_router

router = Router()
router.add_router("/", carriers_router)
router.add_router("/", rules_router)
router.add_router("/", shipments_router)
