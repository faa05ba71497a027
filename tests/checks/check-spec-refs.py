#!/usr/bin/env python3
"""Every reference to the specification resolves to a file and a section in this repository.

The code cites the spec (docs/spec/*.md) in comments, as `docs/spec/device-abi.md §7.1`,
`docs/spec/filter-object.md a.4` or `(c)`, or a bare `§4` after such a citation. A newcomer
must be able to open what is cited, so a citation must name the file by its path from the
repository root (or, in a Markdown link, relative to the citing file), the file must exist, and each section it names must be a heading of that
file. A bare section sign resolves to the nearest spec file cited in the lines just above it.

Usage: tests/checks/check-spec-refs.py [ROOT]; exits 1 and lists every reference that does not resolve.
"""
import os
import re
import subprocess
import sys

SPEC_DIR = "docs/spec"
SPEC_NAMES = ("device-abi", "filter-language", "filter-object", "helpers")
# How far above a bare section sign the file it refers to may be cited.
BARE_LOOKBACK_LINES = 6

SECTION = r"(?:\([a-z]\)|[a-z]\.\d+(?:\.\d+)*|\d+(?:\.\d+)*|[a-d](?![\w]))"
SECTION_LIST = re.compile(
    r"\s?(?:§\s?)?(?P<first>" + SECTION + r")"
    r"(?P<rest>(?:\s?(?:,|/|–|-|and|§)\s?(?:§\s?)?" + SECTION + r")*)")
SECTION_ONE = re.compile(SECTION)
FILE_REF = re.compile(
    r"(?P<path>[\w./-]*?)(?P<name>" + "|".join(SPEC_NAMES) + r"|README)\.md")
# The spec's index cited without its path ("specs README §2", "shared/spec README §1").
LOOSE_README = re.compile(r"\b(?:specs?|shared/spec|spec/)\s?README\b(?!\.md)")
BARE = re.compile(r"§\s?(?P<id>" + SECTION + r")")
HEADING = re.compile(r"^#{1,6}\s+(\([a-z]\)|[a-z]\.\d+(?:\.\d+)*|\d+(?:\.\d+)*)\.?\s")


def headings(path):
    ids = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = HEADING.match(line)
            if m:
                ident = m.group(1)
                ids.add(ident)
                if ident.startswith("("):
                    ids.add(ident[1:-1])
    return ids


def normalise(ident):
    return ident[1:-1] if ident.startswith("(") else ident


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    root = os.path.abspath(root)
    spec = {}
    for name in SPEC_NAMES + ("README",):
        p = os.path.join(root, SPEC_DIR, name + ".md")
        if os.path.isfile(p):
            spec[name] = headings(p)
    files = subprocess.run(["git", "-C", root, "ls-files"], check=True, capture_output=True,
                           text=True).stdout.split()
    problems = []
    refs = 0
    for rel in files:
        if rel.startswith(SPEC_DIR + "/") or rel.endswith(".jsonl") or rel == os.path.relpath(__file__, root):
            continue
        full = os.path.join(root, rel)
        try:
            with open(full, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        last_cited = []  # (line number, spec name) of citations seen so far
        for no, line in enumerate(lines, 1):
            where = f"{rel}:{no}"
            covered = []
            for m in FILE_REF.finditer(line):
                name, path = m.group("name"), m.group("path")
                if name == "README" and not path.rstrip("/").endswith("spec"):
                    continue  # some other README
                refs += 1
                covered.append((m.start(), m.end()))
                # From the repository root, or relative to the citing file (a Markdown link).
                opens = path == SPEC_DIR + "/" or os.path.normpath(
                    os.path.join(os.path.dirname(rel), path or ".")) == SPEC_DIR
                if not opens or name not in spec:
                    problems.append(f"{where}: '{path}{name}.md' is not {SPEC_DIR}/{name}.md")
                    continue
                last_cited.append((no, name))
                sm = SECTION_LIST.match(line, m.end())
                if not sm:
                    continue
                covered.append((sm.start(), sm.end()))
                for ident in SECTION_ONE.findall(re.sub(r"\band\b", ",", sm.group(0))):
                    if normalise(ident) not in spec[name] and ident not in spec[name]:
                        problems.append(f"{where}: {SPEC_DIR}/{name}.md has no section '{ident}'")
            for m in LOOSE_README.finditer(line):
                refs += 1
                problems.append(f"{where}: '{m.group(0)}' is not {SPEC_DIR}/README.md")
            for m in BARE.finditer(line):
                if any(a <= m.start() < b for a, b in covered):
                    continue
                refs += 1
                near = [n for (ln, n) in last_cited if no - ln <= BARE_LOOKBACK_LINES]
                if not near:
                    problems.append(f"{where}: '{m.group(0)}' names no spec file (cite {SPEC_DIR}/NAME.md)")
                elif normalise(m.group("id")) not in spec[near[-1]] and m.group("id") not in spec[near[-1]]:
                    problems.append(f"{where}: {SPEC_DIR}/{near[-1]}.md has no section '{m.group('id')}'")
    for p in problems:
        print(p)
    print(f"spec references: {refs} checked, {len(problems)} unresolved")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
