"""The input box with its Send and Stop buttons, beside it or, in a narrow window, below it.

At 300-400 pixels a column of buttons beside the box would take a quarter of the width
the user types in (issue 12, problem 9), so a narrow row puts them in a line underneath.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QBoxLayout, QWidget

Direction = QBoxLayout.Direction

# The buttons go below the box once their column would take more than 1/NARROW_SHARE of the row.
NARROW_SHARE = 5


class InputRow(QBoxLayout):
    """A layout of the input box and its buttons that rearranges itself by its width."""

    def __init__(self, input_box: QWidget, buttons: list[QWidget]) -> None:
        super().__init__(Direction.LeftToRight)
        self._buttons = buttons
        self.buttons = QBoxLayout(Direction.BottomToTop)
        # Items run bottom to top (beside the box: first button on top, room below) or left
        # to right (below the box: room on the left, first button at the right edge).
        self.buttons.addStretch()
        for button in reversed(buttons):
            self.buttons.addWidget(button)
        self.addWidget(input_box, 1)
        self.addLayout(self.buttons)

    @property
    def narrow(self) -> bool:
        return self.direction() == Direction.TopToBottom

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        narrow = self._column_width() * NARROW_SHARE > rect.width()
        if narrow != self.narrow:  # changing direction lays out again, once
            self.setDirection(Direction.TopToBottom if narrow else Direction.LeftToRight)
            self.buttons.setDirection(Direction.LeftToRight if narrow else Direction.BottomToTop)
        super().setGeometry(rect)

    def _column_width(self) -> int:
        """The width the buttons take as a column beside the box, whichever way they are
        arranged now (so the choice does not flip back and forth)."""
        return max(button.sizeHint().width() for button in self._buttons) + self.spacing()
