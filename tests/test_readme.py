"""The README's Python examples run as they are written."""
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index):
    namespace = {}
    for block in BLOCKS[:index + 1]:  # later examples use the names earlier ones made
        exec(compile(block, f"README.md example {index}", "exec"), namespace)
