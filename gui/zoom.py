"""View > Zoom In / Zoom Out / Actual Size: the text size of the messages and the input box.

Only the text people read and write grows, not menus or the status bar, so a large zoom
still leaves the window usable. The zoom is remembered in ``settings.ini``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from gui.app_settings import MAX_ZOOM, MIN_ZOOM, AppSettings

# Steps as browsers take them: fine near 100 %, coarser further out.
ZOOM_STEPS = (MIN_ZOOM, 70, 80, 90, 100, 110, 125, 150, 175, 200, MAX_ZOOM)


def next_step(percent: int) -> int:
    """The zoom one step larger than ``percent`` (the largest stays)."""
    return next((step for step in ZOOM_STEPS if step > percent), MAX_ZOOM)


def previous_step(percent: int) -> int:
    """The zoom one step smaller than ``percent`` (the smallest stays)."""
    return next((step for step in reversed(ZOOM_STEPS) if step < percent), MIN_ZOOM)


def zoomed(font: QFont, percent: int) -> QFont:
    """``font`` at ``percent`` of its size, whether that size is in points or pixels."""
    result = QFont(font)
    if font.pointSizeF() > 0:
        result.setPointSizeF(font.pointSizeF() * percent / 100)
    else:
        result.setPixelSize(max(1, round(font.pixelSize() * percent / 100)))
    return result


class Zoom(QObject):
    """The zoom actions and the font sizes they set on ``widgets``."""

    changed = Signal(int)  # the new zoom in percent

    def __init__(self, widgets: Sequence[QWidget], settings: AppSettings, parent: QObject) -> None:
        super().__init__(parent)
        self.settings = settings
        self._fonts = [(widget, widget.font()) for widget in widgets]
        self.percent = 100
        self.zoom_in_action = QAction(self.tr("Zoom &In"), parent)
        # Ctrl+= too: on most layouts "+" needs Shift, and people press Ctrl and the "=" key.
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.zoom_in_action.triggered.connect(self.zoom_in)
        self.zoom_out_action = QAction(self.tr("Zoom &Out"), parent)
        self.zoom_out_action.setShortcut(QKeySequence("Ctrl+-"))
        self.zoom_out_action.triggered.connect(self.zoom_out)
        self.actual_size_action = QAction(self.tr("&Actual Size"), parent)
        self.actual_size_action.setShortcut(QKeySequence("Ctrl+0"))
        self.actual_size_action.triggered.connect(self.actual_size)
        self.set_percent(settings.zoom, remember=False)

    def add_to(self, menu: QMenu) -> None:
        menu.addAction(self.zoom_in_action)
        menu.addAction(self.zoom_out_action)
        menu.addAction(self.actual_size_action)

    def zoom_in(self) -> None:
        self.set_percent(next_step(self.percent))

    def zoom_out(self) -> None:
        self.set_percent(previous_step(self.percent))

    def actual_size(self) -> None:
        self.set_percent(100)

    def set_percent(self, percent: int, remember: bool = True) -> None:
        """Show the text at ``percent`` (clamped to the zoom range) and remember it."""
        percent = max(MIN_ZOOM, min(MAX_ZOOM, percent))
        self.zoom_in_action.setEnabled(percent < MAX_ZOOM)
        self.zoom_out_action.setEnabled(percent > MIN_ZOOM)
        self.actual_size_action.setEnabled(percent != 100)
        if percent == self.percent and remember:
            return
        self.percent = percent
        for widget, font in self._fonts:
            widget.setFont(zoomed(font, percent))
        if remember:
            self.settings.zoom = percent
        self.changed.emit(percent)
