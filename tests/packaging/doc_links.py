#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""doc_links.py SOURCE_DIR: every relative link in README.md and docs/*.md names a file of the repository,
and no document sends readers to a spec section or C++ header instead of user documentation."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
documents = [root / "README.md", *sorted((root / "docs").glob("*.md")), *sorted((root / "tests").glob("*/README.md"))]
problems, count = [], 0
for document in documents:
    text = document.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        count += 1
        if not (document.parent / target.split("#")[0]).exists():
            problems.append(f"{document.relative_to(root)}: link to {target}, which is not in the repository")
    if document.name == "README.md" and document.parent == root:
        for pattern in (r"spec §", r"see `core/[^`]*\.h`"):
            if re.search(pattern, text):
                problems.append(f"README.md refers readers to {pattern!r} instead of docs/configuration.md")
if problems:
    print("\n".join("FAIL: " + p for p in problems))
    sys.exit(1)
print(f"{count} relative links in {len(documents)} documents all point at files in the repository")
