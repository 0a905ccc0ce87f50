"""Transcripts: save a chat, open it again, export it, and never lose it when a save fails."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.conversation import Conversation, Message
from core.settings import GenerationSettings
from core.transcript import (
    EXTENSION,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_FILE_BYTES,
    SaveError,
    Transcript,
    TranscriptError,
    dumps,
    ensure_extension,
    export_markdown,
    export_text,
    load,
    loads,
    parse,
    save,
    to_json_dict,
    write_text_atomic,
)

REPO = Path(__file__).resolve().parent.parent
HANDWRITTEN = Path(__file__).parent / "data" / "handwritten.confab.json"
T0 = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
MARKUP = '<b>bold</b> <img src=x onerror="alert(1)"> <script>alert("hi")</script> &amp; *star*'


def make_transcript() -> Transcript:
    conversation = Conversation(
        persona="You are a cheerful hiking guide.",
        title="Weekend plans",
        created_at=T0,
        updated_at=T0 + timedelta(seconds=30),
    )
    conversation.messages = [
        Message("system", "Model loaded", T0),
        Message("user", "Hi there", T0 + timedelta(seconds=10)),
        Message("assistant", "Hello! How are you?", T0 + timedelta(seconds=12), {"reply_s": 2.1}),
        Message("user", MARKUP, T0 + timedelta(seconds=20)),
        Message("assistant", "Line one\nLine two", T0 + timedelta(seconds=30), {"tokens": 14}),
    ]
    settings = GenerationSettings(num_beams=1, do_sample=True, temperature=0.8, top_p=0.9)
    return Transcript(conversation, "facebook/blenderbot-400M-distill", settings)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- round trip -----------------------------------------------------------------------------


def test_a_saved_chat_opens_with_the_same_messages_persona_settings_and_times(tmp_path):
    original = make_transcript()
    path = tmp_path / f"chat{EXTENSION}"
    save(path, original)

    loaded = load(path)

    assert not loaded.imported
    assert loaded.transcript == original
    assert loaded.transcript.conversation.messages[3].content == MARKUP
    assert files_in(tmp_path) == ["chat.confab.json"]


def test_the_file_is_readable_json_with_markup_and_unicode_written_literally(tmp_path):
    path = tmp_path / "chat.confab.json"
    transcript = make_transcript()
    transcript.conversation.add("user", "Grüße 👋")
    save(path, transcript)

    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["format"] == FORMAT_NAME
    assert data["version"] == FORMAT_VERSION == 1  # the on-disk contract, not just a constant
    assert data["created_at"] == "2026-11-24T10:00:00Z"
    assert data["model"] == {
        "id": "facebook/blenderbot-400M-distill",
        "settings": {"num_beams": 1, "do_sample": True, "temperature": 0.8, "top_p": 0.9},
    }
    assert data["messages"][2] == {
        "role": "assistant",
        "content": "Hello! How are you?",
        "created_at": "2026-11-24T10:00:12Z",
        "meta": {"reply_s": 2.1},
    }
    assert "meta" not in data["messages"][1]
    assert '<script>alert(\\"hi\\")</script>' in text
    assert "Grüße 👋" in text
    assert text.endswith("}\n")
    # docs/transcript-format.md: indented by two spaces, non-ASCII text written as it is.
    assert text == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def test_times_with_fractions_and_offsets_are_kept_as_utc():
    conversation = Conversation(created_at=T0, updated_at=T0)
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone(timedelta(hours=2)))
    conversation.messages.append(Message("user", "x", moment))
    text = dumps(Transcript(conversation))
    assert '"2026-01-02T01:04:05.678000Z"' in text
    assert loads(text).transcript.conversation.messages[0].created_at == moment


def test_a_lone_surrogate_is_written_as_an_escape_and_reads_back():
    conversation = Conversation(created_at=T0, updated_at=T0)
    conversation.messages.append(Message("user", "half \ud83d of an emoji", T0))
    text = dumps(Transcript(conversation))
    text.encode("utf-8")  # strict: the file is valid UTF-8
    assert loads(text).transcript.conversation.messages[0].content == "half \ud83d of an emoji"


def test_the_handwritten_example_opens(tmp_path):
    loaded = load(HANDWRITTEN)

    transcript = loaded.transcript
    conversation = transcript.conversation
    assert not loaded.imported
    assert conversation.title == "Weekend plans"
    assert conversation.persona == "You are a cheerful hiking guide."
    assert conversation.created_at == T0
    assert conversation.updated_at == T0 + timedelta(seconds=65)
    assert transcript.model_id == "facebook/blenderbot-400M-distill"
    assert transcript.settings == GenerationSettings(
        num_beams=1, do_sample=True, temperature=0.8, top_p=0.9
    )
    assert [m.role for m in conversation.messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert conversation.messages[2].meta == {"reply_s": 2.1, "tokens": 14}
    assert conversation.messages[3].content == "Is <b>bold</b> text shown as typed? Ünïcödé 👋"
    assert conversation.messages[4].content == "It is.\nLine two."

    resaved = tmp_path / "again.confab.json"
    save(resaved, transcript)
    assert load(resaved).transcript == transcript


def test_the_format_document_shows_the_handwritten_example_verbatim():
    document = (REPO / "docs" / "transcript-format.md").read_text(encoding="utf-8")
    example = document.split("## Example", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    assert example == HANDWRITTEN.read_text(encoding="utf-8")


# --- reading rules --------------------------------------------------------------------------


def minimal(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {"format": FORMAT_NAME, "version": 1, "messages": []}
    data.update(changes)
    return data


def test_a_newer_version_is_refused_naming_both_versions(tmp_path):
    path = tmp_path / "future.confab.json"
    path.write_text(json.dumps(minimal(version=FORMAT_VERSION + 1)), encoding="utf-8")

    with pytest.raises(TranscriptError) as caught:
        load(path)

    message = str(caught.value)
    assert str(path) in message
    assert f"version {FORMAT_VERSION + 1} transcript" in message
    assert f"reads version {FORMAT_VERSION} transcripts" in message


def test_an_openai_style_list_imports_with_its_leading_system_message_as_the_persona(tmp_path):
    path = tmp_path / "export.json"
    items = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Hi there", "name": "sam"},
        {"role": "assistant", "content": "Hello! How are you?"},
        {"role": "system", "content": "The user left."},
    ]
    path.write_text(json.dumps(items), encoding="utf-8")

    loaded = load(path)

    assert loaded.imported
    conversation = loaded.transcript.conversation
    assert conversation.persona == "You are a helpful assistant."
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "Hi there"),
        ("assistant", "Hello! How are you?"),
        ("system", "The user left."),  # a later system message is a note
    ]
    assert all(m.created_at is None for m in conversation.messages)  # none were given
    assert conversation.title == "Hi there"
    assert loaded.transcript.model_id == ""


def test_content_given_as_parts_is_joined_and_other_parts_are_named():
    items = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this picture?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                {"type": "text", "text": "Be brief."},
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
    ]
    messages = parse(items).transcript.conversation.messages
    assert [(m.role, m.content) for m in messages[:1]] == [
        ("user", "What is in this picture?\nBe brief.")
    ]
    assert messages[1].role == "system" and "image_url" in messages[1].content
    assert (messages[2].role, messages[2].content) == ("assistant", "A cat.")
    with pytest.raises(TranscriptError, match="message 1"):
        parse([{"role": "user", "content": [{"type": "text", "text": 5}]}])


def test_an_imported_list_spans_the_times_of_its_first_and_last_messages():
    items = [
        {"role": "user", "content": "a", "created_at": "2026-11-24T10:00:00Z"},
        {"role": "assistant", "content": "b", "created_at": "2026-11-24T10:00:05Z"},
        {"role": "user", "content": "c", "created_at": "2026-11-24T10:00:09Z"},
    ]
    conversation = parse(items).transcript.conversation
    assert conversation.created_at == T0
    assert conversation.updated_at == T0 + timedelta(seconds=9)


def test_an_openai_list_with_another_role_names_the_item():
    data = [{"role": "user", "content": "hi"}, {"role": "tool", "content": "{}"}]
    with pytest.raises(TranscriptError, match=r'message 2 has "role" "tool"'):
        parse(data, source="export.json")


def test_unknown_keys_are_ignored():
    data = minimal(
        future_key={"anything": [1, 2]},
        model={"id": "m", "settings": {"num_beams": 2, "warp_drive": True}, "size": 5},
        messages=[{"role": "user", "content": "hi", "created_at": "2026-11-24T10:00:00Z", "x": 1}],
    )
    transcript = parse(data).transcript
    assert transcript.settings == GenerationSettings(num_beams=2)
    assert transcript.conversation.messages == [Message("user", "hi", T0)]


def test_missing_optional_fields_get_defaults():
    before = datetime.now(UTC).replace(microsecond=0)
    data = minimal(messages=[{"role": "user", "content": "Tell me about the Alps"}])
    transcript = parse(data).transcript
    after = datetime.now(UTC)

    conversation = transcript.conversation
    assert conversation.title == "Tell me about the Alps"
    assert conversation.persona == ""
    assert transcript.model_id == ""
    assert transcript.settings == GenerationSettings()
    message = conversation.messages[0]
    assert message.meta == {}
    assert message.created_at is None  # no time was written, so none is made up
    assert before <= conversation.created_at <= after
    assert conversation.created_at == conversation.updated_at


def test_null_counts_as_missing_and_an_empty_title_is_kept():
    data = minimal(title="", persona=None, model=None, created_at=None)
    conversation = parse(data).transcript.conversation
    assert conversation.title == ""
    assert conversation.persona == ""


def test_a_byte_order_mark_is_allowed():
    text = json.dumps(minimal(title="bom"))
    assert loads(b"\xef\xbb\xbf" + text.encode()).transcript.conversation.title == "bom"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"hello": 1}, 'not a Confab transcript (no "format": "confab-transcript")'),
        ("just a string", "JSON string, not a Confab transcript"),
        (42, "JSON number"),
        (None, "JSON null"),
        (True, "JSON true/false value"),
        (minimal(version="1"), 'has "version" "1"; it should be a whole number'),
        (minimal(version=True), 'has "version" true'),
        (minimal(version=0), 'has "version" 0'),
        ({"format": FORMAT_NAME, "messages": []}, 'has no "version"'),
        ({"format": FORMAT_NAME, "version": 1}, 'has no "messages"; it should be a list'),
        (minimal(messages={"0": {}}), 'has "messages" an object; it should be a list'),
        (minimal(messages=["hi"]), 'message 1 is "hi"; it should be an object'),
        (minimal(messages=[None]), "message 1 is null; it should be an object"),
        (minimal(messages=[{"content": "hi"}]), 'message 1 has no "role"'),
        (minimal(messages=[{"role": "bot", "content": "x"}]), 'message 1 has "role" "bot"'),
        (minimal(messages=[{"role": ["user"], "content": "x"}]), '"role" a list'),
        (minimal(messages=[{"role": "user"}]), 'message 1 has no "content"; it should be text'),
        (
            minimal(messages=[{"role": "user", "content": "a"}, {"role": "user", "content": 42}]),
            'message 2 has "content" 42; it should be text',
        ),
        (
            minimal(messages=[{"role": "user", "content": "a", "created_at": "yesterday"}]),
            'message 1 has "created_at" "yesterday"; it should be a time',
        ),
        (
            minimal(messages=[{"role": "user", "content": "a", "created_at": 1700000000}]),
            '"created_at" 1700000000',
        ),
        (
            minimal(messages=[{"role": "user", "content": "a", "meta": [1]}]),
            'message 1 has "meta" a list; it should be an object',
        ),
        (minimal(title=7), 'it has "title" 7; it should be text'),
        # Long values are shortened: text to 37 characters and "...", numbers to 40.
        (
            minimal(messages=[{"role": "r" * 40, "content": "a"}]),
            f'message 1 has "role" "{"r" * 40}"; it should be',
        ),
        (
            minimal(messages=[{"role": "r" * 41, "content": "a"}]),
            f'message 1 has "role" "{"r" * 37}..."; it should be',
        ),
        (minimal(title=10**50), f'it has "title" 1{"0" * 39}; it should be text'),
        (minimal(persona=["x"]), '"persona" a list'),
        (minimal(model="blenderbot"), 'it has "model" "blenderbot"; it should be an object'),
        (minimal(model={"id": 3}), '"model" has "id" 3'),
        (minimal(model={"settings": [1]}), '"model" has "settings" a list'),
        (minimal(updated_at="0001-01-01T00:00:00+01:00"), '"updated_at"'),
    ],
)
def test_the_wrong_shape_or_types_are_named_in_the_error(data, expected):
    with pytest.raises(TranscriptError) as caught:
        parse(data, source="chat.confab.json")
    assert str(caught.value).startswith('Cannot open "chat.confab.json": ')
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"  \n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b'{"format": "confab-transcript", "version": 1, "messages": [\xff]}', "not UTF-8"),
        (b"not json at all", "not valid JSON"),
        (
            b'{"format": "confab-transcript", "version": 1' + b"0" * 50 + b"e999}",
            f"the number 1{'0' * 39} is out of range",  # shortened to 40 characters
        ),
        (b'{"format": "confab-transcript", "version": 1, "messages": [{"role": "us', "cut short"),
        (b"[" * 100_000, "nested more than 100 levels"),
        (b'{"a": ' * 5000 + b"1" + b"}" * 5000, "nested more than 100 levels"),
        (b'{"format": "confab-transcript", "version": 1e999, "messages": []}', "out of range"),
        (b'{"format": "confab-transcript", "version": NaN, "messages": []}', "NaN"),
        (b'{"format": "confab-transcript", "version": ' + b"9" * 5000 + b"}", "not valid JSON"),
    ],
)
def test_bad_files_get_one_clear_error_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "bad.confab.json"
    path.write_bytes(content)
    with pytest.raises(TranscriptError) as caught:
        load(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_brackets_inside_text_do_not_count_as_nesting():
    content = "[[[{{{" * 1000 + '\\"]]]' * 100
    data = minimal(messages=[{"role": "user", "content": content}])
    assert loads(json.dumps(data)).transcript.conversation.messages[0].content == content


def test_a_missing_file_a_folder_and_a_fifo_are_refused(tmp_path):
    with pytest.raises(TranscriptError, match="there is no such file"):
        load(tmp_path / "nope.confab.json")
    with pytest.raises(TranscriptError, match="it is a folder"):
        load(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.json"
        os.mkfifo(fifo)
        with pytest.raises(TranscriptError, match="not a regular file"):
            load(fifo)


def test_the_size_limit_is_exactly_50_mib(tmp_path):
    at_limit, over = tmp_path / "at-limit.confab.json", tmp_path / "over.confab.json"
    for path, size in ((at_limit, 50 * 1024 * 1024), (over, 50 * 1024 * 1024 + 1)):
        with open(path, "wb") as stream:
            stream.truncate(size)  # sparse: all zero bytes
    with pytest.raises(TranscriptError, match="Confab opens transcripts up to 50 MB"):
        load(over)
    with pytest.raises(TranscriptError, match="it is a binary file"):  # read, then refused
        load(at_limit)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.confab.json"
    with open(path, "wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: no data is written
    opened: list[object] = []
    monkeypatch.setattr(
        "core.transcript.open", lambda *args, **kwargs: opened.append(args), raising=False
    )

    started = time.perf_counter()
    with pytest.raises(TranscriptError, match=r"it is 50 MB; Confab opens transcripts up to 50 MB"):
        load(path)
    assert time.perf_counter() - started < 0.5
    assert opened == []


# --- exports --------------------------------------------------------------------------------


def test_markdown_export_has_a_heading_and_you_and_bot_turns_with_times():
    markdown = export_markdown(make_transcript())

    assert markdown.startswith("# Weekend plans\n")
    assert "model `facebook/blenderbot-400M-distill`" in markdown
    assert "> **Persona:** You are a cheerful hiking guide." in markdown
    assert "> _Note (2026-11-24 10:00):_ Model loaded" in markdown
    assert "**You:** _(2026-11-24 10:00)_\\\nHi there\n" in markdown
    assert "**Bot:** _(2026-11-24 10:00)_\\\nHello! How are you?\n" in markdown
    assert "Line one\\\nLine two" in markdown
    assert markdown.index("Hi there") < markdown.index("Hello! How are you?")


def test_markdown_export_shows_markup_literally_instead_of_rendering_it():
    markdown = export_markdown(make_transcript())
    assert "\\<script\\>" in markdown
    assert "<script>" not in markdown
    assert "\\<b\\>bold\\</b\\>" in markdown
    assert "\\*star\\*" in markdown
    assert "\\&amp;" in markdown


def test_markdown_export_escapes_list_and_heading_markers_at_line_starts():
    conversation = Conversation(created_at=T0, updated_at=T0)
    conversation.messages.append(Message("user", "# not a heading\n- not a list\n1. nor this", T0))
    markdown = export_markdown(Transcript(conversation))
    assert "\\# not a heading\\\n\\- not a list\\\n1\\. nor this" in markdown


def test_exports_use_the_time_zone_given():
    zone = timezone(timedelta(hours=2), "CEST")
    assert "**You:** _(2026-11-24 12:00)_" in export_markdown(make_transcript(), tz=zone)
    assert "[2026-11-24 12:00] You: Hi there" in export_text(make_transcript(), tz=zone)
    assert "(CEST)" in export_text(make_transcript(), tz=zone)


def test_plain_text_export_lists_each_turn_with_its_time():
    text = export_text(make_transcript())

    assert text.startswith("Weekend plans\n=============\n")
    assert "Model: facebook/blenderbot-400M-distill\n" in text
    assert "Persona: You are a cheerful hiking guide.\n" in text
    assert "[2026-11-24 10:00] Note: Model loaded\n" in text
    assert "[2026-11-24 10:00] You: Hi there\n" in text
    assert "[2026-11-24 10:00] Bot: Hello! How are you?\n" in text
    assert f"You: {MARKUP}\n" in text
    assert "Bot: Line one\n                        Line two\n" in text


def test_a_long_title_is_underlined_up_to_72_characters():
    transcript = make_transcript()
    transcript.conversation.title = "A very long title " * 6
    lines = export_text(transcript).splitlines()
    assert lines[0] == "A very long title " * 6
    assert lines[1] == "=" * 72


def test_an_untitled_empty_chat_exports():
    empty = Transcript(Conversation(created_at=T0, updated_at=T0))
    assert export_markdown(empty).startswith("# Conversation\n")
    assert export_text(empty).startswith("Conversation\n")


def test_exports_are_written_atomically_as_utf8(tmp_path):
    path = tmp_path / "chat.md"
    write_text_atomic(path, export_markdown(make_transcript()) + "👋")
    assert path.read_text(encoding="utf-8").endswith("👋")
    assert files_in(tmp_path) == ["chat.md"]


def test_to_json_dict_is_plain_json():
    data = to_json_dict(make_transcript())
    assert json.loads(json.dumps(data)) == data


def test_ensure_extension():
    assert ensure_extension("/x/chat") == Path("/x/chat.confab.json")
    assert ensure_extension("/x/chat.confab.json") == Path("/x/chat.confab.json")
    assert ensure_extension("/x/export.JSON") == Path("/x/export.JSON")


# --- failed saves leave the old file alone --------------------------------------------------


@pytest.fixture
def saved(tmp_path) -> tuple[Path, bytes]:
    """A chat already saved once: its path and its exact bytes."""
    path = tmp_path / "chat.confab.json"
    save(path, make_transcript())
    return path, path.read_bytes()


def bigger_transcript() -> Transcript:
    transcript = make_transcript()
    later = T0 + timedelta(minutes=5)
    transcript.conversation.messages.append(Message("user", "and one more " * 100, later))
    transcript.conversation.updated_at = later
    return transcript


def test_a_read_only_file_is_not_replaced(saved):
    path, before = saved
    path.chmod(0o444)

    with pytest.raises(SaveError, match=r"the file is read-only"):
        save(path, bigger_transcript())

    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores modes")
def test_a_read_only_folder_fails_cleanly(saved):
    path, before = saved
    path.parent.chmod(0o555)
    try:
        with pytest.raises(SaveError, match="permission denied"):
            save(path, bigger_transcript())
    finally:
        path.parent.chmod(0o755)
    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """Make ``path`` immutable with ``chattr +i``, which stops root too; skip where unsupported."""
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not available")
    if subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("this file system or user cannot set the immutable flag")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_an_immutable_file_is_not_replaced(saved):
    path, before = saved
    with immutable(path), pytest.raises(SaveError, match=r"while replacing the old file"):
        save(path, bigger_transcript())
    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


def test_a_folder_nobody_may_write_to_fails_cleanly(saved):
    path, before = saved
    with immutable(path.parent), pytest.raises(SaveError) as caught:
        save(path, bigger_transcript())
    assert "permission denied" in str(caught.value)
    assert "creating a temporary file" in str(caught.value)
    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


def test_permission_denied_when_creating_the_temporary_file_fails_cleanly(saved, monkeypatch):
    path, before = saved

    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("core.transcript.tempfile.mkstemp", denied)
    with pytest.raises(SaveError) as caught:
        save(path, bigger_transcript())

    message = str(caught.value)
    assert str(path) in message
    assert "permission denied" in message
    assert "creating a temporary file" in message
    assert path.read_bytes() == before


def test_a_file_that_cannot_be_read_is_named_with_the_reason(tmp_path, monkeypatch):
    too_long = tmp_path / ("x" * 300 + EXTENSION)
    with pytest.raises(TranscriptError) as caught:
        load(too_long)
    assert str(caught.value) == f'Cannot open "{too_long}": {os.strerror(errno.ENAMETOOLONG)}.'

    path = tmp_path / "chat.confab.json"
    save(path, make_transcript())

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("core.transcript.open", denied, raising=False)
    with pytest.raises(TranscriptError) as caught:
        load(path)
    assert str(caught.value) == f'Cannot open "{path}": Permission denied.'


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.EDQUOT, "the disk quota is used up"),
        (errno.EROFS, "the disk is read-only"),
        (errno.EIO, os.strerror(errno.EIO)),  # any other error: the system's own words
        (None, "the device went away"),
    ],
)
def test_a_failed_save_says_why_in_words(saved, monkeypatch, code, reason):
    path, before = saved

    def fail(fd: int) -> None:
        raise OSError(code, os.strerror(code)) if code else OSError("the device went away")

    monkeypatch.setattr("core.transcript.os.fsync", fail)
    with pytest.raises(SaveError) as caught:
        save(path, bigger_transcript())

    assert str(caught.value) == (
        f'Could not save "{os.path.realpath(path)}": {reason} (while flushing the temporary '
        "file to disk). The previous file was not changed."
    )
    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


def test_a_full_disk_leaves_the_old_file_and_no_temporary(saved, monkeypatch):
    path, before = saved

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("core.transcript.os.fsync", full)
    with pytest.raises(SaveError) as caught:
        save(path, bigger_transcript())

    assert "the disk is full" in str(caught.value)
    assert str(path) in str(caught.value)
    assert "The previous file was not changed" in str(caught.value)
    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(saved, monkeypatch):
    path, before = saved

    def refuse(source: object, target: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr("core.transcript.os.replace", refuse)
    with pytest.raises(SaveError, match=r"while replacing the old file"):
        save(path, bigger_transcript())

    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


def test_an_interrupted_save_removes_its_temporary_and_lets_the_interrupt_through(
    saved, monkeypatch
):
    path, before = saved

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("core.transcript.os.fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save(path, bigger_transcript())

    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name]


def test_a_folder_that_is_gone_fails_with_a_clear_message(tmp_path):
    path = tmp_path / "removed" / "chat.confab.json"
    with pytest.raises(SaveError) as caught:
        save(path, make_transcript())
    assert re.search(r'the folder ".*removed" does not exist', str(caught.value))


def test_a_parent_that_is_a_file_fails_with_a_clear_message(tmp_path):
    parent = tmp_path / "notes.txt"
    parent.write_text("not a folder")
    with pytest.raises(SaveError, match=r"is not a folder"):
        save(parent / "chat.confab.json", make_transcript())
    assert parent.read_text() == "not a folder"


def test_saving_over_a_folder_fails(tmp_path):
    (tmp_path / "chat.confab.json").mkdir()
    with pytest.raises(SaveError, match="it is a folder"):
        save(tmp_path / "chat.confab.json", make_transcript())
    assert files_in(tmp_path) == ["chat.confab.json"]


def test_a_value_that_is_not_json_fails_before_touching_the_file(saved):
    path, before = saved
    transcript = make_transcript()
    transcript.conversation.messages[0].meta["bad"] = float("nan")
    with pytest.raises(SaveError, match="cannot be written as JSON"):
        save(path, transcript)
    assert path.read_bytes() == before


@pytest.mark.skipif(os.name != "posix", reason="folders are synced on POSIX only")
def test_a_save_syncs_the_file_and_then_its_folder(tmp_path, monkeypatch):
    """The rename is only durable once the folder is synced too."""
    synced: list[str] = []
    real_fsync = os.fsync

    def record(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr("core.transcript.os.fsync", record)
    save(tmp_path / "chat.confab.json", make_transcript())
    assert synced == ["file", "folder"]


def test_saving_keeps_the_old_files_permissions(saved):
    path, _ = saved
    path.chmod(0o640)
    save(path, bigger_transcript())
    assert path.stat().st_mode & 0o777 == 0o640


def test_saving_through_a_symlink_writes_the_file_it_points_to(saved):
    path, _ = saved
    link = path.parent / "link.confab.json"
    link.symlink_to(path)
    save(link, bigger_transcript())
    assert link.is_symlink()
    assert load(path).transcript == bigger_transcript()


# --- speed ----------------------------------------------------------------------------------


def test_a_2000_message_chat_loads_well_under_a_second(tmp_path):
    conversation = Conversation(created_at=T0, updated_at=T0)
    for i in range(1000):
        at = T0 + timedelta(seconds=2 * i)
        conversation.messages.append(Message("user", f"Question {i}: " + "words " * 20, at))
        conversation.messages.append(
            Message("assistant", "An answer " * 15, at, {"reply_s": 1.5, "tokens": 30})
        )
    path = tmp_path / "long.confab.json"
    save(path, Transcript(conversation, "facebook/blenderbot-400M-distill"))

    started = time.perf_counter()
    loaded = load(path)
    elapsed = time.perf_counter() - started

    assert len(loaded.transcript.conversation.messages) == 2000
    assert elapsed < 1.0, f"loading 2,000 messages took {elapsed:.3f} s"
