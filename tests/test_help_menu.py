"""The Help menu as a user meets it: the shortcut list, the README page, the data and logs
folders, and About naming the model that is loaded with its own license."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt, QUrl
from PySide6.QtGui import QAction, QImage, QKeySequence, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMenu

from core.model_card import ModelCard, server_card
from gui import desktop_links
from gui.desktop_links import LocalBrowser
from gui.dialogs import AboutDialog
from gui.shortcuts_dialog import plain_text
from tests.conftest import NetworkGuard, WindowFactory

LONG_NAME = "organisation_with_a_long_name/" + "VeryLongModelName" * 12 + "_Q4_K_M.gguf"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """What would have opened outside the app (folders, web pages), instead of opening it."""
    urls: list[QUrl] = []

    def record(url: QUrl) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr(desktop_links, "open_url", record)
    return urls


def activate(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)


def menu_actions_with_keys(window: Any) -> list[QAction]:
    """Every action in the menu bar that has a shortcut, found independently of the dialog."""
    found: list[QAction] = []
    menus = [a.menu() for a in window.menuBar().actions()]
    while menus:
        menu = menus.pop()
        assert isinstance(menu, QMenu)
        for action in menu.actions():
            if isinstance(action.menu(), QMenu):
                menus.append(action.menu())
            elif not action.shortcut().isEmpty():
                found.append(action)
    return found


def test_keyboard_shortcuts_lists_every_menu_shortcut_and_the_other_keys(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    activate(qtbot, window)
    window.input_box.setFocus()
    qtbot.keyClick(window.input_box, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    dialog = window.help_menu.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Keyboard Shortcuts"
    rows = dialog.visible_rows()
    native = QKeySequence.SequenceFormat.NativeText
    for action in menu_actions_with_keys(window):
        name, keys = plain_text(action.text()), action.shortcut().toString(native)
        assert any(row[0] == name and keys in row[1] for row in rows), (name, keys)
    assert ("Regenerate Reply", "Ctrl+R", "Chat") in rows
    assert ("Keyboard Shortcuts", "Ctrl+/", "Help") in rows
    assert not any("&" in row[0] for row in rows)
    all_keys = {row[1] for row in rows}
    assert {"Enter", "Shift+Enter", "Esc", "Up", "Del", "Shift+Del", "Alt+←, Alt+→"} <= all_keys
    assert any("Menu key" in key for key in all_keys)

    # Typing filters: every word must match, in any column, in any case.
    qtbot.waitUntil(dialog.filter_box.hasFocus, timeout=5_000)
    qtbot.keyClicks(dialog.filter_box, "regen")
    assert dialog.visible_rows() == [("Regenerate Reply", "Ctrl+R", "Chat")]
    dialog.filter_box.clear()
    qtbot.keyClicks(dialog.filter_box, "DELETE turn")
    assert {row[1] for row in dialog.visible_rows()} == {"Shift+Del"}
    qtbot.keyClicks(dialog.filter_box, " nothing-matches-this")
    assert dialog.visible_rows() == [] and dialog.empty_label.isVisibleTo(dialog)

    # Down reaches the list, Esc closes the dialog.
    dialog.filter_box.clear()
    qtbot.keyClick(dialog.filter_box, Qt.Key.Key_Down)
    assert dialog.tree.hasFocus() and dialog.tree.currentItem() is not None
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.help_menu.shortcuts_dialog is None, timeout=5_000)


def test_the_help_keys_clash_with_no_other_shortcut(
    make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    native = QKeySequence.SequenceFormat.NativeText
    keys = Counter(
        key.toString(native)
        for action in menu_actions_with_keys(window)
        for key in action.shortcuts()
    )
    help_menu = window.help_menu
    for action in (help_menu.shortcuts_action, help_menu.readme_action):
        key = action.shortcut().toString(native)
        assert key and keys[key] == 1, key


def test_the_readme_is_a_rendered_page_with_its_own_images(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, no_network: NetworkGuard
) -> None:
    window = make_window(tiny_model, load=False)
    activate(qtbot, window)
    qtbot.keyClick(window.input_box, Qt.Key.Key_F1)
    dialog = window.help_menu.readme_dialog
    assert dialog is not None and dialog.isVisible()
    browser = dialog.browser
    text = browser.toPlainText()
    assert text.startswith("Confab\n") and "Set up and run" in text
    assert "## " not in text and "![" not in text  # rendered, not the Markdown source
    image = browser.document().resource(
        QTextDocument.ResourceType.ImageResource, QUrl("docs/screenshot.png")
    )
    assert isinstance(image, QImage) and not image.isNull()
    assert not browser.refused
    assert not no_network.attempts


def test_readme_links_open_only_on_click_and_only_for_the_web(
    qtbot: Any, opened: list[QUrl], tmp_path: Path, no_network: NetworkGuard
) -> None:
    (tmp_path / "docs").mkdir()
    QImage(4, 4, QImage.Format.Format_RGB32).save(str(tmp_path / "docs" / "shot.png"))
    (tmp_path / "secret.png").write_bytes((tmp_path / "docs" / "shot.png").read_bytes())
    browser = LocalBrowser(tmp_path / "docs")
    qtbot.addWidget(browser)
    browser.setMarkdown(
        "# Page\n\n![ok](shot.png) ![remote](https://example.com/x.png) "
        "![file](file:///etc/passwd) ![up](../secret.png)\n\n[web](https://example.com/a) "
        "[local](file:///etc/passwd) [anchor](#page)\n"
    )
    browser.show()
    QApplication.processEvents()
    assert opened == []  # showing the page opens nothing
    assert set(browser.refused) == {
        "https://example.com/x.png",
        "file:///etc/passwd",
        "../secret.png",
    }
    for link in ("https://example.com/a", "file:///etc/passwd", "#page", "mailto:a@b.c"):
        browser.anchorClicked.emit(QUrl(link))
    assert [url.toString() for url in opened] == ["https://example.com/a"]
    assert not no_network.attempts


def test_open_logs_and_data_folders(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, opened: list[QUrl]
) -> None:
    window = make_window(tiny_model, load=False)
    data_dir = window.options.data_dir
    window.help_menu.logs_action.trigger()
    window.help_menu.data_action.trigger()
    assert [Path(url.toLocalFile()) for url in opened] == [data_dir / "logs", data_dir]
    assert all(url.isLocalFile() for url in opened)
    assert (data_dir / "logs").is_dir()


def model_with_card(source: Path, folder: Path, card: str) -> Path:
    """A copy of ``source`` (its files linked, not copied) with ``card`` as its README.md."""
    folder.mkdir()
    for path in source.iterdir():
        (folder / path.name).symlink_to(path)
    (folder / "README.md").write_text(card, encoding="utf-8")
    return folder


def test_about_names_the_loaded_model_and_its_own_license(
    qtbot: Any, make_window: WindowFactory, tiny_model: Path, tmp_path: Path
) -> None:
    card = "---\nlicense: mit\n---\n\n# Tiny Test Bot\n\nA model card.\n"
    window = make_window(model_with_card(tiny_model, tmp_path / "tiny-bot", card))
    window.help_menu.about_action.trigger()
    about = window.help_menu.about_dialog
    assert about is not None and about.isVisible()
    assert about.windowTitle() == "About Confab"
    assert about.model_name.toolTip() == "Tiny Test Bot"
    assert about.model_license.toolTip() == "mit (from README.md)"
    shown_texts = [label.text() for label in about.findChildren(QLabel)]
    assert not any("A model card" in text for text in shown_texts)  # no raw model card
    # The licenses' own README is rendered, not shown as Markdown source.
    about.license_list.setCurrentRow([p.name for p in about.license_files].index("README.md"))
    shown = about.license_text.toPlainText()
    assert "Licenses of Confab" in shown
    assert "# Licenses" not in shown and "|---|" not in shown
    qtbot.keyClick(about, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.help_menu.about_dialog is None, timeout=5_000)


def test_about_without_a_model_or_with_a_server_says_so(qtbot: Any) -> None:
    nothing = AboutDialog(None, "facebook/blenderbot-400M-distill (not loaded)")
    qtbot.addWidget(nothing)
    assert nothing.model_name.toolTip() == "none loaded"
    assert nothing.model_license.toolTip() == "unknown"
    unknown = AboutDialog(ModelCard(name="someone/model"), "")
    qtbot.addWidget(unknown)
    assert unknown.model_license.toolTip() == "unknown"
    remote = AboutDialog(server_card("llama3.1:8b"), "remote, http://localhost:11434/v1")
    qtbot.addWidget(remote)
    assert remote.model_name.toolTip() == "llama3.1:8b"
    assert remote.model_license.toolTip() == "see the server"


def test_about_wraps_a_long_model_name_instead_of_cutting_it(qtbot: Any) -> None:
    about = AboutDialog(ModelCard(name=LONG_NAME, license="apache-2.0"), "")
    qtbot.addWidget(about)
    about.resize(600, 500)
    about.show()
    qtbot.waitExposed(about)
    label = about.model_name
    assert label.text().replace("\u200b", "") == LONG_NAME  # every character is there
    assert label.wordWrap()
    assert about.width() <= 600  # the name did not force the dialog wider than asked
    wrap = int(Qt.TextFlag.TextWordWrap)
    needed = label.fontMetrics().boundingRect(QRect(0, 0, label.width(), 10**5), wrap, label.text())
    assert needed.width() <= label.width()  # every line fits: nothing runs off and is cut
    assert needed.height() >= 2 * label.fontMetrics().lineSpacing()
    assert label.height() >= needed.height()
    assert label.toolTip() == LONG_NAME and label.accessibleName() == LONG_NAME
