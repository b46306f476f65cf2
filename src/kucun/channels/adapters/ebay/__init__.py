"""eBay: the Inventory API for listings and stock, the Notification API for events
(integrations/ebay.md). The platform is ``adapter.PLATFORM``."""
