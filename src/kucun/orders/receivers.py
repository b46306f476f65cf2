"""What the orders app registers with the layers below it (channels' webhooks and
before-overwrite hook, inventory's availability announcements)."""
