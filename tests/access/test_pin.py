"""Kiosk admin PIN: salted scrypt hashes and lockout after repeated failures."""

from __future__ import annotations

import pytest

from faceapp.access.pin import PinError, PinGuard, hash_pin, verify_pin


def test_hash_is_salted_and_verifies():
    a, b = hash_pin("1234"), hash_pin("1234")
    assert a != b and a.startswith("scrypt$") and "1234" not in a
    assert verify_pin("1234", a) and verify_pin("1234", b)
    assert not verify_pin("1235", a)
    assert not verify_pin("1234", "garbage") and not verify_pin("1234", "md5$1$2$3$00$00")


@pytest.mark.parametrize("pin", ["", "123", "abcd", "12 34", "1234567890123",
                                 "\u0661\u0662\u0663\u0664", "\uff11\uff12\uff13\uff14", "1234\n", "\u00b9\u00b2\u00b3\u2074"])
def test_bad_pin_format(pin):
    with pytest.raises(PinError):
        hash_pin(pin)


def test_lockout_after_failures_then_doubles():
    now = [0.0]
    g = PinGuard(hash_pin("2468"), max_failures=3, lockout_s=10, clock=lambda: now[0])
    assert not g.attempt("0000") and not g.attempt("0000") and not g.attempt("0000")
    assert g.locked_for() == 10
    assert not g.attempt("2468")  # right PIN refused while locked
    now[0] = 10.5
    assert g.attempt("2468")
    for _ in range(3):
        g.attempt("1")
    assert g.locked_for() == 10  # success resets the doubling
    now[0] = 21
    for _ in range(3):
        g.attempt("1")
    assert g.locked_for() == 20


def test_no_pin_never_unlocks():
    g = PinGuard(None)
    assert not g.has_pin and not g.attempt("1234")


@pytest.mark.parametrize("stored", [1234, None, ["scrypt"], {"hash": "x"}, b"scrypt$1$1$1$00$00"])
def test_a_stored_hash_that_is_not_text_never_unlocks_and_never_crashes(stored):
    """A settings row edited by hand (or damaged) may hold a number where the hash was."""
    assert verify_pin("1234", stored) is False
    assert PinGuard(stored).attempt("1234") is False


def test_a_unicode_digit_pin_never_matches_an_ascii_one():
    """Arabic-Indic or full-width digits passed the old isdigit() check but the keypad
    types ASCII: such a PIN could be set and never entered again."""
    stored = hash_pin("1234")
    assert not verify_pin("\u0661\u0662\u0663\u0664", stored)
    assert not PinGuard(stored).attempt("\uff11\uff12\uff13\uff14")
