"""/api/v1/orders, /order-downloads, /stores/{id}/order-downloads and /geocoding/postcodes.

Roles as for stores: staff download, confirm, cancel, reship and retry; viewers read; owners
also see each order's raw payload.
"""

from ninja import Router

router = Router()
