"""The library as the window shows it: start-up to a filled sidebar, and switching to the
longest chat (``python -m bench.window_timing DATA_DIR``; run by ``python -m bench.library``).

It runs in its own process, offscreen, so that Qt and the window's start-up are measured as a
person would meet them; it prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(data_dir: Path) -> dict[str, float | int]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    from PySide6.QtWidgets import QApplication

    from gui.app_settings import AppSettings
    from gui.main_window import LaunchOptions, MainWindow

    app = QApplication.instance() or QApplication([])
    imported = time.perf_counter()
    options = LaunchOptions(data_dir, str(data_dir / "no-model"), "transformers", 1, True)
    window = MainWindow(options, AppSettings(data_dir))
    window.setProperty("headless", True)
    window.show()
    while window.chat_list_model.rowCount() == 0:
        app.processEvents()
    sidebar_shown = time.perf_counter()
    rows = window.chat_list_model.rowCount()

    refresher = window.library_start.refresher
    if refresher is not None and refresher.worker_thread is not None:
        refresher.worker_thread.join(60)  # the background check of the files: done first
    app.processEvents()

    longest = max(
        (c for c in window.library.chats.values() if c.path is not None),
        key=lambda chat: chat.path.stat().st_size if chat.path else 0,
    )
    switch_started = time.perf_counter()
    window.show_chat(longest)
    window.message_view.doItemsLayout()
    app.processEvents()
    switched = time.perf_counter()
    messages = window.message_model.rowCount()
    window.close()
    return {
        "qt_import_s": imported - started,
        "window_sidebar_s": sidebar_shown - imported,
        "sidebar_rows": rows,
        "switch_longest_chat_s": switched - switch_started,
        "longest_chat_messages": messages,
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))), flush=True)
    os._exit(0)  # the window's worker thread needs no orderly end here
