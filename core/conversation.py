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
    """One version of a message: Regenerate adds one to a reply, Edit one to a user turn.

    An edited user turn is a branch point: each of its versions not shown keeps in
    ``following`` the messages that came after it, and showing it brings them back. The shown
    version's followers are the conversation's own messages, so its ``following`` is None,
    as it is for every reply version.
    """

    content: str
    created_at: datetime | None
    meta: dict[str, Any] = field(default_factory=dict)
    following: list[Message] | None = None


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

    @property
    def is_branch_point(self) -> bool:
        """An edited turn: its versions carry the messages that followed each."""
        return any(v.following is not None for v in self.versions)

    def show_version(self, index: int) -> bool:
        """Show version ``index`` (clamped); False if there was nothing to change.

        For a branch point use :meth:`Conversation.show_version`, which also swaps the
        messages that follow."""
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

    def edit(self, message: Message, text: str) -> None:
        """Replace a user turn by an edited one: the old text and everything after it stay
        as an alternative branch of this turn, and the conversation ends at the edited turn."""
        index = self.index_of(message)
        tail = self.messages[index + 1 :]
        if not message.versions:
            message.versions = [Version(message.content, message.created_at, dict(message.meta))]
        message.versions[message.chosen].following = tail
        message.versions.append(Version(text, utc_now(), {}))
        message.chosen = len(message.versions) - 1
        message.content, message.meta = text, {}
        message.created_at = message.versions[-1].created_at
        del self.messages[index + 1 :]
        self.updated_at = utc_now()

    def show_version(self, message: Message, index: int) -> bool:
        """Show a version of ``message``; for a branch point, with the messages that followed
        that version (the ones shown now are kept with the version left)."""
        if not message.is_branch_point:
            return message.show_version(index)
        position = self.index_of(message)
        index = max(0, min(index, len(message.versions) - 1))
        if index == message.chosen:
            return False
        message.versions[message.chosen].following = self.messages[position + 1 :]
        if not message.show_version(index):
            return False
        chosen = message.versions[index]
        self.messages[position + 1 :] = chosen.following or []
        chosen.following = None
        return True

    def index_of(self, message: Message) -> int:
        """The position of ``message`` (by identity); ValueError if it is not here."""
        for index, candidate in enumerate(self.messages):
            if candidate is message:
                return index
        raise ValueError("the message is not in this conversation")

    def turn_of(self, message: Message) -> list[Message]:
        """The turn ``message`` belongs to: a user message and what follows it up to the next
        user message (its reply and notes); a message before any user turn alone."""
        index = self.index_of(message)
        start = index
        while start > 0 and self.messages[start].role != "user":
            start -= 1
        if self.messages[start].role != "user":
            start = index
        end = start + 1
        while end < len(self.messages) and self.messages[end].role != "user":
            end += 1
        return self.messages[start:end]

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
