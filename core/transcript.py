"""Transcripts: the versioned JSON file a chat is saved in, and its exports.

The format is documented in ``docs/transcript-format.md``; the names and values written
to disk here are that document's contract ("values serialized to disk, do not change or
reuse"). Reading is strict about types but forgiving about what is missing: any bytes on
disk either load or raise :class:`TranscriptError` with a message that names the file and
the problem. Saving is atomic: a temporary file in the same folder is written, flushed and
fsynced, then renamed over the old one, so a crash or a failed save never leaves a half
written chat behind (issue 3; a chat app that deleted the old file before the rename lost
its users' chats).
"""

from __future__ import annotations

import codecs
import errno
import itertools
import json
import logging
import math
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from core.conversation import (
    ROLES,
    Conversation,
    Message,
    Role,
    Version,
    default_title,
    utc_now,
)
from core.settings import GenerationSettings

log = logging.getLogger(__name__)

FORMAT_NAME = "confab-transcript"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_NESTING_DEPTH = 100
EXTENSION = ".confab.json"
OPEN_SUFFIXES: tuple[str, ...] = (EXTENSION, ".json")
AUTOSAVE_FILE_NAME = "autosave" + EXTENSION  # where Confab before the library kept one chat

SPEAKERS: dict[Role, str] = {"user": "You", "assistant": "Bot", "system": "Note"}


class TranscriptError(Exception):
    """A transcript could not be read or written; the message names the file and the problem."""


class SaveError(TranscriptError):
    """A save failed. The file that was there before is unchanged and no temporary is left."""


@dataclass
class Transcript:
    """A conversation with the model and settings it was held with.

    ``chat_id``, ``pinned`` and ``draft`` are the chat library's optional fields: a stable id,
    whether the chat stays at the top of the sidebar, and the unsent text of its input box.
    """

    conversation: Conversation = field(default_factory=Conversation)
    model_id: str = ""
    settings: GenerationSettings = field(default_factory=GenerationSettings)
    chat_id: str = ""
    pinned: bool = False
    draft: str = ""


@dataclass(frozen=True)
class LoadedTranscript:
    """What was read from a file. ``imported`` is true for a bare OpenAI-style message list:
    the GUI opens it as a new, unsaved chat instead of treating the file as the chat's home."""

    transcript: Transcript
    imported: bool = False


# --- writing -------------------------------------------------------------------------------


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``; fractions of a second only when there are some."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def to_json_dict(transcript: Transcript) -> dict[str, Any]:
    """The transcript as the JSON object written to disk (format version 1)."""
    conversation = transcript.conversation
    messages = [_message_json(message) for message in conversation.messages]
    data: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
    }
    if transcript.chat_id:
        data["id"] = transcript.chat_id
    data |= {
        "title": conversation.title,
        "created_at": format_time(conversation.created_at),
        "updated_at": format_time(conversation.updated_at),
        "model": {"id": transcript.model_id, "settings": transcript.settings.overrides()},
        "persona": conversation.persona,
    }
    if transcript.pinned:
        data["pinned"] = True
    if transcript.draft:
        data["draft"] = transcript.draft
    data["messages"] = messages
    return data


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _message_json(message: Message) -> dict[str, Any]:
    item: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.created_at is not None:
        item["created_at"] = format_time(message.created_at)
    if message.meta:
        item["meta"] = dict(message.meta)
    if len(message.versions) > 1:
        item["versions"] = [
            _version_json(v, shown=i == message.chosen) for i, v in enumerate(message.versions)
        ]
        item["chosen"] = message.chosen
    return item


def _version_json(version: Version, shown: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"content": version.content}
    if version.created_at is not None:
        item["created_at"] = format_time(version.created_at)
    if version.meta:
        item["meta"] = dict(version.meta)
    if version.following is not None and not shown:
        item["following"] = [_message_json(m) for m in version.following]
    return item


def dumps(transcript: Transcript) -> str:
    """The file's text. Raises ``ValueError``/``TypeError`` if a message's meta is not JSON."""
    text = json.dumps(to_json_dict(transcript), ensure_ascii=False, indent=2, allow_nan=False)
    # A lone surrogate (possible in a Python str, never in UTF-8) can only sit inside a JSON
    # string here, so writing it as a \\u escape keeps the file valid UTF-8 and loads it back
    # exactly.
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def save(path: str | os.PathLike[str], transcript: Transcript) -> None:
    """Write the transcript to ``path`` atomically; raises :class:`SaveError` on failure."""
    try:
        text = dumps(transcript)
    except (TypeError, ValueError, RecursionError) as exc:
        raise SaveError(
            f'Could not save "{path}": the chat holds a value that cannot be written as '
            f"JSON ({exc}). The previous file was not changed."
        ) from exc
    write_text_atomic(path, text)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) so that it is always the old or the new file.

    A temporary file is written in the same folder, flushed and fsynced, then renamed over
    ``path``; the folder is fsynced after the rename on POSIX. The old file is never deleted
    first. A read-only ``path`` is refused. On any failure the old file is unchanged, the
    temporary is removed, and :class:`SaveError` says what failed and where.
    """
    target = Path(os.path.realpath(path))  # save through a symlink, do not replace it
    data = text.encode("utf-8", errors="replace")
    folder = target.parent

    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise _save_error(target, exc, "checking the existing file") from exc
    if existing is not None:
        if stat.S_ISDIR(existing.st_mode):
            raise SaveError(f'Could not save "{target}": it is a folder, not a file.')
        if not existing.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise SaveError(
                f'Could not save "{target}": the file is read-only. '
                "The previous file was not changed; save under another name."
            )

    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _save_error(target, exc, "creating a temporary file") from exc
    temp = Path(temp_name)
    step = "writing a temporary file"
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            step = "flushing the temporary file to disk"
            os.fsync(stream.fileno())
        if existing is not None:
            step = "copying the old file's permissions"
            os.chmod(temp, stat.S_IMODE(existing.st_mode))
        step = "replacing the old file"
        os.replace(temp, target)
    except BaseException as exc:
        _remove_quietly(temp)
        if isinstance(exc, OSError):
            raise _save_error(target, exc, step) from exc
        raise
    _fsync_folder(folder)


def _save_error(target: Path, exc: OSError, step: str) -> SaveError:
    code = exc.errno
    folder = target.parent
    if code == errno.ENOENT:
        reason = f'the folder "{folder}" does not exist'
    elif code == errno.ENOTDIR:
        reason = f'"{folder}" is not a folder'
    elif code in (errno.EACCES, errno.EPERM):
        reason = f'permission denied in "{folder}"'
    elif code == errno.ENOSPC:
        reason = "the disk is full"
    elif code == errno.EDQUOT:
        reason = "the disk quota is used up"
    elif code == errno.EROFS:
        reason = "the disk is read-only"
    else:
        reason = exc.strerror or str(exc)
    return SaveError(
        f'Could not save "{target}": {reason} (while {step}). The previous file was not changed.'
    )


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not remove temporary file %s: %s", path, exc)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable. POSIX only; some file systems refuse, which is fine."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        log.debug("could not open %s to fsync it: %s", folder, exc)
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        log.debug("could not fsync %s: %s", folder, exc)
    finally:
        os.close(fd)


def ensure_extension(path: str | os.PathLike[str]) -> Path:
    """``path`` with ``.confab.json`` added unless it already ends in ``.json``."""
    result = Path(path)
    if result.name.lower().endswith(OPEN_SUFFIXES):
        return result
    return result.with_name(result.name + EXTENSION)


# --- reading -------------------------------------------------------------------------------


def load(path: str | os.PathLike[str]) -> LoadedTranscript:
    """Read a transcript (or import an OpenAI-style message list) from ``path``.

    Raises :class:`TranscriptError`, and nothing else, for any file content: the size is
    checked before reading, the nesting depth before parsing.
    """
    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise TranscriptError(f'Cannot open "{name}": there is no such file.') from exc
    except OSError as exc:
        raise TranscriptError(f'Cannot open "{name}": {exc.strerror or exc}.') from exc
    if stat.S_ISDIR(info.st_mode):
        raise TranscriptError(f'Cannot open "{name}": it is a folder, not a file.')
    if not stat.S_ISREG(info.st_mode):
        raise TranscriptError(f'Cannot open "{name}": it is not a regular file.')
    if info.st_size > MAX_FILE_BYTES:
        raise TranscriptError(_too_large(name, info.st_size))
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise TranscriptError(f'Cannot open "{name}": {exc.strerror or exc}.') from exc
    if len(data) > MAX_FILE_BYTES:
        raise TranscriptError(_too_large(name, len(data)))
    return loads(data, source=name)


def _too_large(name: str, size: int) -> str:
    return (
        f'Cannot open "{name}": it is {size / 1024 / 1024:.0f} MB; '
        f"Confab opens transcripts up to {MAX_FILE_BYTES // 1024 // 1024} MB."
    )


def loads(data: bytes | str, source: str = "transcript") -> LoadedTranscript:
    """Parse a transcript's bytes or text; ``source`` names it in error messages."""
    if isinstance(data, bytes):
        if not data.strip():
            raise TranscriptError(f'Cannot open "{source}": the file is empty.')
        if b"\x00" in data:
            raise TranscriptError(f'Cannot open "{source}": it is a binary file, not a transcript.')
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TranscriptError(
                f'Cannot open "{source}": it is not UTF-8 text '
                f"(byte 0x{data[exc.start]:02x} at offset {exc.start})."
            ) from exc
    else:
        text = data
    if not text.strip():
        raise TranscriptError(f'Cannot open "{source}": the file is empty.')
    if _nesting_depth(text) > MAX_NESTING_DEPTH:
        raise TranscriptError(
            f'Cannot open "{source}": it is nested more than {MAX_NESTING_DEPTH} levels deep, '
            "which no transcript is."
        )
    try:
        value = json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise TranscriptError(
            f'Cannot open "{source}": it is not valid JSON, or it was cut short '
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    except (ValueError, RecursionError) as exc:  # huge or non-finite numbers; depth, belt
        raise TranscriptError(f'Cannot open "{source}": it is not valid JSON ({exc}).') from exc
    return parse(value, source=source)


# Strings are removed first so that brackets inside them do not count. The pattern cannot
# fail once it sees a quote (the closing quote is optional), so it never backtracks
# quadratically over an unterminated string.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _nesting_depth(text: str) -> int:
    """The deepest bracket nesting outside strings, found without recursion.

    It is at least as deep as the JSON parser would go before it finishes or fails, so a
    recursion bomb (``[[[[…``) is refused before ``json.loads`` recurses into it.
    """
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    return max(itertools.accumulate(map(_BRACKET_STEP.__getitem__, brackets)))


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def parse(data: object, source: str = "transcript") -> LoadedTranscript:
    """Build a transcript from a decoded JSON value (an object, or an OpenAI-style list)."""
    if isinstance(data, list):
        return LoadedTranscript(_parse_message_list(data, source), imported=True)
    if not isinstance(data, dict):
        raise _bad(source, f"it holds a JSON {_json_type(data)}, not a Confab transcript")
    if data.get("format") != FORMAT_NAME:
        raise _bad(source, f'it is not a Confab transcript (no "format": "{FORMAT_NAME}")')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _bad(
            source, f"it has {_describe('version', version)}; it should be a whole number from 1"
        )
    if version > FORMAT_VERSION:
        raise _bad(
            source,
            f"it is a version {version} transcript, and this version of Confab reads "
            f"version {FORMAT_VERSION} transcripts; a newer Confab is needed to open it",
        )

    raw_messages = data.get("messages")
    if not isinstance(raw_messages, list):
        raise _bad(source, f"it has {_describe('messages', raw_messages)}; it should be a list")
    messages = [m for i, item in enumerate(raw_messages) for m in _parse_message(item, i, source)]

    model = _optional(data, "model", dict, {}, source)
    model_id = _optional(model, "id", str, "", source, where='"model"')
    settings = _optional(model, "settings", dict, {}, source, where='"model"')
    created = _optional_time(data, "created_at", source, "the transcript")
    updated = _optional_time(data, "updated_at", source, "the transcript")
    if created is None:
        created = _first_time(messages) or utc_now()
    if updated is None:
        updated = _first_time(reversed(messages)) or created
    title = _optional(data, "title", str, None, source)
    conversation = Conversation(
        messages=messages,
        persona=_optional(data, "persona", str, "", source),
        title=_derived_title(messages) if title is None else title,
        created_at=created,
        updated_at=updated,
    )
    transcript = Transcript(
        conversation,
        model_id,
        GenerationSettings.from_dict(settings),
        chat_id=_optional(data, "id", str, "", source),
        pinned=_optional(data, "pinned", bool, False, source),
        draft=_optional(data, "draft", str, "", source),
    )
    return LoadedTranscript(transcript, imported=False)


def _parse_message_list(items: list[Any], source: str) -> Transcript:
    """An OpenAI-style message list: a leading system message is the persona, content given
    as a list of parts is joined as text, and parts that are not text are named in a note."""
    messages: list[Message] = []
    for i, item in enumerate(items):
        messages += _parse_message(item, i, source, imported=True)
    persona = ""
    if messages and messages[0].role == "system":
        persona = messages.pop(0).content
    now = utc_now()
    conversation = Conversation(
        messages=messages,
        persona=persona,
        title=_derived_title(messages),
        created_at=_first_time(messages) or now,
        updated_at=_first_time(reversed(messages)) or now,
    )
    return Transcript(conversation)


def _parse_message(
    item: object, index: int, source: str, imported: bool = False, where: str = "message"
) -> list[Message]:
    """The message at ``index``; an imported one with parts Confab cannot show is followed by
    a note that names them."""
    where = f"{where} {index + 1}"
    if not isinstance(item, dict):
        raise _bad(source, f"{where} is {_show(item)}; it should be an object")
    role = item.get("role")
    if role not in ROLES:
        raise _bad(
            source,
            f'{where} has {_describe("role", role)}; it should be "user", "assistant" or "system"',
        )
    content = item.get("content")
    skipped: list[str] = []
    if imported and isinstance(content, list):
        content, skipped = _joined_parts(content, where, source)
    if not isinstance(content, str):
        raise _bad(source, f"{where} has {_describe('content', content)}; it should be text")
    created = _optional_time(item, "created_at", source, where)
    meta = _optional(item, "meta", dict, {}, source, where=where)
    # A message without a time gets none, not the time the file happened to be opened.
    message = Message(role=role, content=content, created_at=created, meta=meta)
    if not imported and item.get("versions") is not None:
        _parse_versions(message, item, where, source)
    if not skipped:
        return [message]
    names = ", ".join(sorted(set(skipped)))
    note = Message(
        role="system",
        content=f"This message also held {len(skipped)} part(s) that are not text ({names}); "
        "Confab keeps only the text.",
        created_at=created,
        meta={"import_note": True},
    )
    return [message, note]


def _parse_versions(message: Message, item: dict[str, Any], where: str, source: str) -> None:
    """A regenerated reply's versions; the one at "chosen" must be the message itself."""
    raw = item.get("versions")
    if not isinstance(raw, list) or not raw:
        raise _bad(source, f"{where} has {_describe('versions', raw)}; it should be a list")
    versions = []
    for number, value in enumerate(raw, 1):
        part = f"{where}, version {number}"
        if not isinstance(value, dict) or not isinstance(value.get("content"), str):
            raise _bad(source, f'{part} should be an object with a text "content"')
        created = _optional_time(value, "created_at", source, part)
        meta = _optional(value, "meta", dict, {}, source, where=part)
        following = _optional(value, "following", list, None, source, where=part)
        branch = None
        if following is not None:  # an edited turn's other branch: the messages after it
            branch = [
                m
                for i, entry in enumerate(following)
                for m in _parse_message(entry, i, source, where=f"{part}, following message")
            ]
        versions.append(Version(value["content"], created, meta, branch))
    chosen = item.get("chosen", 0)
    if not isinstance(chosen, int) or isinstance(chosen, bool) or not 0 <= chosen < len(versions):
        raise _bad(source, f"{where} has {_describe('chosen', chosen)}; it should name a version")
    if any(v.following is not None for v in versions):
        versions[chosen].following = None  # the shown branch is the chat's own messages
    message.versions, message.chosen = versions, chosen
    shown = versions[chosen]  # the message's own fields mirror it; the versions are the truth
    message.content, message.created_at = shown.content, shown.created_at
    message.meta = dict(shown.meta)


def _joined_parts(parts: list[Any], where: str, source: str) -> tuple[str, list[str]]:
    """``[{"type": "text", "text": …}, …]`` as one text, and the types of the other parts."""
    texts: list[str] = []
    skipped: list[str] = []
    for part in parts:
        if isinstance(part, dict) and part.get("type") == "text":
            text = part.get("text")
            if not isinstance(text, str):
                raise _bad(source, f'{where} has a text part whose "text" is not text')
            texts.append(text)
        elif isinstance(part, str):
            texts.append(part)
        else:
            kind = part.get("type") if isinstance(part, dict) else None
            skipped.append(str(kind) if isinstance(kind, str) else "unknown")
    return "\n".join(texts), skipped


def _optional(
    data: dict[str, Any], key: str, kind: type, default: Any, source: str, where: str = ""
) -> Any:
    """``data[key]`` if it has type ``kind``; ``default`` if missing or null; else an error."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        names: dict[type, str] = {str: "text", dict: "an object", list: "a list"}
        expected = names.get(kind, kind.__name__)
        raise _bad(source, f"{where or 'it'} has {_describe(key, value)}; it should be {expected}")
    return value


def _optional_time(data: dict[str, Any], key: str, source: str, where: str) -> datetime | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    raise _bad(
        source,
        f'{where} has {_describe(key, value)}; it should be a time like "2026-11-24T10:00:00Z"',
    )


def _derived_title(messages: list[Message]) -> str:
    first = next((m.content for m in messages if m.role == "user"), "")
    return default_title(first)


def _bad(source: str, problem: str) -> TranscriptError:
    return TranscriptError(f'Cannot open "{source}": {problem}.')


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _describe(key: str, value: object) -> str:
    """``no "key"`` or ``"key" <value>``, for "message 3 has …" in an error message."""
    return f'no "{key}"' if value is None else f'"{key}" {_show(value)}'


def _show(value: object) -> str:
    """A short description of a wrong value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else repr(value)[:40]
    return "a list" if isinstance(value, list) else "an object"


# --- exports -------------------------------------------------------------------------------


def _first_time(messages: Iterable[Message]) -> datetime | None:
    return next((m.created_at for m in messages if m.created_at is not None), None)


def _stamp(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _zone_name(tz: tzinfo) -> str:
    return datetime.now(tz).strftime("%Z") or "local time"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_MARKDOWN_LINE_START = re.compile(r"^(\s*\d*)([-+=.)])", re.MULTILINE)


def _markdown_escape(text: str) -> str:
    """Text that renders literally: markup such as ``<b>`` shows as typed, never as HTML."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    escaped = _MARKDOWN_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    lines = escaped.split("\n")
    # A backslash at the end of a line is a hard line break, so single newlines survive.
    return "\n".join(
        line + "\\" if line.strip() and i + 1 < len(lines) and lines[i + 1].strip() else line
        for i, line in enumerate(lines)
    )


def export_markdown(transcript: Transcript, tz: tzinfo = UTC) -> str:
    """The chat as Markdown: a heading, details, then ``**You:**`` / ``**Bot:**`` turns."""
    conversation = transcript.conversation
    title = conversation.title or "Conversation"
    lines = [f"# {_markdown_escape(title)}", ""]
    details = [f"Started {_stamp(conversation.created_at, tz)} ({_zone_name(tz)})"]
    if transcript.model_id:
        details.append(f"model `{transcript.model_id}`")
    lines += ["_" + ", ".join(details) + "_", ""]
    if conversation.persona:
        lines += [f"> **Persona:** {_markdown_escape(conversation.persona)}", ""]
    for message in conversation.messages:
        when = "" if message.created_at is None else _stamp(message.created_at, tz)
        body = _markdown_escape(message.content)
        if message.role == "system":
            note = f"Note ({when})" if when else "Note"
            lines += [f"> _{note}:_ {body}".replace("\n", "\n> "), ""]
        else:
            stamp = f" _({when})_" if when else ""
            lines += [f"**{SPEAKERS[message.role]}:**{stamp}\\", body, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def export_text(transcript: Transcript, tz: tzinfo = UTC) -> str:
    """The chat as plain text: a title block, then one ``[time] You: …`` entry per turn."""
    conversation = transcript.conversation
    title = conversation.title or "Conversation"
    lines = [title, "=" * min(len(title), 72)]
    lines.append(f"Started {_stamp(conversation.created_at, tz)} ({_zone_name(tz)})")
    if transcript.model_id:
        lines.append(f"Model: {transcript.model_id}")
    if conversation.persona:
        lines.append(f"Persona: {conversation.persona}")
    lines.append("")
    for message in conversation.messages:
        when = "" if message.created_at is None else f"[{_stamp(message.created_at, tz)}] "
        head = f"{when}{SPEAKERS[message.role]}: "
        body = message.content.replace("\n", "\n" + " " * len(head))
        lines += [head + body, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def export_openai_json(transcript: Transcript) -> str:
    """The chat as an OpenAI-style message list, for other tools: the persona leads as the
    system message; Confab's notes (its own "system" messages) are left out."""
    conversation = transcript.conversation
    messages: list[dict[str, str]] = []
    if conversation.persona:
        messages.append({"role": "system", "content": conversation.persona})
    messages += [
        {"role": m.role, "content": m.content}
        for m in conversation.messages
        if m.role in ("user", "assistant")
    ]
    return json.dumps(messages, ensure_ascii=False, indent=2) + "\n"
