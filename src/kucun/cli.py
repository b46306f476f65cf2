"""The `kucun` command: Kucun's own commands plus every Django management command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kucun.locations import SQLITE_FILE_NAME, var_dir

# Names that are not valid module names, or read better on the command line.
COMMAND_ALIASES = {"import": "import_data", "export": "export_data"}

# Commands that may run before a database exists: they create it (migrate), or prepare files
# next to it (compile_translations, collectstatic), or touch no data at all. Every other
# command works on an existing database, and refuses to start without one rather than create
# an empty one (with a new secret key) in whatever directory it was run from. `make run` runs
# compile_translations, collectstatic and migrate first, so demo and serve find the database.
COMMANDS_WITHOUT_DATABASE = frozenset(
    {
        "migrate",
        "compile_translations",
        "collectstatic",
        "makemigrations",
        "makemessages",
        "help",
        "version",
        "--help",
        "-h",
        "--version",
    }
)


def sqlite_database_path() -> Path | None:
    """The SQLite file the settings will open, or None when the database is a server."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return var_dir() / SQLITE_FILE_NAME
    import dj_database_url

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.sqlite3" or config["NAME"] == ":memory:":
        return None
    return Path(str(config["NAME"])).resolve()


def missing_database_message(command: str) -> str | None:
    """Why ``command`` cannot run, when it needs a database that is not there."""
    if command in COMMANDS_WITHOUT_DATABASE:
        return None
    path = sqlite_database_path()
    if path is None or path.exists():
        return None
    if os.environ.get("DATABASE_URL"):
        looked = f"DATABASE_URL names {path}"
    elif os.environ.get("KUCUN_VAR_DIR"):
        looked = f"KUCUN_VAR_DIR is {path.parent}"
    else:
        looked = f"KUCUN_VAR_DIR is not set, so the default {path.parent} was used"
    return (
        f"kucun {command}: no database at {path} ({looked}).\n"
        "Point at the existing database with KUCUN_VAR_DIR=<the var directory holding "
        f"{SQLITE_FILE_NAME}> or DATABASE_URL=<its URL>, or create a new one there with "
        "`kucun migrate`. Nothing was created."
    )


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    args[0] = "kucun"
    if len(args) > 1 and args[1] in COMMAND_ALIASES:
        args[1] = COMMAND_ALIASES[args[1]]
    message = missing_database_message(args[1] if len(args) > 1 else "help")
    if message is not None:
        sys.stderr.write(message + "\n")
        sys.exit(2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kucun.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
