from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user may do; each role includes everything of the ones below it."""

    VIEWER = "viewer", _("Viewer (read-only)")
    STAFF = "staff", _("Warehouse staff")
    OWNER = "owner", _("Owner")


ROLE_RANK = {Role.VIEWER: 0, Role.STAFF: 1, Role.OWNER: 2}
