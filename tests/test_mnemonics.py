"""Every menu's items have mnemonics of their own (Alt+letter reaches one item, not a
cycle through several), in English and in German."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu

from tests.conftest import WindowFactory


def clashes(menu: QMenu, path: str) -> Iterator[str]:
    letters: dict[str, list[str]] = {}
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        found = re.search(r"&([^&])", action.text())
        if found:
            letters.setdefault(found.group(1).lower(), []).append(action.text())
        submenu = action.menu()
        if isinstance(submenu, QMenu):
            yield from clashes(submenu, f"{path} > {action.text()}")
    for letter, texts in letters.items():
        if len(texts) > 1:
            yield f"{path}: {letter!r} in {texts}"


@pytest.fixture(params=["en", "de"])
def language(request: pytest.FixtureRequest, interface_language: Callable[[str], str]) -> str:
    interface_language(request.param)
    return str(request.param)


def test_no_two_items_of_a_menu_share_a_mnemonic(
    language: str, make_window: WindowFactory, tiny_model: Path
) -> None:
    window = make_window(tiny_model, load=False)
    bar = window.menuBar()
    titles = [action.text() for action in bar.actions()]
    found = [text for text in titles if "&" not in text]
    assert not found, f"menus without a mnemonic: {found}"
    letters = [re.search(r"&([^&])", text).group(1).lower() for text in titles]  # type: ignore[union-attr]
    assert len(set(letters)) == len(letters), titles
    problems = [
        problem
        for action in bar.actions()
        if isinstance(action.menu(), QMenu)
        for problem in clashes(action.menu(), action.text())
    ]
    assert not problems, "\n".join(problems)
