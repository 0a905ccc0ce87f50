"""Tells assistive technology what happened where no focus moves: a reply finished, the model
started loading, is ready or failed, and errors.

A screen reader reads what has the focus; a reply that appears in the list while the user stays
in the input box would go unnoticed (issue 12, as Open WebUI #13639 reports of its own app).
Qt 6.8 and later send a ``QAccessibleAnnouncementEvent``, which the AT-SPI bridge delivers as an
``object:announcement`` event that Orca speaks. With an older Qt the announcer falls back to a
live label: changing its accessible name makes Qt send a name-change event that readers speak.
"""

from __future__ import annotations

import logging

from PySide6 import QtGui
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QLabel, QMainWindow

log = logging.getLogger(__name__)

# Absent before Qt 6.8: the fallback is then the live label.
_ANNOUNCEMENT_EVENT = getattr(QtGui, "QAccessibleAnnouncementEvent", None)


class Announcer(QObject):
    """Announces short texts for screen readers on behalf of one main window."""

    announced = Signal(str, bool)  # the text, and whether it interrupts (assertive)

    def __init__(self, window: QMainWindow, use_event: bool = True) -> None:
        super().__init__(window)
        self.window = window
        self.use_event = use_event and _ANNOUNCEMENT_EVENT is not None
        self.live_label: QLabel | None = None
        if not self.use_event:
            self.live_label = QLabel()
            self.live_label.setAccessibleName(self.tr("Announcements"))
            self.live_label.setAccessibleDescription(
                self.tr("The latest reply, model status or error, for screen readers")
            )
            window.statusBar().addPermanentWidget(self.live_label)

    def announce(self, text: str, assertive: bool = False) -> None:
        """Say ``text``; an assertive announcement interrupts what the reader is saying."""
        text = text.strip()
        if not text:
            return
        if self.live_label is not None:
            # Readers speak a changed name; the description carries the same text for those
            # that read descriptions of live objects.
            self.live_label.setAccessibleName(text)
            self.live_label.setAccessibleDescription(text)
        elif QAccessible.isActive() and _ANNOUNCEMENT_EVENT is not None:
            # Creating the event builds the window's accessible interface, which is only worth
            # it (and only received) while an assistive technology listens.
            event = _ANNOUNCEMENT_EVENT(self.window, text)
            politeness = QAccessible.AnnouncementPoliteness
            event.setPoliteness(politeness.Assertive if assertive else politeness.Polite)
            QAccessible.updateAccessibility(event)
        log.debug("announced: %s", text)
        self.announced.emit(text, assertive)

    def reply(self, text: str) -> None:
        """A finished reply, read with its author like a message in the list."""
        self.announce(self.tr("Bot: {text}").format(text=text))

    def error(self, text: str) -> None:
        self.announce(text, assertive=True)
