"""A queue task that proves a consumer is working: it answers with who ran it.

`queue_ping` is enqueued like any other task; the result shows the consumer process that ran
it and whether that process reached the database.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from django.db import connection
from huey.contrib.djhuey import db_task


@db_task()
def queue_ping(token: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        database_ok = cursor.fetchone() == (1,)
    return {
        "token": token,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "database": database_ok,
    }
