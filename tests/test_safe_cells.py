"""The formula-neutralising rule: OWASP's triggers get a quote, and the quote comes off exactly."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cgic_data.safe_cells import TRIGGERS, neutralise, neutralise_frame, restore

# Texts built from the characters that matter (quotes, triggers) and a few others.
texts = st.text(alphabet=["'", *TRIGGERS, "a", "1", " ", '"', "|"], max_size=8)


@given(texts)
def test_restore_undoes_neutralise_exactly(text: str) -> None:
    assert restore(neutralise(text)) == text
    assert not neutralise(text).startswith(TRIGGERS)


@given(texts)
def test_text_that_needs_no_mark_is_read_as_it_is(text: str) -> None:
    """A third party's value that neutralise would leave alone is never changed by restore."""
    if neutralise(text) == text:
        assert restore(text) == text


def test_the_triggers_and_a_genuine_leading_quote() -> None:
    assert [neutralise(t) for t in ["=1+1", "+1", "-5", "@x", "\tx", "\rx"]] == [
        "'=1+1",
        "'+1",
        "'-5",
        "'@x",
        "'\tx",
        "'\rx",
    ]
    assert neutralise("'=x") == "''=x" and restore("''=x") == "'=x"
    assert neutralise("'quoted") == "'quoted" and restore("'quoted") == "'quoted"
    assert neutralise("a=b") == "a=b" and neutralise("") == ""


def test_a_frame_keeps_its_numbers_and_marks_its_text() -> None:
    frame = pd.DataFrame(
        {
            "n": [-5, 2],
            "x": [-1.5, float("nan")],
            "when": pd.to_datetime(["2025-01-01", None]),
            "text": ["-5", None],
            "mixed": ["=x", -4.0],
            "kind": pd.Categorical(["@a", "b"]),
            "=pivot": ["ok", "ok"],
        }
    )
    out = neutralise_frame(frame)
    assert list(out.columns) == ["n", "x", "when", "text", "mixed", "kind", "'=pivot"]
    assert out["n"].tolist() == [-5, 2] and out["x"].tolist()[0] == -1.5
    assert out["when"].equals(frame["when"])
    assert out["text"].tolist()[0] == "'-5" and pd.isna(out["text"].tolist()[1])
    assert out["mixed"].tolist() == ["'=x", -4.0]
    assert out["kind"].tolist() == ["'@a", "b"]
    assert frame["mixed"].tolist() == ["=x", -4.0]  # the caller's frame is left as it was
