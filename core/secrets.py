"""API keys of inference servers, kept in the system keyring, never in ``settings.ini``.

The keyring is the desktop's own secret store (GNOME Keyring / KWallet through the Secret
Service, the macOS Keychain, the Windows Credential Manager), reached through the
``keyring`` package. Where no keyring backend exists, the caller asks the user before
keeping a key in the settings file instead (``gui/server_dialog.py``), and says that it is
stored there in plain text.
"""

from __future__ import annotations

import contextlib
import logging

log = logging.getLogger(__name__)

SERVICE = "Confab"  # the keyring's service name for Confab's server keys


class SecretError(Exception):
    """The keyring could not store or read a key; the message never holds the key."""


def _username(server_name: str) -> str:
    return f"server:{server_name}"


def keyring_available() -> bool:
    """Whether a real keyring backend is there (not keyring's "fail" or an empty chain)."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return False
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def keyring_name() -> str:
    """The keyring backend's name, for messages ("" when there is none)."""
    if not keyring_available():
        return ""
    import keyring

    return type(keyring.get_keyring()).__name__


def store_key(server_name: str, api_key: str) -> None:
    """Keep ``api_key`` for the server in the keyring (an empty key deletes it)."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    if not keyring_available():
        raise SecretError("There is no keyring on this system to keep the key in.")
    try:
        if api_key:
            keyring.set_password(SERVICE, _username(server_name), api_key)
        else:
            with contextlib.suppress(PasswordDeleteError):  # there was none
                keyring.delete_password(SERVICE, _username(server_name))
    except KeyringError as error:
        reason = type(error).__name__
        raise SecretError(f"The keyring refused to keep the key ({reason}).") from None


def load_key(server_name: str) -> str:
    """The server's key from the keyring, or "" (none kept, or no keyring)."""
    if not keyring_available():
        return ""
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, _username(server_name)) or ""
    except KeyringError as error:
        log.warning("the keyring could not be read (%s)", type(error).__name__)
        return ""


def delete_key(server_name: str) -> None:
    """Forget the server's key in the keyring, if one is kept there."""
    if keyring_available():
        try:
            store_key(server_name, "")
        except SecretError as error:
            log.warning("%s", error)
