"""Print one of the README's Quick start commands, so CI runs exactly what a newcomer reads.

Usage: readme_command.py README.md (open|test). The Quick start holds two ``sh`` blocks:
the first opens the app, the second runs the tests.
"""

import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("## Quick start")
end = text.index("\n## ", start + 1)
blocks = re.findall(r"```sh\n(.*?)\n```", text[start:end], re.S)
if len(blocks) != 2:
    sys.exit(f"README Quick start has {len(blocks)} sh blocks, expected 2")
print(blocks[{"open": 0, "test": 1}[sys.argv[2]]].strip())
