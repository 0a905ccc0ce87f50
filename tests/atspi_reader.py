"""A screen reader's view of Confab, through AT-SPI alone (run by ``tests/test_atspi.py``).

Runs with Debian's ``/usr/bin/python3`` (``python3-pyatspi``), inside the private D-Bus
session and X display the test made. It starts the app given after ``--``, waits for the
"model is ready" announcement, asks the questions given before ``--``, waits for each reply's
announcement, and reads every message of the list with its author. It touches the app only as
an assistive technology does: the text field's EditableText, the Send button's Action, the
tree's names and descriptions, and events. What it saw goes to the JSON file named first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pyatspi  # type: ignore[import-not-found, unused-ignore]
from gi.repository import GLib  # type: ignore[import-not-found, unused-ignore]

APP_NAME = "Confab"
DEADLINE_S = 75.0
POLL_MS = 100


class Reader:
    """Drives the walkthrough as a generator, stepped from GLib's main loop, so that AT-SPI
    events keep arriving while it waits."""

    def __init__(self, questions: list[str], app_command: list[str]) -> None:
        self.questions = questions
        self.app_command = app_command
        self.app: subprocess.Popen[bytes] | None = None
        self.announcements: list[dict[str, Any]] = []
        self.result: dict[str, Any] = {"announcements": self.announcements, "steps": []}
        self.started = time.monotonic()

    # -- events ------------------------------------------------------------------------------
    def on_announcement(self, event: Any) -> None:
        self.announcements.append({"text": str(event.any_data), "politeness": event.detail1})

    def announced(self, prefix: str) -> list[str]:
        return [a["text"] for a in self.announcements if a["text"].startswith(prefix)]

    def replies_heard(self, count: int) -> bool:
        return len(self.announced("Bot: ")) >= count

    # -- the tree ----------------------------------------------------------------------------
    def application(self) -> Any:
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.name == APP_NAME:
                return app
        return None

    def find(self, predicate: Callable[[Any], bool]) -> Any:
        app = self.application()
        return None if app is None else pyatspi.findDescendant(app, predicate)

    def named(self, role: int, name: str) -> Any:
        return self.find(lambda a: a is not None and a.getRole() == role and a.name == name)

    def messages(self) -> list[dict[str, str]]:
        """Every row of the message list: its name (author, time, start) and description."""
        view = self.named(pyatspi.ROLE_LIST, "Messages")
        if view is None:
            return []
        rows = []
        for item in view:
            if item is not None and item.getRole() == pyatspi.ROLE_LIST_ITEM:
                rows.append({"name": item.name, "description": item.description})
        return rows

    def rows_shown(self, count: int) -> bool:
        return len(self.messages()) >= count

    # -- the walkthrough ---------------------------------------------------------------------
    def step(self, text: str) -> None:
        self.result["steps"].append(f"{time.monotonic() - self.started:.1f}s {text}")

    def wait(self, condition: Callable[[], Any], what: str) -> Iterator[None]:
        while not condition():
            if time.monotonic() - self.started > DEADLINE_S:
                raise TimeoutError(f"timed out waiting for {what}")
            yield
        self.step(what)

    def walkthrough(self) -> Iterator[None]:
        self.app = subprocess.Popen(self.app_command)
        yield from self.wait(self.application, "the app on the accessibility bus")
        yield from self.wait(lambda: self.announced("The model "), "the model ready announcement")
        self.result["ready"] = self.announced("The model ")
        status = self.find(lambda a: a is not None and a.description == "Model status")
        self.result["model_status"] = "" if status is None else status.name
        field = self.named(pyatspi.ROLE_TEXT, "Message input")
        send = self.named(pyatspi.ROLE_PUSH_BUTTON, "Send")
        if field is None or send is None:
            raise LookupError("no message input or Send button in the accessibility tree")
        for number, question in enumerate(self.questions, start=1):
            editable = field.queryEditableText()
            editable.setTextContents(question)
            action = send.queryAction()
            names = [action.getName(i) for i in range(action.nActions)]
            action.doAction(names.index("Press") if "Press" in names else 0)
            yield from self.wait(partial(self.replies_heard, number), f"reply {number} announced")
            yield from self.wait(partial(self.rows_shown, 2 * number), f"reply {number} listed")
        self.result["messages"] = self.messages()

    def run(self) -> dict[str, Any]:
        pyatspi.Registry.registerEventListener(self.on_announcement, "object:announcement")
        steps = self.walkthrough()

        def advance() -> bool:
            try:
                next(steps)
            except StopIteration:
                pyatspi.Registry.stop()
                return False
            except Exception as error:  # noqa: BLE001 - reported in the JSON for the test
                self.result["error"] = "".join(traceback.format_exception(error))
                pyatspi.Registry.stop()
                return False
            return True

        GLib.timeout_add(POLL_MS, advance)
        try:
            pyatspi.Registry.start()
        finally:
            if self.app is not None:
                self.app.terminate()
                try:
                    self.app.wait(10)
                except subprocess.TimeoutExpired:
                    self.app.kill()
                    self.app.wait(10)
                self.result["app_exit"] = self.app.returncode
        return self.result


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") < 1 or argv[-1] == "--":
        print("usage: atspi_reader.py OUT.json QUESTION… -- APP_COMMAND…", file=sys.stderr)
        return 2
    split = argv.index("--")
    out, questions, command = argv[0], argv[1:split], argv[split + 1 :]
    result = Reader(questions, command).run()
    with open(out, "w", encoding="utf-8") as file:
        json.dump(result, file, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
