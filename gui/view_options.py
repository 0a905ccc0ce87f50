"""View > Theme (System / Light / Dark) and View > Replies as Plain Text, remembered in
settings.ini; ``--theme`` on the command line applies to one run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from gui.bubble_delegate import BubbleDelegate
from gui.theme import THEME_CHOICES, ThemeChoice, ThemeController

if TYPE_CHECKING:
    from gui.main_window import MainWindow


class ViewOptions(QObject):
    """The theme and how replies are shown, for one main window."""

    def __init__(self, window: MainWindow, override: ThemeChoice | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.controller = ThemeController(self)
        self.controller.theme_applied.connect(self._theme_applied)
        self.theme_actions: dict[ThemeChoice, QAction] = {}
        self.plain_action = QAction(self.tr("Replies as Plain Te&xt"), self)
        self.plain_action.setCheckable(True)
        self.plain_action.setToolTip(
            self.tr("Show the bot's replies exactly as written, without Markdown formatting")
        )
        self.plain_action.setChecked(window.settings.plain_replies)
        self.plain_action.toggled.connect(self.set_plain_replies)
        self._delegate().set_markdown(not window.settings.plain_replies)
        self.controller.apply(override or window.settings.theme)

    def _delegate(self) -> BubbleDelegate:
        delegate = self.window.message_view.itemDelegate()
        assert isinstance(delegate, BubbleDelegate)
        return delegate

    def build_menu(self, view_menu: QMenu) -> None:
        """Add the Theme submenu and the plain-text switch to ``view_menu``."""
        theme_menu = view_menu.addMenu(self.tr("&Theme"))
        group = QActionGroup(self)
        names = {
            "system": self.tr("&System"),
            "light": self.tr("&Light"),
            "dark": self.tr("&Dark"),
        }
        tips = {
            "system": self.tr("Follow the desktop's light or dark setting"),
            "light": self.tr("Always light"),
            "dark": self.tr("Always dark"),
        }
        for choice in THEME_CHOICES:
            item = QAction(names[choice], self, checkable=True)
            item.setToolTip(tips[choice])
            item.setChecked(choice == self.controller.choice)
            item.triggered.connect(lambda _checked=False, c=choice: self.set_theme(c))
            group.addAction(item)
            theme_menu.addAction(item)
            self.theme_actions[choice] = item
        view_menu.addAction(self.plain_action)

    def set_theme(self, choice: ThemeChoice) -> None:
        """A theme chosen in the menu: shown now and remembered."""
        self.window.settings.theme = choice
        self.controller.apply(choice)
        self.theme_actions[choice].setChecked(True)

    def set_plain_replies(self, plain: bool) -> None:
        """Show replies as plain text (or as Markdown again), remembered."""
        self.window.settings.plain_replies = plain
        self._delegate().set_markdown(not plain)
        self.window.message_view.scheduleDelayedItemsLayout()  # heights change with the look
        self.window.message_view.viewport().update()

    def _theme_applied(self, _name: str) -> None:
        view = self.window.message_view
        view.scheduleDelayedItemsLayout()
        view.viewport().update()
