"""Where Kucun keeps its files, worked out without Django so that the command line can check
before the settings create anything."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SQLITE_FILE_NAME = "kucun.sqlite3"


def default_var_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """The checkout's ``var/`` when Kucun runs from a source checkout (an editable install, as
    ``make run`` makes), so that ``kucun`` finds the same database from any directory; for an
    installed package, ``var/`` under the working directory."""
    checkout = package_dir.parent.parent
    if package_dir.parent.name == "src" and (checkout / "pyproject.toml").is_file():
        return checkout / "var"
    return Path.cwd() / "var"


def var_dir() -> Path:
    configured = os.environ.get("KUCUN_VAR_DIR")
    return (Path(configured) if configured else default_var_dir()).resolve()
