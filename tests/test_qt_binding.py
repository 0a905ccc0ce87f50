"""The pinned Qt binding must not corrupt None's reference count.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a method that
returns nothing; the app then aborts with "none_dealloc" after a few thousand paints. This
test fails if such a version is installed again.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QTextLayout


def test_void_methods_keep_nones_reference_count(qapp: Any) -> None:
    layout = QTextLayout("hello", QFont())
    before = sys.getrefcount(None)
    for _ in range(500):
        layout.setText("hello world")
        layout.beginLayout()
        line = layout.createLine()
        line.setLineWidth(100)
        line.setPosition(QPointF(0, 0))
        layout.endLayout()
    assert abs(sys.getrefcount(None) - before) < 100
