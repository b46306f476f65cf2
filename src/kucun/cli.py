"""The `kucun` command: Kucun's own commands plus every Django management command."""

from __future__ import annotations

import os
import sys

# Names that are not valid module names, or read better on the command line.
COMMAND_ALIASES = {"import": "import_data", "export": "export_data"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    args[0] = "kucun"
    if len(args) > 1 and args[1] in COMMAND_ALIASES:
        args[1] = COMMAND_ALIASES[args[1]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kucun.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
