"""The app's one way out to the desktop (folders, web links), and a page view that stays local.

``open_url`` is looked up at call time (``desktop_links.open_url(...)``), so a test replaces
it with a recorder instead of starting a real file manager or browser.

``LocalBrowser`` shows Markdown such as the README: images load only from files inside one
folder, never from the network or elsewhere on disk; links do nothing until clicked, and a
click opens only http(s) links (in the user's browser) or jumps to an anchor on the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

log = logging.getLogger(__name__)

open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl

WEB_SCHEMES = ("http", "https")
MAX_IMAGE_WIDTH = 720  # px: a screenshot wider than the page would need a side scroll


def open_folder(folder: Path) -> bool:
    """Show ``folder`` in the desktop's file manager, creating it first if it is missing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.warning("Cannot create %s: %s", folder, error)
        return False
    return open_url(QUrl.fromLocalFile(str(folder)))


class LocalBrowser(QTextBrowser):
    """A read-only Markdown page whose images come only from ``image_root`` and below."""

    def __init__(self, image_root: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image_root = image_root.resolve() if image_root is not None else None
        self.refused: list[str] = []  # resources asked for and not loaded, for the log and tests
        self.setOpenLinks(False)
        self.anchorClicked.connect(self.follow_link)

    def follow_link(self, url: QUrl) -> None:
        """A click: an anchor on this page scrolls there; a web link opens in the browser."""
        if url.scheme().lower() in WEB_SCHEMES:
            open_url(url)
        elif not url.scheme() and not url.path() and url.fragment():
            self.scrollToAnchor(url.fragment())
        else:
            log.info("Link not followed: %s", url.toString())

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802
        url = QUrl(name)
        if getattr(kind, "value", kind) != QTextDocument.ResourceType.ImageResource.value:
            self.refused.append(url.toString())
            return None
        path = self._local_image(url)
        if path is None:
            self.refused.append(url.toString())
            return None
        image = QImage(str(path))
        if image.width() > MAX_IMAGE_WIDTH:
            image = image.scaledToWidth(MAX_IMAGE_WIDTH)
        return image

    def _local_image(self, url: QUrl) -> Path | None:
        if self.image_root is None or url.scheme() not in ("", "file") or url.host():
            return None
        relative = url.toLocalFile() if url.scheme() == "file" else url.path()
        path = (self.image_root / relative).resolve()
        if not path.is_relative_to(self.image_root) or not path.is_file():
            return None
        return path
