"""`LazyPattern` compiles on first use and answers as the compiled pattern does."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from ddlguard.lazy_re import LazyPattern


def test_every_method_answers_as_re() -> None:
    pattern, flags = r"(?P<w>[a-z]+)(\d)?", re.IGNORECASE
    lazy, real = LazyPattern(pattern, flags), re.compile(pattern, flags)
    text = "ab1 CD x9 -- é"
    assert lazy.match(text) is not None and lazy.match(text).group(0) == real.match(text).group(0)  # type: ignore[union-attr]
    assert lazy.match(text, 4).span() == real.match(text, 4).span()  # type: ignore[union-attr]
    assert lazy.fullmatch("Ab") is not None and lazy.fullmatch("Ab-") is None
    assert lazy.search(text, 2).span() == real.search(text, 2).span()  # type: ignore[union-attr]
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.findall(text) == real.findall(text)
    assert lazy.split(text) == real.split(text)
    assert lazy.sub("#", text) == real.sub("#", text)
    assert lazy.sub(lambda m: m.group("w").upper(), text) == real.sub(
        lambda m: m.group("w").upper(), text
    )


def test_nothing_is_compiled_before_it_is_used() -> None:
    lazy = LazyPattern("(")  # an invalid pattern: creating it does not compile it
    with pytest.raises(re.error):
        lazy.search("x")


def test_a_check_run_compiles_only_what_it_needs() -> None:
    """The `# noqa` and data-script grammars wait until a file has such a comment or script."""
    code = (
        "from ddlguard.engine import analyze_source\n"
        "from ddlguard.settings import Settings\n"
        "from pathlib import Path\n"
        "import ddlguard.analysis.noqa as noqa, ddlguard.data_scripts as ds\n"
        'analyze_source(\'revision = "a"\\ndown_revision = None\\ndef upgrade():\\n'
        "    op.execute(\"UPDATE t SET a = 1\")\\n', Path('m.py'), Settings(), in_version_dir=True)\n"
        "print(noqa._LINE._compiled is None, ds._NOQA._compiled is None)\n"
        "analyze_source('x = 1  # noqa\\n', Path('m.py'), Settings(), in_version_dir=True)\n"
        "print(noqa._LINE._compiled is None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "False"]
