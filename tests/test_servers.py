"""Server addresses without a server: the base-URL rule, local addresses, the http warning,
and error answers turned into words (core.servers)."""

from __future__ import annotations

import pytest

from core.servers import (
    ServerConfig,
    display_host,
    error_message,
    insecure_warning,
    is_local_address,
    normalize_base_url,
    scrub,
    status_error,
)


@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("localhost:8000", "http://localhost:8000/v1"),
        ("http://localhost:8000", "http://localhost:8000/v1"),
        ("http://localhost:8000/", "http://localhost:8000/v1"),
        ("http://localhost:8000/v1", "http://localhost:8000/v1"),
        ("http://localhost:8000/v1/", "http://localhost:8000/v1"),
        ("  HTTPS://GPU-Box.Example.com/v1  ", "https://gpu-box.example.com/v1"),
        ("https://api.example.com/openai/v1", "https://api.example.com/openai/v1"),
        ("http://box:11434/api", "http://box:11434/api"),
        ("http://box:8000/v1/chat/completions", "http://box:8000/v1"),
        ("http://box:8000/v1/models", "http://box:8000/v1"),
        ("http://box:8000/chat/completions", "http://box:8000/v1"),
        ("http://box:8000/v1?x=1#top", "http://box:8000/v1"),
        ("[::1]:8080", "http://[::1]:8080/v1"),
        ("192.168.1.20:8080", "http://192.168.1.20:8080/v1"),
    ],
)
def test_the_base_url_rule(typed: str, base: str) -> None:
    assert normalize_base_url(typed) == base


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "Enter the server's address"),
        ("ftp://box/v1", "must start with http:// or https://"),
        ("http://user:sk-secret@box/v1", "an API key goes in the key field"),
        ("http://box:99999/v1", "not a number from 0 to 65535"),
        ("http:///v1", "no host name"),
    ],
)
def test_addresses_that_cannot_work_say_why(typed: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as raised:
        normalize_base_url(typed)
    assert "sk-secret" not in str(raised.value)


@pytest.mark.parametrize(
    "host",
    [
        "localhost", "127.0.0.1", "127.8.9.1", "::1", "[::1]", "10.1.2.3", "172.16.0.5",
        "192.168.178.20", "169.254.10.10", "fe80::1", "fe80::1%eth0", "fd12:3456::1",
        "100.101.102.103", "::ffff:192.168.1.1", "gpubox", "gpu-box.local", "nas.lan",
        "printer.home.arpa", "api.localhost", "LOCALHOST",
    ],
)  # fmt: skip
def test_local_addresses(host: str) -> None:
    assert is_local_address(host)


@pytest.mark.parametrize(
    "host", ["api.openai.com", "8.8.8.8", "2001:4860:4860::8888", "example.com", "", "172.32.0.1"]
)
def test_addresses_that_are_not_local(host: str) -> None:
    assert not is_local_address(host)


def test_plain_http_is_warned_about_only_off_the_local_network() -> None:
    assert insecure_warning("http://localhost:8000/v1") == ""
    assert insecure_warning("http://192.168.1.5:8000/v1") == ""
    assert insecure_warning("https://api.example.com/v1") == ""
    warning = insecure_warning("http://api.example.com:8000/v1")
    assert warning.startswith("api.example.com:8000 is reached over plain http://")
    assert "unencrypted" in warning


def test_a_config_shows_its_host_and_never_holds_a_key() -> None:
    config = ServerConfig("GPU box", "http://gpu-box:8000/v1", "qwen")
    assert (config.host, config.title) == ("gpu-box:8000", "GPU box (gpu-box:8000)")
    assert ServerConfig("gpu-box:8000", "http://gpu-box:8000/v1", "q").title == "gpu-box:8000"
    assert config.read_timeout_s == 120.0 and config.context_length is None
    assert "key" not in {f for f in ServerConfig.__dataclass_fields__}
    assert display_host("https://[::1]:9/v1") == "[::1]:9"


def test_error_answers_in_words() -> None:
    assert error_message(b'{"error": {"message": "bad  model\\n name"}}') == "bad model name"
    assert error_message(b'{"error": "plain"}') == "plain"
    assert error_message(b'{"detail": "Not Found"}') == "Not Found"
    assert error_message(b"<html>oops</html>") == "<html>oops</html>"
    assert error_message(b"x" * 1000).endswith("…")
    key = "sk-abc-123"
    refused = status_error(401, b'{"error": {"message": "bad key sk-abc-123"}}', "http://h/v1", key)
    assert str(refused).startswith("h refused the API key (401 Unauthorized).")
    assert key not in str(refused) and refused.status == 401
    asked = status_error(401, b"", "http://h/v1", "")
    assert str(asked).startswith("h wants an API key (401 Unauthorized)")
    assert "refused the key (403" in str(status_error(403, b"", "http://h/v1", key))
    assert "busy" in str(status_error(429, b"", "http://h/v1", ""))
    assert scrub(f"a {key} b {key}", key) == "a *** b ***" and scrub("a", "") == "a"
