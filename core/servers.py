"""OpenAI-compatible inference servers: their settings, addresses, and a connection check.

A server (vLLM, llama.cpp's ``llama-server``, Ollama, llama-cpp-python, …) is described by a
``ServerConfig``; its API key is never part of it (the GUI keeps keys in the system keyring,
the command line takes ``CONFAB_API_KEY``) and is passed to each call separately.

``check_connection`` asks the server for its models (``GET {base}/models``) and says in plain
words what is wrong when that fails. Nothing here ever puts the API key in a message, a log
line or an exception's text: messages are built from Confab's own words and the server's
answer, and any echo of the key in that answer is replaced by ``***`` (``scrub``).

Proxies: a server on this computer or on the local network (``is_local_address``) is always
reached directly; any other follows the environment's proxy settings (``HTTPS_PROXY``,
``HTTP_PROXY``, ``NO_PROXY``), as httpx does with ``trust_env``.

httpx is imported inside the functions that use it, so that importing this module (the
window does, for ``ServerConfig``) costs nothing at start-up.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from core import APP_NAME, __version__

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0  # opening a connection: a server that is up accepts at once
API_PATH = "/v1"  # where OpenAI-compatible servers answer when no other path is given
# Endpoints a user may paste with the address; the base URL is what comes before them.
ENDPOINT_SUFFIXES = ("/chat/completions", "/completions", "/models")
ERROR_BODY_LIMIT = 64 * 1024  # bytes of an error answer read to find its message


@dataclass(frozen=True)
class ServerConfig:
    """An OpenAI-compatible server and the model to chat with there.

    ``base_url``: the API's base, as ``normalize_base_url`` gives it (``http://host:8000/v1``).
    ``model``: the model id the server knows (``GET /models``); "" takes the server's only
    model. ``context_length``: its context in tokens when the server does not say (vLLM and
    llama.cpp do). ``read_timeout_s``: how long a reply may go without any data before it is
    given up (a big model may think for a while before its first word).
    """

    name: str
    base_url: str
    model: str
    context_length: int | None = None
    read_timeout_s: float = 120.0

    @property
    def host(self) -> str:
        """``host:port`` of the server, for messages and the status bar."""
        return display_host(self.base_url)

    @property
    def title(self) -> str:
        """The server for messages: its name, and its host when that is not its name."""
        return self.name if self.name == self.host else f"{self.name} ({self.host})"


@dataclass(frozen=True)
class ServerModel:
    """A model a server offers, and its context length in tokens when the server says."""

    id: str
    context_length: int | None


@dataclass(frozen=True)
class ConnectionReport:
    """What ``check_connection`` found: ``ok``, or ``message`` saying in plain words what is
    wrong; the server's models (when it gave them); ``suggestion``: a base URL that works
    instead of the one given (``…/v1``), else ""."""

    ok: bool
    message: str
    models: list[ServerModel] = field(default_factory=list)
    suggestion: str = ""


class ServerError(Exception):
    """A server could not be used; the message says why in plain words (never the API key).

    ``status``: the HTTP status when the server answered, else None; ``server_message``: the
    error message the server sent, if any (already scrubbed of the key)."""

    def __init__(self, message: str, status: int | None = None, server_message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.server_message = server_message


# -- addresses ------------------------------------------------------------------------------------
def normalize_base_url(text: str) -> str:
    """The API base URL for what a user typed, without a trailing slash.

    The rule: surrounding spaces go; no scheme means ``http://``; only ``http`` and ``https``
    are accepted; the host is lower-cased; a query or fragment is dropped; a pasted endpoint
    (``…/chat/completions``, ``…/completions``, ``…/models``) is cut off. Then an empty path
    becomes ``/v1`` (``localhost:8000`` -> ``http://localhost:8000/v1``), and any other path is
    kept as it is (``https://host/openai/v1``, ``http://host:11434/api``), since some servers
    and gateways answer elsewhere than ``/v1``.

    Raises ``ValueError`` with a message for the user: an empty address, another scheme, no
    host, or a user name or password in the address (an API key goes in its own field).
    """
    text = text.strip()
    if not text:
        raise ValueError("Enter the server's address, such as http://localhost:8000/v1.")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"The address must start with http:// or https://, not {scheme}://.")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "Leave the user name and password out of the address; an API key goes in the key field."
        )
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"The port in {text!r} is not a number from 0 to 65535.") from error
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"There is no host name in {text!r}.")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    for suffix in ENDPOINT_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)].rstrip("/")
            break
    return urlunsplit((scheme, netloc, path or API_PATH, "", ""))


def display_host(base_url: str) -> str:
    """``host`` or ``host:port`` of a URL, for messages."""
    parts = urlsplit(base_url if "://" in base_url else "http://" + base_url)
    host = parts.hostname or base_url
    try:
        port = parts.port
    except ValueError:
        port = None
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port is not None else host


LOCAL_SUFFIXES = (".localhost", ".local", ".lan", ".home.arpa", ".internal")
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, Tailscale


def is_local_address(host: str) -> bool:
    """Whether ``host`` is this computer or on a private network: loopback, private and
    link-local addresses (IPv4 and IPv6, and 100.64.0.0/10, which VPNs such as Tailscale use),
    ``localhost``, names ending in ``.localhost``, ``.local`` (mDNS), ``.lan``, ``.home.arpa``
    or ``.internal``, and single-label names (``gpubox``), which only a local network
    resolves. Nothing is looked up: the answer comes from the name alone.
    """
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and "]" in host:
        host = host[1 : host.index("]")]
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone id: fe80::1%eth0
    except ValueError:
        return host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or (isinstance(address, ipaddress.IPv4Address) and address in SHARED_ADDRESS_SPACE)
    )


def insecure_warning(base_url: str) -> str:
    """A warning when the chat would cross a network unencrypted (``http://`` to a host that
    is not local, see ``is_local_address``); "" when the address is fine."""
    parts = urlsplit(base_url if "://" in base_url else "http://" + base_url)
    if parts.scheme.lower() != "http" or is_local_address(parts.hostname or ""):
        return ""
    return (
        f"{display_host(base_url)} is reached over plain http://: the chat and the API key "
        "travel unencrypted and can be read on the way. Use https://, or reach the server "
        "through a VPN or an SSH tunnel."
    )


# -- talking to a server ------------------------------------------------------------------------
def scrub(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    return text.replace(secret, "***") if secret else text


def auth_headers(api_key: str) -> dict[str, str]:
    """The request headers for a server: JSON, the user agent, and the key when there is one."""
    headers = {"Accept": "application/json", "User-Agent": f"{APP_NAME}/{__version__}"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


def make_client(base_url: str, timeout: httpx.Timeout, **kwargs: Any) -> httpx.Client:
    """An httpx client for this server: direct for a local one, else through the proxy the
    environment names (``trust_env``); ``kwargs`` go to ``httpx.Client``."""
    import httpx

    local = is_local_address(urlsplit(base_url).hostname or "")
    return httpx.Client(timeout=timeout, trust_env=not local, follow_redirects=False, **kwargs)


def timeouts(read_s: float) -> httpx.Timeout:
    """Connect within ``CONNECT_TIMEOUT_S`` (or ``read_s`` when shorter); then ``read_s`` of
    silence at most between two pieces of the answer."""
    import httpx

    return httpx.Timeout(read_s, connect=min(CONNECT_TIMEOUT_S, read_s))


def list_models(base_url: str, api_key: str, timeout_s: float = 5.0) -> list[ServerModel]:
    """The models the server offers (``GET {base}/models``).

    Context lengths come from vLLM's ``max_model_len``, llama.cpp's ``meta.n_ctx`` or
    ``meta.n_ctx_train``, or a ``context_length``/``context_window`` field; else None.
    Raises ``ServerError`` saying what went wrong.
    """
    import httpx

    url = normalize_base_url(base_url)
    with make_client(url, timeouts(timeout_s)) as client:
        try:
            response = client.get(f"{url}/models", headers=auth_headers(api_key))
        except httpx.HTTPError as error:
            raise ServerError(scrub(describe_transport_error(error, url), api_key)) from None
        if response.status_code != 200:
            raise status_error(response.status_code, response.content, url, api_key)
        return parse_models(response.content, url)


def parse_models(content: bytes, url: str) -> list[ServerModel]:
    """The models of a ``/models`` answer; ``ServerError`` when it is not one."""
    not_openai = ServerError(
        f"{display_host(url)} answered, but not with a model list at {url}/models: "
        "is it an OpenAI-compatible server, and is the path right?",
        status=200,
    )
    try:
        payload = json.loads(content)
    except ValueError:
        raise not_openai from None
    entries = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(entries, list):
        raise not_openai
    models: list[ServerModel] = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            models.append(ServerModel(entry["id"], _context_length(entry)))
    return models


def _context_length(entry: Mapping[str, Any]) -> int | None:
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    assert isinstance(meta, dict)
    for value in (
        entry.get("max_model_len"),  # vLLM
        meta.get("n_ctx"),  # llama.cpp: the server's context, when given
        meta.get("n_ctx_train"),  # llama.cpp: the model's trained context
        entry.get("context_length"),  # OpenRouter, LM Studio
        entry.get("context_window"),
    ):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def find_model(models: list[ServerModel], name: str) -> ServerModel | None:
    """The model ``name`` among ``models``: the same id, or Ollama's ``name:latest``; with
    ``name`` empty, the server's only model."""
    if not name:
        return models[0] if len(models) == 1 else None
    for model in models:
        if model.id == name or model.id == f"{name}:latest":
            return model
    return None


def check_connection(
    base_url: str, api_key: str, model: str = "", timeout_s: float = 5.0
) -> ConnectionReport:
    """Whether the server answers, accepts the key, and offers ``model`` ("" for any).

    The message names the problem in plain words: no connection (nothing listening, an
    unknown name, a firewall), a TLS problem, a timeout, a wrong path (when ``…/models``
    is not found, the address with ``/v1`` added is tried, and offered as ``suggestion``),
    a key that is missing or refused, or a model the server does not have (with the models
    it does have).
    """
    try:
        url = normalize_base_url(base_url)
    except ValueError as error:
        return ConnectionReport(False, str(error))
    try:
        models = list_models(url, api_key, timeout_s)
    except ServerError as error:
        if error.status not in (404, 200):  # 200: an answer that is not a model list
            return ConnectionReport(False, str(error))
        suggestion = _with_api_path(url, api_key, timeout_s)
        if suggestion:
            return ConnectionReport(
                False,
                f"Nothing answers at {url}/models; the server answers at {suggestion}. "
                f"Did you mean {suggestion}?",
                suggestion=suggestion,
            )
        return ConnectionReport(False, str(error))
    if find_model(models, model) is not None:
        names = ", ".join(m.id for m in models)
        return ConnectionReport(True, f"Connected to {display_host(url)}: {names}.", models)
    offered = ", ".join(m.id for m in models)
    if not models:
        return ConnectionReport(False, f"{display_host(url)} offers no models yet.", models)
    if not model:
        return ConnectionReport(
            False,
            f"{display_host(url)} offers {len(models)} models; choose one: {offered}.",
            models,
        )
    return ConnectionReport(
        False,
        f"{display_host(url)} does not offer the model {model!r}. It offers: {offered}.",
        models,
    )


def _with_api_path(url: str, api_key: str, timeout_s: float) -> str:
    """A base URL ending in ``/v1`` where the server answers (``url`` + ``/v1``, or the
    server's root + ``/v1``), when ``url`` was the wrong path; else ""."""
    parts = urlsplit(url)
    root = urlunsplit((parts.scheme, parts.netloc, API_PATH, "", ""))
    candidates = [] if url.endswith(API_PATH) else [url + API_PATH]
    candidates += [root] if root != url and root not in candidates else []
    for candidate in candidates:
        try:
            list_models(candidate, api_key, timeout_s)
        except ServerError:
            continue
        return candidate
    return ""


# -- describing failures ------------------------------------------------------------------------
def status_error(status: int, content: bytes, url: str, api_key: str) -> ServerError:
    """A ``ServerError`` for an HTTP error answer, in plain words."""
    detail = scrub(error_message(content), api_key)
    host = display_host(url)
    if status == 401:
        text = (
            f"{host} refused the API key (401 Unauthorized)."
            if api_key
            else f"{host} wants an API key (401 Unauthorized): give the server's key."
        )
    elif status == 403:
        text = (
            f"{host} refused the key (403 Forbidden): it is not allowed to use this server "
            "or model."
            if api_key
            else f"{host} wants an API key (403 Forbidden): give the server's key."
        )
    elif status == 404:
        text = f"Nothing found at {url} (404 Not Found): check the path and the model name."
    elif status == 429:
        text = (
            f"{host} is busy or a usage limit was reached (429 Too Many Requests); "
            "try again in a moment."
        )
    elif status >= 500:
        text = f"{host} failed with an error of its own ({status}); its log may say more."
    else:
        text = f"{host} answered with status {status}."
    if detail:
        text += f" The server says: {detail}"
    return ServerError(text, status=status, server_message=detail)


def error_message(content: bytes) -> str:
    """The message of an error answer (OpenAI's ``{"error": {"message": …}}``, ``{"error":
    "…"}``, FastAPI's ``{"detail": …}``, or the start of the text), on one line."""
    text = content[:ERROR_BODY_LIMIT].decode("utf-8", "replace")
    try:
        payload: Any = json.loads(text)
    except ValueError:
        payload = None
    message: Any = text
    if isinstance(payload, dict):
        inner = payload.get("error", payload.get("detail", payload.get("message", text)))
        message = inner.get("message", inner) if isinstance(inner, dict) else inner
    line = " ".join((message if isinstance(message, str) else json.dumps(message)).split())
    return line[:300] + ("…" if len(line) > 300 else "")


DNS_FAILURES = re.compile(
    r"name or service not known|nodename nor servname|getaddrinfo failed|no address associated"
    r"|temporary failure in name resolution|name resolution",
    re.IGNORECASE,
)


def describe_transport_error(error: BaseException, url: str) -> str:
    """What a failed connection means, in plain words (httpx's errors)."""
    import httpx

    host = display_host(url)
    detail = innermost_message(error)
    if isinstance(error, httpx.ConnectTimeout):
        return (
            f"{host} did not accept a connection within {CONNECT_TIMEOUT_S:g} s: is the address "
            "right, the server on, and no firewall in the way?"
        )
    if isinstance(error, httpx.ReadTimeout | httpx.WriteTimeout | httpx.PoolTimeout):
        return f"{host} accepted the connection but did not answer in time ({detail or 'timeout'})."
    if isinstance(error, httpx.ProxyError):
        return f"The proxy did not pass the request on to {host}: {detail}"
    if isinstance(error, httpx.UnsupportedProtocol):
        return f"{url} is not an http:// or https:// address."
    lowered = detail.lower()
    if _is_ssl(error) or "ssl" in lowered or "certificate" in lowered:
        if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
            return (
                f"{host}'s TLS certificate is not trusted ({detail}). A self-signed certificate "
                "must be trusted by this computer first; on a private network, http:// may do."
            )
        if "wrong_version_number" in lowered or "wrong version number" in lowered:
            return f"{host} does not speak HTTPS on this port: try http:// instead of https://."
        return f"The secure (TLS) connection to {host} failed: {detail}"
    if DNS_FAILURES.search(detail):
        return f"The name {urlsplit(url).hostname} is not known: check the address."
    if "refused" in lowered:
        return f"Nothing answers at {host} (connection refused): is the server running there?"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"{host} closed the connection before its answer was complete ({detail})."
    if isinstance(error, httpx.ConnectError):
        return f"Cannot connect to {host}: {detail}"
    return f"The connection to {host} failed: {detail or type(error).__name__}"


def innermost_message(error: BaseException) -> str:
    """The most specific message in an exception chain (the OS's or the TLS library's)."""
    text = str(error)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if str(current):
            text = str(current)
        current = current.__cause__ or current.__context__
    return text


def _is_ssl(error: BaseException) -> bool:
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return True
        current = current.__cause__ or current.__context__
    return False
