"""Property tests: any valid chat survives a save and load, and no bytes on disk, however
mangled, make loading fail with anything but ``TranscriptError``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.conversation import ROLES, Conversation, Message
from core.settings import GenerationSettings
from core.transcript import (
    MAX_NESTING_DEPTH,
    Transcript,
    TranscriptError,
    dumps,
    load,
    loads,
    save,
    to_json_dict,
)

FUZZ = settings(max_examples=200, deadline=None)

times = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
messages = st.builds(
    Message,
    role=st.sampled_from(ROLES),
    content=st.text(),
    created_at=times,
    meta=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
)
floats = st.none() | st.floats(allow_nan=False, allow_infinity=False)
counts = st.none() | st.integers(0, 10_000)
generation_settings = st.builds(
    GenerationSettings,
    num_beams=counts,
    do_sample=st.none() | st.booleans(),
    temperature=floats,
    top_p=floats,
    min_length=counts,
    max_length=counts,
    length_penalty=floats,
    no_repeat_ngram_size=counts,
    encoder_no_repeat_ngram_size=counts,
)
conversations = st.builds(
    Conversation,
    messages=st.lists(messages, max_size=8),
    persona=st.text(),
    title=st.text(max_size=80),
    created_at=times,
    updated_at=times,
)
transcripts = st.builds(
    Transcript,
    conversation=conversations,
    model_id=st.text(),
    settings=generation_settings,
    chat_id=st.text(max_size=40),
    pinned=st.booleans(),
    draft=st.text(),
)


def only_transcript_errors(data: bytes | str) -> None:
    """Load ``data``; it may succeed or raise TranscriptError, and nothing else."""
    try:
        loads(data, source="fuzzed.confab.json")
    except TranscriptError as error:
        assert "fuzzed.confab.json" in str(error)


# --- valid transcripts round-trip -----------------------------------------------------------


@FUZZ
@given(transcripts)
def test_any_valid_transcript_round_trips(transcript: Transcript) -> None:
    loaded = loads(dumps(transcript))
    assert not loaded.imported
    assert loaded.transcript == transcript


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(transcript=transcripts)
def test_any_valid_transcript_round_trips_through_a_file(
    tmp_path: Path, transcript: Transcript
) -> None:
    path = tmp_path / "chat.confab.json"
    save(path, transcript)
    assert load(path).transcript == transcript
    assert [p.name for p in tmp_path.iterdir()] == ["chat.confab.json"]


@FUZZ
@given(st.lists(messages, max_size=8))
def test_any_openai_style_list_imports(items: list[Message]) -> None:
    data = [{"role": m.role, "content": m.content} for m in items]
    loaded = loads(json.dumps(data))
    assert loaded.imported
    persona = items[0].content if items and items[0].role == "system" else ""
    rest = items[1:] if items and items[0].role == "system" else items
    assert loaded.transcript.conversation.persona == persona
    assert [(m.role, m.content) for m in loaded.transcript.conversation.messages] == [
        (m.role, m.content) for m in rest
    ]


# --- anything else only ever raises TranscriptError ----------------------------------------


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_raise_only_transcript_errors(data: bytes) -> None:
    only_transcript_errors(data)


@FUZZ
@given(st.text(alphabet='[]{}",:0123456789.eE+-truefalsnl \\u\n', max_size=300))
def test_json_like_noise_raises_only_transcript_errors(text: str) -> None:
    only_transcript_errors(text.encode("utf-8"))


@FUZZ
@given(json_values)
def test_any_json_value_raises_only_transcript_errors(value: Any) -> None:
    only_transcript_errors(json.dumps(value))


@FUZZ
@given(transcripts, st.data())
def test_mutated_files_raise_only_transcript_errors(
    transcript: Transcript, data: st.DataObject
) -> None:
    content = bytearray(dumps(transcript).encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        where = data.draw(st.integers(0, len(content)), label="where")
        kind = data.draw(st.sampled_from(["truncate", "flip", "insert", "delete"]), label="kind")
        if kind == "truncate":
            del content[where:]
        elif kind == "flip" and where < len(content):
            content[where] ^= data.draw(st.integers(1, 255), label="bits")
        elif kind == "insert":
            content[where:where] = data.draw(st.binary(min_size=1, max_size=8), label="garbage")
        else:
            del content[where : where + data.draw(st.integers(1, 16), label="length")]
    only_transcript_errors(bytes(content))


def replace_somewhere(node: Any, data: st.DataObject) -> Any:
    """``node`` with one value somewhere inside it replaced by a random one, or a key removed."""
    children: list[Any] = list(node) if isinstance(node, dict) else []
    if isinstance(node, list):
        children = list(range(len(node)))
    if not children or data.draw(st.integers(0, 3), label="stop here") == 0:
        return data.draw(json_values, label="replacement")
    key = data.draw(st.sampled_from(children), label="key")
    if isinstance(node, dict) and data.draw(st.booleans(), label="remove key"):
        return {k: v for k, v in node.items() if k != key}
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[key] = replace_somewhere(node[key], data)
    return copy


@FUZZ
@given(transcripts, st.data())
def test_values_of_the_wrong_type_anywhere_raise_only_transcript_errors(
    transcript: Transcript, data: st.DataObject
) -> None:
    changed = replace_somewhere(to_json_dict(transcript), data)
    only_transcript_errors(json.dumps(changed))


message_fields = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from([*ROLES, "bot", ""]) | json_values,
        "content": st.text() | json_values,
        "created_at": st.sampled_from(["2026-11-24T10:00:00Z", "2026-11-24", "x", ""])
        | json_values,
        "meta": json_values,
    },
)


@FUZZ
@given(st.lists(message_fields, max_size=5), st.booleans())
def test_messages_of_any_shape_raise_only_transcript_errors(
    items: list[dict[str, Any]], as_list: bool
) -> None:
    data: Any = (
        items if as_list else {"format": "confab-transcript", "version": 1, "messages": items}
    )
    only_transcript_errors(json.dumps(data))


# --- recursion bombs and size ---------------------------------------------------------------


@pytest.mark.parametrize(
    "bomb",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"format": "confab-transcript", "version": 1, "messages": [{"role": "user", '
        '"content": "x", "meta": ' + "[" * 50_000 + "]" * 50_000 + "}]}",
        "[" * (MAX_NESTING_DEPTH + 1) + "]" * (MAX_NESTING_DEPTH + 1),
        # Brackets closed before the bomb do not make room for it.
        "[" + "[]," * 200_000 + "[" * 100_000,
        "[" + "{}," * 200_000 + "[" * 100_000,
    ],
)
def test_a_recursion_bomb_is_refused(tmp_path: Path, bomb: str) -> None:
    path = tmp_path / "bomb.json"
    path.write_text(bomb)
    with pytest.raises(TranscriptError, match="nested more than"):
        load(path)


def test_deep_but_reasonable_meta_still_loads() -> None:
    meta: Any = "leaf"
    for _ in range(MAX_NESTING_DEPTH - 5):
        meta = [meta]
    conversation = Conversation(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    conversation.updated_at = conversation.created_at
    conversation.messages.append(Message("user", "x", conversation.created_at, {"deep": meta}))
    transcript = Transcript(conversation)
    assert loads(dumps(transcript)).transcript == transcript
