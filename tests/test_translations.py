"""Translations: the German one is complete and compiled from its source, lupdate finds no
string missing from it, German is chosen by Preferences or the locale, and no visible
string of the window, its menus and its dialogs escapes translation (checked with a
pseudo-translation that marks every translated string)."""

from __future__ import annotations

import filecmp
import re
import shutil
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)

from gui.i18n import resolve, shipped_languages
from resources import make_translations
from tests.conftest import WindowFactory

MARK = "\u27e6"  # ⟦: the pseudo-translation puts it in front of every translated string
# Texts that are data, not the interface's words: numbers, shortcuts, names, paths.
DATA = re.compile(r"^[\d\s.,:%/()+\-–—…×x]*$|^(Ctrl|Alt|Shift|F\d|Esc|Del)[+\w]*$")


def test_the_german_translation_is_complete_and_compiled(tmp_path: Path) -> None:
    assert make_translations.missing("de") == []
    fresh = make_translations.release("de", tmp_path / "confab_de.qm")
    committed = make_translations.ts_path("de").with_suffix(".qm")
    assert filecmp.cmp(fresh, committed, shallow=False), "run make_translations.py release"


def test_lupdate_finds_no_string_the_translation_lacks(tmp_path: Path) -> None:
    def sources(path: Path) -> set[tuple[str, str]]:
        return {
            (context, message.findtext("source") or "")
            for context, message in make_translations.messages(path)
        }

    extracted = make_translations.update(tmp_path / "confab_de.ts")
    assert sources(extracted) == sources(make_translations.ts_path("de"))


def test_german_is_chosen_by_preference_or_locale() -> None:
    assert "de" in shipped_languages()
    assert resolve("de") == "de"
    assert resolve("en", QLocale(QLocale.Language.German)) == "en"
    assert resolve("system", QLocale(QLocale.Language.German, QLocale.Country.Austria)) == "de"
    assert resolve("system", QLocale(QLocale.Language.Japanese)) == "en"


def test_the_window_speaks_german(
    german: None, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    titles = [action.text() for action in window.menuBar().actions()]
    assert "&Datei" in titles and "&Hilfe" in titles, titles
    assert window.send_button.text() == "Senden"


@pytest.fixture
def pseudo(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    """A translation that marks every string: ⟦Source⟧."""
    ts = tmp_path / "pseudo.ts"
    shutil.copy(make_translations.ts_path("de"), ts)
    tree = ElementTree.parse(ts)
    for message in tree.getroot().iter("message"):
        translation = message.find("translation")
        assert translation is not None
        translation.text = MARK + (message.findtext("source") or "") + "\u27e7"
        translation.attrib.pop("type", None)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    qm = make_translations.release("de", tmp_path / "pseudo.qm", source=ts)
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of every text a user sees or hears in ``root`` and its children."""
    found: list[tuple[str, str]] = []

    def add(where: str, text: str) -> None:
        text = text.strip()
        if text and not DATA.match(text.replace("&", "")):
            found.append((where, text))

    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        name = f"{type(widget).__name__}({widget.objectName()})"
        if widget.isWindow():
            add(f"{name} title", widget.windowTitle())
        if isinstance(widget, QMenu):
            add(f"{name} menu", widget.title())
            for action in widget.actions():
                if not action.isSeparator():
                    add(f"{name} action", action.text())
                    if action.toolTip() != action.text().replace("&", ""):
                        add(f"{name} action tip", action.toolTip())
            continue
        if not widget.isVisibleTo(root):
            continue
        add(f"{name} tooltip", widget.toolTip())
        add(f"{name} accessible name", widget.accessibleName())
        add(f"{name} accessible description", widget.accessibleDescription())
        if isinstance(widget, QLabel):
            add(f"{name} label", widget.text())
        elif isinstance(widget, QAbstractButton):
            add(f"{name} button", widget.text())
        elif isinstance(widget, QLineEdit | QPlainTextEdit):
            add(f"{name} placeholder", widget.placeholderText())
        elif isinstance(widget, QGroupBox):
            add(f"{name} group", widget.title())
        elif isinstance(widget, QTabWidget):
            for tab in range(widget.count()):
                add(f"{name} tab", widget.tabText(tab))
        elif isinstance(widget, QComboBox):
            for item in range(widget.count()):
                add(f"{name} item", widget.itemText(item))
    return found


def escaped(texts: list[tuple[str, str]], data: set[str]) -> list[tuple[str, str]]:
    return [(where, text) for where, text in texts if MARK not in text and text not in data]


def walk_dialog(trigger: Callable[[], Any], seen: list[tuple[str, str]]) -> None:
    """Open a modal dialog through ``trigger``, record its texts, and close it."""

    def read() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, read)
            return
        seen.extend(visible_texts(dialog))
        dialog.close()

    QTimer.singleShot(50, read)
    trigger()


def test_no_visible_string_escapes_translation(
    pseudo: None, make_window: WindowFactory, tiny_model: Path, qtbot: Any
) -> None:
    window = make_window(tiny_model)
    info = window.model_info
    assert info is not None
    chat_titles = {chat.title for chat in window.library.chats.values()}
    # Data shown as it is: the model's name and folder, chat titles, the app's name.
    data = {info.model_id, info.path, str(tiny_model), tiny_model.name, "Confab", *chat_titles}
    # Qt translates its standard buttons itself (qtbase_de.qm).
    data |= {"OK", "&OK", "Cancel", "&Cancel", "Apply", "Close", "Reset", "Help"}
    texts = visible_texts(window)
    for menu in window.menuBar().findChildren(QMenu):
        texts.extend(visible_texts(menu))
    dialogs: list[tuple[str, str]] = []
    walk_dialog(window.preferences_action.trigger, dialogs)
    walk_dialog(window.choose_model_action.trigger, dialogs)
    texts.extend(dialogs)
    assert len(texts) > 100  # the walk saw the window, its menus and the dialogs
    leaks = escaped(texts, data)
    assert not leaks, "\n".join(f"{where}: {text!r}" for where, text in leaks)
