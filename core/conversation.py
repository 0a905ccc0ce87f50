"""The conversation: who said what, when, with the persona and title that go with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Role = Literal["user", "assistant", "system"]
ROLES: tuple[Role, ...] = ("user", "assistant", "system")


def utc_now() -> datetime:
    """The current time in UTC, to the second (transcripts store whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Version:
    """One version of a reply: Regenerate adds one, and the user picks which is shown."""

    content: str
    created_at: datetime | None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Message:
    """One turn. ``system`` messages are notes shown to the user, never sent to the model.

    A regenerated reply keeps every version in ``versions`` (the one shown included, at
    ``chosen``); ``content``, ``created_at`` and ``meta`` are always the version shown, which
    is the one the next turn builds on. A message with a single version has no ``versions``.
    """

    role: Role
    content: str
    created_at: datetime | None = field(default_factory=utc_now)  # None: imported without one
    meta: dict[str, Any] = field(default_factory=dict)
    versions: list[Version] = field(default_factory=list)
    chosen: int = 0

    def add_version(self, content: str, meta: dict[str, Any]) -> None:
        """Keep the current text as a version, add ``content`` as a new one, and show it."""
        if not self.versions:
            self.versions = [Version(self.content, self.created_at, dict(self.meta))]
        self.versions.append(Version(content, utc_now(), dict(meta)))
        self.show_version(len(self.versions) - 1)

    def show_version(self, index: int) -> bool:
        """Show version ``index`` (clamped); False if there was nothing to change."""
        if not self.versions:
            return False
        index = max(0, min(index, len(self.versions) - 1))
        if index == self.chosen and self.content == self.versions[index].content:
            return False
        self.chosen = index
        version = self.versions[index]
        self.content, self.created_at, self.meta = (
            version.content,
            version.created_at,
            dict(version.meta),
        )
        return True


@dataclass
class Conversation:
    """An ordered list of messages with the persona that leads the bot's context."""

    messages: list[Message] = field(default_factory=list)
    persona: str = ""
    title: str = ""
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)

    def add(self, role: Role, content: str, meta: dict[str, Any] | None = None) -> Message:
        """Append a message and return it."""
        message = Message(role=role, content=content, meta=dict(meta or {}))
        self.messages.append(message)
        self.updated_at = message.created_at or utc_now()
        if not self.title and role == "user":
            self.title = default_title(content)
        return message

    def dialogue(self) -> list[Message]:
        """The user and assistant turns, in order: what the model may see."""
        return [m for m in self.messages if m.role in ("user", "assistant")]


def default_title(first_user_message: str, max_chars: int = 60) -> str:
    """A title from the first user message: its first line, shortened at a word."""
    line = " ".join(first_user_message.split())
    if len(line) <= max_chars:
        return line
    cut = line[:max_chars].rsplit(" ", 1)[0] or line[:max_chars]
    return cut + "…"
