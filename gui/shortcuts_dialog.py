"""Help > Keyboard Shortcuts: every key the window answers to, in one searchable list.

The menu part is read from the window's own menus each time the dialog opens, so a
shortcut added, changed or removed anywhere shows here without editing this module. Keys
that are not actions (Enter in the input box, the arrows in the list) are listed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.i18n import QT_TRANSLATE_NOOP

PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class Shortcut:
    """One row of the list: where the key works, what it does, and the keys."""

    where: str
    name: str
    keys: str


def plain_text(text: str) -> str:
    """A menu text as read aloud: without its mnemonic ampersand ("&&" stays one "&")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def menu_shortcuts(menu_bar: QMenuBar) -> list[Shortcut]:
    """Every action with a shortcut in the menu bar's menus, in menu order."""
    found: list[Shortcut] = []

    def walk(menu: QMenu, path: list[str]) -> None:
        for action in menu.actions():
            submenu = action.menu()
            if isinstance(submenu, QMenu):
                walk(submenu, [*path, plain_text(action.text())])
            elif not action.isSeparator():
                found.extend(_row(action, path))

    for action in menu_bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            walk(menu, [plain_text(action.text())])
    return found


def _row(action: QAction, path: list[str]) -> list[Shortcut]:
    keys = [key for key in action.shortcuts() if not key.isEmpty()]
    if not keys:
        return []
    native = QKeySequence.SequenceFormat.NativeText
    shown = ", ".join(key.toString(native) for key in keys)
    return [Shortcut(PATH_SEPARATOR.join(path), plain_text(action.text()), shown)]


# The keys that are not menu actions: they belong to the input box or the lists.
# (where, what, keys), translated when shown; arrows and Tab read the same in any language.
OTHER_KEYS: tuple[tuple[str, str, str], ...] = (
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Input box"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Send the message"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Enter"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Input box"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Start a new line"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Shift+Enter"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Input box"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Stop the reply, or cancel an edit"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Esc"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Input box"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Edit your last message (when the box is empty)"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Up"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Message list"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Pick a message"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Up, Down, Home, End"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Message list"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Show the previous or next version of a reply"),
        "Alt+←, Alt+→",
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Message list"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Delete the selected messages"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Del"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Message list"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Delete the whole turn"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Shift+Del"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Message list"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Open the message's menu"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Menu key, or Shift+F10"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Chat list"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Switch chats"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Up, Down"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Chat list"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Delete the chat"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Del"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Find bar"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Next or previous match"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Enter, Shift+Enter"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Dialogs"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Close without changes"),
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Esc"),
    ),
    (
        QT_TRANSLATE_NOOP("ShortcutsDialog", "Window"),
        QT_TRANSLATE_NOOP(
            "ShortcutsDialog", "Move between the sidebar, the messages and the input box"
        ),
        "Tab",
    ),
)


def other_keys() -> list[Shortcut]:
    """The keys that are not menu actions, in the user's language."""
    return [
        Shortcut(
            QCoreApplication.translate("ShortcutsDialog", where),
            QCoreApplication.translate("ShortcutsDialog", name),
            QCoreApplication.translate("ShortcutsDialog", keys),
        )
        for where, name, keys in OTHER_KEYS
    ]


class ShortcutsDialog(QDialog):
    """A filterable list of the window's shortcuts; typing narrows it, Esc closes it."""

    def __init__(self, menu_bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard Shortcuts"))
        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText(self.tr('Type to filter, e.g. "chat" or "Ctrl"'))
        self.filter_box.setAccessibleName(self.tr("Filter shortcuts"))
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(self.apply_filter)
        filter_label = QLabel(self.tr("&Filter:"))
        filter_label.setBuddy(self.filter_box)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Action"), self.tr("Keys"), self.tr("Where")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.empty_label = QLabel(self.tr("No shortcut matches."))
        self.empty_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(filter_label)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(buttons)
        self.filter_box.installEventFilter(self)
        self.set_shortcuts([*menu_shortcuts(menu_bar), *other_keys()])
        self.resize(720, 560)
        self.filter_box.setFocus()

    def set_shortcuts(self, shortcuts: list[Shortcut]) -> None:
        """Show ``shortcuts``, keeping the current filter."""
        self.tree.clear()
        self.items: list[QTreeWidgetItem] = []
        for shortcut in shortcuts:
            item = QTreeWidgetItem([shortcut.name, shortcut.keys, shortcut.where])
            item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{shortcut.name}: {shortcut.keys}")
            self.tree.addTopLevelItem(item)
            self.items.append(item)
        self.apply_filter(self.filter_box.text())

    def visible_rows(self) -> list[tuple[str, str, str]]:
        """(action, keys, where) of each row the filter leaves."""
        return [(it.text(0), it.text(1), it.text(2)) for it in self.items if not it.isHidden()]

    def apply_filter(self, text: str) -> None:
        """Hide the rows that do not contain every word of ``text`` (any case, any column)."""
        words = text.casefold().split()
        first: QTreeWidgetItem | None = None
        for item in self.items:
            haystack = " ".join(item.text(column) for column in range(3)).casefold()
            shown = all(word in haystack for word in words)
            item.setHidden(not shown)
            if shown and first is None:
                first = item
        if first is None:
            self.tree.setCurrentIndex(QModelIndex())
        else:
            self.tree.setCurrentItem(first)
        self.empty_label.setVisible(first is None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Down in the filter box goes on to the list, as in a search field with results.
        if (
            watched is self.filter_box
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self.tree.setFocus()
            return True
        return super().eventFilter(watched, event)
