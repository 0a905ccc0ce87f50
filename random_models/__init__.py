"""Random-weight models in the Hugging Face hub's file layout, built from published configs.

Shared by the tests and the benchmark (neither depends on the other's package).
"""

from random_models.factory import (
    PUBLISHED,
    REAL_CONFIG_DIR,
    build_blenderbot,
    install_in_hub_cache,
    published_config,
)

__all__ = [
    "PUBLISHED",
    "REAL_CONFIG_DIR",
    "build_blenderbot",
    "install_in_hub_cache",
    "published_config",
]
