"""Fitting the main window onto its screen at start.

A remembered size from a larger screen, or the default size under a high scale factor
(``QT_SCALE_FACTOR=2`` turns a 1280x900 screen into 640x450 logical pixels), would put
the input box and the status bar below the screen's edge (issue 12, problem 6).
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QStyle, QWidget

MIN_BORDER = 4  # pixels: window managers' borders are rarely wider, and styles say 0 or 1


def fitted(geometry: QRect, available: QRect, frame: QMargins) -> QRect:
    """``geometry`` (the window without its frame) shrunk and then moved just enough that
    the window, ``frame`` included, lies within ``available``."""
    outer = geometry.marginsAdded(frame)
    width = min(outer.width(), available.width())
    height = min(outer.height(), available.height())
    left = max(available.left(), min(outer.left(), available.left() + available.width() - width))
    top = max(available.top(), min(outer.top(), available.top() + available.height() - height))
    return QRect(left, top, width, height).marginsRemoved(frame)


def estimated_frame(window: QWidget) -> QMargins:
    """The window manager's frame around ``window``: only known once it is shown, so before
    that the style's title bar height stands in for it."""
    known = window.frameGeometry()
    inner = window.geometry()
    if window.isVisible() and known != inner:
        return QMargins(
            inner.left() - known.left(),
            inner.top() - known.top(),
            known.right() - inner.right(),
            known.bottom() - inner.bottom(),
        )
    style = window.style()
    border = max(MIN_BORDER, style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth))
    title = style.pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight)
    return QMargins(border, title + border, border, border)


def fit_to_screen(window: QWidget) -> None:
    """Shrink and move ``window`` so that it lies within the available geometry (no panels,
    no docks) of the screen it is on. A maximized or full-screen window is the window
    manager's to place."""
    if window.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        return
    geometry = window.geometry()
    screen = QGuiApplication.screenAt(geometry.center()) or window.screen()
    target = fitted(geometry, screen.availableGeometry(), estimated_frame(window))
    if target == geometry:
        return
    if window.testAttribute(Qt.WidgetAttribute.WA_Moved):
        window.setGeometry(target)
    else:  # never placed: the window manager places it, now that it fits
        window.resize(target.size())
