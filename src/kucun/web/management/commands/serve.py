from __future__ import annotations

import os
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from kucun.core.supervisor import Child, Supervisor, python_command


def gunicorn_has_setting(name: str) -> bool:
    from gunicorn import config

    return any(setting.name == name for setting in config.KNOWN_SETTINGS)


# How long a kept-alive client connection may stay idle between two requests.
KEEP_ALIVE_SECONDS = 5


def web_server_command(*, host: str, port: int, workers: int, threads: int = 1) -> list[str]:
    extra = []
    if gunicorn_has_setting("control_socket_disable"):
        # Newer gunicorn opens a control socket in the home directory; several servers on one
        # machine would fight over it, and Kucun does not use it.
        extra.append("--no-control-socket")
    return python_command(
        "-m",
        "gunicorn",
        "kucun.wsgi:application",
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers",
        str(workers),
        # Threaded workers keep HTTP/1.1 connections alive between requests (sync workers close
        # every connection), so an API client does not connect anew for each call.
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        *extra,
    )


def consumer_command(*, periodic: bool) -> list[str]:
    args = ["-m", "kucun.cli", "run_huey"]
    if not periodic:
        # huey's own flag: this consumer works the queue but does not enqueue periodic tasks.
        args.append("--no-periodic")
    return python_command(*args)


def sandbox_url(host: str, port: int) -> str:
    """This server's address as seen from this machine (a wildcard host is reached on loopback)."""
    if host in {"0.0.0.0", ""}:  # noqa: S104 - an address compared, not bound
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Command(BaseCommand):
    help = (
        "Run the production web server (gunicorn) and the queue consumer (huey, with the "
        "periodic schedule) as child processes. Ctrl-C or SIGTERM stops both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--web-workers",
            type=int,
            default=int(os.environ.get("KUCUN_WEB_WORKERS", "2")),
            help="Web server processes (default: KUCUN_WEB_WORKERS or 2).",
        )
        parser.add_argument(
            "--web-threads",
            type=int,
            default=int(os.environ.get("KUCUN_WEB_THREADS", "4")),
            help="Request threads of each web server process (default: KUCUN_WEB_THREADS or 4).",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Run the consumer without the periodic schedule (when another one runs it).",
        )
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")

    def check_ready(self) -> None:
        """Refuse to start on a database or static files that are not set up yet."""
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:
            raise CommandError(f"The database cannot be reached: {error}") from error
        finally:
            connection.close()
        if plan:
            raise CommandError(
                f"The database has {len(plan)} unapplied migration(s): run `kucun migrate` first."
            )
        backend = settings.STORAGES["staticfiles"]["BACKEND"]
        manifest = settings.STATIC_ROOT / "staticfiles.json"
        if "Manifest" in backend and not manifest.exists():
            raise CommandError(
                f"Static files are not collected in {settings.STATIC_ROOT}: "
                "run `kucun collectstatic --noinput` first."
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["port"] <= 0 or options["port"] > 65535:
            raise CommandError("--port must be between 1 and 65535.")
        if options["web_workers"] < 1:
            raise CommandError("--web-workers must be at least 1.")
        if options["web_threads"] < 1:
            raise CommandError("--web-threads must be at least 1.")
        self.check_ready()
        host, port = options["host"], options["port"]
        # The children inherit it: sandbox stores reach their emulators on this very server.
        os.environ.setdefault("KUCUN_SANDBOX_URL", sandbox_url(host, port))
        children = [
            Child(
                "web server",
                web_server_command(
                    host=host,
                    port=port,
                    workers=options["web_workers"],
                    threads=options["web_threads"],
                ),
                stop_signal=signal.SIGTERM,  # gunicorn: graceful stop
            )
        ]
        if not options["no_worker"]:
            children.append(
                Child(
                    "queue consumer",
                    consumer_command(periodic=not options["no_periodic"]),
                    stop_signal=signal.SIGINT,  # huey: graceful stop, lets running tasks finish
                )
            )
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"Kucun is starting on http://{shown}:{port}/  (Ctrl-C stops it)")
        self.stdout.flush()
        supervisor = Supervisor(
            children, report=lambda line: self.stderr.write(f"kucun serve: {line}")
        )
        code = supervisor.run()
        if code:
            raise SystemExit(code)
