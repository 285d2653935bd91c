"""Passwords: argon2id hashing, the rule a new password must pass, and random ones to hand out.

The rule follows NIST 800-63B: long enough, not the username, and not a password an attacker
would try early (common and breached passwords, repeats, sequences, keyboard rows, the account's
own name), with no composition rules. ``zxcvbn`` estimates how early; its feedback is the reason
given. ``password_problem`` is the only check: every path that sets a password goes through
``cgic_data.access.check_password_policy``, which turns a problem into an ``AccessError``.
"""

from __future__ import annotations

import secrets
import threading
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 0.15 s a check on a
# 2-core server, so sign-in stays quick and a flood of attempts cannot pin the CPU, while each
# guess still costs an attacker 19 MiB of memory. Hashes made with other parameters are
# re-hashed with these at the next successful sign-in.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
MIN_PASSWORD_LENGTH = 12
# zxcvbn's score 3: "safely unguessable", about 10^10 guesses or more - out of reach of an online
# attacker held to five tries per lockout, and slow against a stolen argon2 hash.
MIN_STRENGTH = 3
# zxcvbn refuses longer inputs; what follows the first 72 characters only adds strength.
ZXCVBN_MAX_LENGTH = 72
# Unambiguous characters for generated passwords (no 0/O, 1/l/I).
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Runs a guesser tries first, forwards and backwards (letters, digits, keyboard rows).
SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
SEPARATORS = " -_.,;:/\\|+"
# zxcvbn keeps the user inputs in a module-level dictionary while it scores: one check at a time.
_ZXCVBN_LOCK = threading.Lock()


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a hash (identity-provider only) never does.

    Without a hash the password is still checked against a throw-away hash, so every refusal
    (unknown user, locked, no password) costs the same as a real check and response time does not
    tell them apart.
    """
    try:
        return HASHER.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return HASHER.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def _is_sequence(text: str) -> bool:
    """A run of a sequence (12345678, abcdefgh, qwerty...), forwards or backwards, wrapping."""
    runs = [seq * 3 for seq in SEQUENCES]
    runs += [run[::-1] for run in runs]
    return len(text) >= 4 and any(text in run for run in runs)


def password_problem(password: str, username: str, *others: str | None) -> str | None:
    """Why ``password`` may not be used (for the person choosing it), or None when it may.

    ``others`` are further words an attacker would try for this account (display name, email).
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "a password may not be only spaces"
    if len(set(password)) == 1:
        return "a password may not be one character repeated"
    if username.lower() in password.lower():
        return "a password may not contain the username"
    compact = "".join(c for c in password.lower() if c not in SEPARATORS)
    if _is_sequence(compact):
        return "a password may not be a sequence such as 12345678, abcdefgh or qwerty"
    inputs = [username, *(o for o in others if o), *username.replace("@", ".").split(".")]
    with _ZXCVBN_LOCK:
        verdict = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)
    if verdict["score"] >= MIN_STRENGTH:
        return None
    feedback = verdict["feedback"]
    why = feedback["warning"] or "it would be among an attacker's early guesses"
    advice = " ".join(feedback["suggestions"]) or "A longer passphrase of uncommon words is best."
    return f"this password is too easy to guess: {why[:1].lower()}{why[1:]} {advice}".rstrip(".")


def generate_password(username: str = "") -> str:
    """A random 20-character password in groups of five (about 116 bits), easy to read out.

    With ``username``, drawn again in the rare case it contains that name (a short name such as
    'ann' turns up in about one in a thousand draws) so it always passes the rule.
    """
    while True:
        chars = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(20))
        password = "-".join(chars[i : i + 5] for i in range(0, 20, 5))
        if not username or password_problem(password, username) is None:
            return password
