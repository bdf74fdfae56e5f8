#!/usr/bin/env python3
"""Checks that relative links and backticked repository paths in the docs point at files that
exist, so renames do not leave the documentation pointing nowhere.

Usage: tests/docs/check-links.py SOURCE_DIR"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1]).resolve()
documents = [root / "README.md", *sorted((root / "docs").glob("*.md")),
             *sorted(root.glob("*/README.md")), *sorted(root.glob("tests/*/README.md"))]
link = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")
# `docs/relay.md`, `scripts/run.sh`: repository paths named in the text.
path = re.compile(r"`((?:[\w.-]+/)+[\w.-]+\.(?:md|yaml|json|sh|py|cpp|hpp|service|conf|acl))`")
problems = []
for document in documents:
    text = document.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        for target, _anchor in link.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # http(s), mailto, file: links to installed paths
            resolved = (document.parent / target).resolve()
            if not resolved.exists():
                problems.append(f"{document.relative_to(root)}:{number}: link to missing {target}")
        for named in path.findall(line):
            # Run-time files, elisions, and ../shared (beside the checkout, not part of it).
            if named.startswith((".state/", "build/", "tmp/", "../")) or "..." in named:
                continue
            if not ((root / named).exists() or (document.parent / named).exists()):
                problems.append(f"{document.relative_to(root)}:{number}: names missing {named}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"check-links: {len(documents)} documents, every relative link resolves")
