"""Message lists shown for the bubble tests: a real view over a real model, and where its
delegate puts each part of a message's bubble."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QStyleOptionViewItem

from core.conversation import Message
from gui.bubble_delegate import Bubble, BubbleDelegate
from gui.message_list import MessageListModel
from gui.message_view import MessageListView


def shown(
    qtbot: Any, messages: list[Message], width: int = 700, height: int = 700
) -> tuple[MessageListView, MessageListModel]:
    """``messages`` in a message list of ``width`` x ``height`` on screen."""
    model = MessageListModel()
    model.set_messages(messages)
    view = MessageListView()
    view.setModel(model)
    view.resize(width, height)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view, model


def bubble(view: MessageListView, model: MessageListModel, row: int) -> Bubble:
    """Where ``row``'s bubble, text, time line, fold link and Copy buttons are drawn."""
    delegate = view.itemDelegate()
    assert isinstance(delegate, BubbleDelegate)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(model.index(row))
    option.font = view.font()
    return delegate.bubble(option, model.index(row))
