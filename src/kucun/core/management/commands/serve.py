from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kucun.core.supervisor import Child, Supervisor, python_command


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) and the queue consumer (huey) together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("KUCUN_WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="Run the consumer without the periodic schedule (when another one runs it).",
        )
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"{options['host']}:{options['port']}"
        web = Child(
            "web server",
            python_command(
                "-m",
                "gunicorn",
                "kucun.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["web_workers"]),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ),
        )
        children = [web]
        if not options["no_worker"]:
            consumer_args = ["-m", "kucun.cli", "run_huey"]
            if options["no_periodic"]:
                consumer_args.append("--no-periodic")
            children.append(Child("queue consumer", python_command(*consumer_args)))
        self.stdout.write(f"Kucun is starting on http://{bind}/  (Ctrl-C stops it)")
        self.stdout.flush()
        supervisor = Supervisor(
            children, report=lambda line: self.stderr.write(f"kucun serve: {line}")
        )
        code = supervisor.run()
        if code:
            raise SystemExit(code)
