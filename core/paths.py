"""Where things are: bundled resources (source tree or PyInstaller bundle) and the data folder."""

from __future__ import annotations

import sys
from pathlib import Path

from core import APP_NAME

SOURCE_ROOT = Path(__file__).resolve().parent.parent


def app_root() -> Path:
    """The folder holding ``resources/``: the source tree, or the bundle's ``_MEIPASS``."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else SOURCE_ROOT


def resource_path(*parts: str) -> Path:
    """The path of a file under ``resources/``, wherever the app is running from."""
    return app_root().joinpath("resources", *parts)


def is_frozen() -> bool:
    """Whether the app runs from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def default_data_dir() -> Path:
    """The platform's per-user data folder for Confab (settings, autosave, logs, models)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def bundled_model_dir() -> Path | None:
    """A model folder shipped inside a fully-offline bundle, if there is one."""
    folder = resource_path("model")
    return folder if (folder / "config.json").is_file() else None
