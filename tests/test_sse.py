"""The server-sent-events parser and the chat-completion chunk reader (core.engines.sse)."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from core.engines.sse import (
    ChatStream,
    ServerStreamError,
    SseEvent,
    StreamError,
    ThinkSplitter,
    iter_sse_events,
    parse_chat_chunk,
)


def events(*chunks: bytes, **limits: int) -> list[SseEvent]:
    return list(iter_sse_events(iter(chunks), **limits))


def datas(*chunks: bytes) -> list[str]:
    return [event.data for event in events(*chunks)]


def chunk(content: Any = None, finish: str | None = None, **delta: Any) -> str:
    if content is not None:
        delta["content"] = content
    return json.dumps(
        {"model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    )


# -- the event-stream format ----------------------------------------------------------------------
def test_events_end_at_an_empty_line() -> None:
    assert datas(b"data: one\n\ndata: two\n\n") == ["one", "two"]


def test_comment_lines_are_keep_alives_and_make_no_event() -> None:
    assert datas(b": ping\n\n:\n\ndata: x\n: in between\n\n: ping\n\n") == ["x"]


def test_multi_line_data_is_joined_by_newlines() -> None:
    assert datas(b"data: first\ndata: second\ndata:third\n\n") == ["first\nsecond\nthird"]


def test_crlf_and_cr_line_ends_and_a_crlf_split_between_chunks() -> None:
    assert datas(b"data: a\r\n\r\ndata: b\r\rdata: c\n\n") == ["a", "b", "c"]
    # The CR at the end of one chunk and the LF at the start of the next are one line end:
    # read as two, the empty line between them would end the event early.
    assert datas(b"data: x\r", b"\ndata: y\r\n\r\n") == ["x\ny"]


def test_lines_split_anywhere_between_chunks() -> None:
    stream = b"event: note\ndata: hello world\nid: 7\n\ndata: [DONE]\n\n"
    whole = events(stream)
    assert whole == [SseEvent("hello world", "note", "7"), SseEvent("[DONE]", "message", "7")]
    assert events(*[bytes([b]) for b in stream]) == whole


def test_a_field_without_a_space_and_unknown_fields() -> None:
    assert datas(b"data:x\nretry: 100\nfoo: bar\n\n") == ["x"]


def test_data_left_without_its_closing_line_is_still_an_event() -> None:
    assert datas(b"data: [DONE]") == ["[DONE]"]
    assert datas(b"data: last\n") == ["last"]


def test_a_byte_order_mark_at_the_start_is_skipped() -> None:
    assert datas(b"\xef\xbb\xbfdata: x\n\n") == ["x"]


def test_utf8_split_between_chunks_is_fine() -> None:
    text = "Grüße 👋".encode()
    assert datas(b"data: " + text[:3], text[3:] + b"\n\n") == ["Grüße 👋"]


def test_bytes_that_are_not_utf8_end_the_stream_with_a_clear_error() -> None:
    with pytest.raises(StreamError, match=r"not UTF-8 text \(byte 0xff at position 15 "):
        events(b"data: ok\n", b"data: \xff\xfe\n\n")


def test_an_event_larger_than_the_limit_is_refused() -> None:
    with pytest.raises(StreamError, match="one event larger than"):
        events(b"data: " + b"x" * 2000 + b"\n\n", max_event_bytes=1000)
    # Many data lines add up to one event.
    with pytest.raises(StreamError, match="one event larger than"):
        events(b"data: xxxxxxxxxx\n" * 200 + b"\n", max_event_bytes=1000)


def test_a_line_that_never_ends_is_refused_before_it_grows_past_the_limit() -> None:
    def endless() -> Iterator[bytes]:
        yield b"data: "
        while True:
            yield b"x" * 4096

    with pytest.raises(StreamError, match="one event larger than 1 MB"):
        list(iter_sse_events(endless()))


def test_a_response_larger_than_the_limit_ends_with_a_clear_error_not_memory_growth() -> None:
    """50 MB of small, valid events: reading stops at 10 MB, and memory stays small."""
    piece = b"data: " + chunk("word " * 200).encode() + b"\n\n"
    sent = 0

    def fifty_megabytes() -> Iterator[bytes]:
        nonlocal sent
        block = piece * (65536 // len(piece))
        while sent < 50 * 1024 * 1024:
            sent += len(block)
            yield block

    tracemalloc.start()
    try:
        with pytest.raises(StreamError, match=r"grew past 10 MB"):
            for _event in iter_sse_events(fifty_megabytes()):
                pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sent < 11 * 1024 * 1024  # stopped reading at the limit
    assert peak < 2 * 1024 * 1024  # the parser keeps nothing of what it has passed on


# -- chat-completion chunks -----------------------------------------------------------------------
def feed(stream: ChatStream, *payloads: str) -> str:
    return "".join(stream.feed(SseEvent(p)) for p in payloads)


def test_a_reply_streams_its_content_and_ends_at_done() -> None:
    stream = ChatStream()
    text = feed(stream, chunk("Hello"), chunk(", world"), chunk(finish="stop"), "[DONE]")
    assert text == stream.text == "Hello, world"
    assert stream.done and stream.complete and not stream.cut
    assert stream.finish_reason == "stop" and stream.model == "m"


def test_content_null_or_absent_is_no_text() -> None:
    """llama.cpp's first chunk names the role only; others send content: null."""
    stream = ChatStream()
    first = json.dumps({"choices": [{"delta": {"role": "assistant", "content": None}}]})
    assert feed(stream, first, chunk(role="assistant"), chunk("Hi")) == "Hi"
    no_delta = json.dumps({"choices": [{"index": 0, "finish_reason": None}]})
    null_delta = json.dumps({"choices": [{"delta": None}]})
    assert feed(stream, no_delta, null_delta) == ""
    assert stream.pieces == 1


def test_finish_reason_length_means_the_reply_was_cut() -> None:
    stream = ChatStream()
    feed(stream, chunk("A long"), chunk(finish="length"))
    assert stream.cut and stream.complete and not stream.done


def test_the_usage_chunk_with_empty_choices() -> None:
    stream = ChatStream()
    usage = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
    feed(stream, chunk("Hi"), chunk(finish="stop"))
    assert feed(stream, json.dumps({"choices": [], "usage": usage})) == ""
    assert stream.completion_tokens == 5
    assert ChatStream().completion_tokens is None


def test_an_error_inside_a_200_stream_raises_with_the_servers_message() -> None:
    stream = ChatStream()
    feed(stream, chunk("Partial"))
    vllm = {"error": {"object": "error", "message": "CUDA out of memory", "code": 500}}
    with pytest.raises(ServerStreamError) as raised:
        feed(stream, json.dumps(vllm))
    assert raised.value.server_message == "CUDA out of memory"
    with pytest.raises(ServerStreamError, match="plain text error"):
        parse_chat_chunk(json.dumps({"error": "plain text error"}))
    with pytest.raises(ServerStreamError, match="boom"):
        ChatStream().feed(SseEvent('{"message": "boom"}', event="error"))
    assert stream.text == "Partial"


def test_a_chunk_that_is_not_json_is_a_clear_error() -> None:
    with pytest.raises(StreamError, match="not a chat reply: '<html>"):
        parse_chat_chunk("<html>502 Bad Gateway</html>")
    with pytest.raises(StreamError, match="not a chat reply"):
        parse_chat_chunk("[1, 2]")


def test_reasoning_fields_are_kept_apart_from_the_answer() -> None:
    stream = ChatStream()
    text = feed(
        stream,
        chunk(None, reasoning_content="Let me think. "),
        chunk(None, reasoning="The user greets. "),
        chunk("Hello!"),
    )
    assert text == stream.text == "Hello!"
    assert stream.reasoning == "Let me think. The user greets. "


def test_inline_think_tags_are_kept_apart_even_when_split_between_chunks() -> None:
    stream = ChatStream()
    pieces = ["<thi", "nk>Why? Be", "cause.</th", "ink>", "\n\nThe answer", " is 4.", "[DONE]"]
    streamed = [stream.feed(SseEvent(p if p == "[DONE]" else chunk(p))) for p in pieces]
    assert "".join(streamed) == stream.text == "\n\nThe answer is 4."
    assert stream.reasoning == "Why? Because."
    assert all("<" not in piece and "think" not in piece for piece in streamed)


def test_a_lone_angle_bracket_is_held_only_until_it_is_clearly_not_a_tag() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("a <") == ("a ", "")
    assert splitter.feed("b> c") == ("<b> c", "")
    assert splitter.feed("x <th") == ("x ", "")
    assert splitter.flush() == ("<th", "")  # the end of the stream gives it back


def test_a_reply_cut_inside_its_reasoning_keeps_the_reasoning() -> None:
    stream = ChatStream()
    feed(stream, chunk("<think>unfinished thought</thi"))
    assert stream.finish() == ""
    assert stream.reasoning == "unfinished thought</thi" and stream.text == ""
