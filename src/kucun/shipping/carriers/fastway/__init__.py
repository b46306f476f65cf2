"""Fastway Couriers, now Aramex Australia (and Aramex NZ): the myFastway REST API with OAuth2
client credentials (integrations/fastway.md). The carrier is ``adapter.CARRIER``."""
