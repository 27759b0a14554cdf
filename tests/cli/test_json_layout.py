"""The JSON report's layout is `json.dumps(indent=2, ensure_ascii=True)`'s, byte for byte."""

from __future__ import annotations

import json
from typing import Any

from ddlguard.cli.formats.json import indented
from hypothesis import given, settings
from hypothesis import strategies as st

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # every code point: surrogates, controls, quotes, backslashes
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=600, deadline=None)
@given(documents)
def test_same_bytes_as_json_dumps(value: Any) -> None:
    assert indented(value) == json.dumps(value, indent=2, ensure_ascii=True)


def test_report_shapes() -> None:
    finding = {"code": "DG001", "line": 3, "fix": {"applicability": "unsafe", "d": "é\u2028"}}
    for value in ([], {}, [finding], [finding, {"fix": None, "empty": [], "none": {}}]):
        assert indented(value) == json.dumps(value, indent=2, ensure_ascii=True)
    assert "\\u00e9" in indented([finding])  # ASCII only, whatever the console encoding
