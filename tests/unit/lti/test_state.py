"""Login states: signed, expiring, carrying the registration and where the browser keeps them."""

from __future__ import annotations

import pytest

from lti_tool.lti import state

KEY = state.derive_key("a-secret-that-is-long-enough")
NOW = 1_800_000_000


def test_a_minted_state_reads_back() -> None:
    """The registration, expiry and storage target come back from the state string."""
    minted = state.mint(KEY, 42, NOW, 600, "post_message_forwarding", "https://lms.example")
    read = state.read(KEY, minted.value, NOW + 1)
    assert read == minted
    assert read.registration_id == 42 and read.expires_at == NOW + 600
    assert read.storage == "platform"
    assert state.read(KEY, state.mint(KEY, 1, NOW, 600).value, NOW).storage == "cookie"


def test_states_start_with_fresh_randomness() -> None:
    """The first 24 characters name the browser's cookie: they differ between logins."""
    values = {state.mint(KEY, 1, NOW, 600).value[:24] for _ in range(50)}
    assert len(values) == 50


@pytest.mark.parametrize("where", range(0, 120, 7))
def test_any_changed_character_makes_the_state_unreadable(where: int) -> None:
    """Changing any one character (facts or signature) breaks the HMAC."""
    value = state.mint(KEY, 7, NOW, 600, "_parent", "https://lms.example").value
    where %= len(value)
    changed = value[:where] + ("A" if value[where] != "A" else "B") + value[where + 1 :]
    assert state.read(KEY, changed, NOW) is None


def test_another_secret_expiry_and_garbage_are_refused() -> None:
    """A state made with another secret, an expired one and junk all read as None."""
    value = state.mint(KEY, 7, NOW, 600).value
    assert state.read(state.derive_key("another-secret-entirely!"), value, NOW) is None
    assert state.read(KEY, value, NOW + 600) is None
    for junk in ("", ".", "a.b.c.d.e.f", "x" * 600, "é.s1.1.2..mac"):
        assert state.read(KEY, junk, NOW) is None


def test_the_nonce_belongs_to_its_state_and_secret() -> None:
    """Each state has its own nonce, and only the secret's holder can compute it."""
    a, b = state.mint(KEY, 1, NOW, 600).value, state.mint(KEY, 1, NOW, 600).value
    assert state.nonce_for(KEY, a) == state.nonce_for(KEY, a)
    assert state.nonce_for(KEY, a) != state.nonce_for(KEY, b)
    assert state.nonce_for(KEY, a) != state.nonce_for(state.derive_key("other-secret-xx"), a)
    assert state.used_key(a) != state.used_key(b)
