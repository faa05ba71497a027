#!/usr/bin/env python3
"""The floor plan of driver/: no file depends on a file above it, and no circle.

Two graphs, because the Windows driver's files all include the one driver.h, so includes alone
say nothing there:
  - includes: a file may include local headers of its own folder or of a folder below it
    (include/ < core/ < linux/, windows/ < everything else: tests, fuzz, winsim, bench);
    linux/ and windows/ never include each other; core includes only core/ and include/.
  - uses: within core/, linux/ and windows/, file A depends on file B when A names a function
    or variable that B defines (not static). Those dependencies must form no circle, so the
    files have an order in which each uses only files before it; it is printed, bottom first.
A .c file and the .h of the same name are one unit. Exit status 1 on any violation.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DRIVER = os.path.join(ROOT, "driver")
RANK = {"include": 0, "core": 1, "linux": 2, "windows": 2}
TOP = 3
CHECKED = ("core", "linux", "windows")

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')
# A definition at column 0: "TYPE name(" not ending in ';' (a prototype), or a file-scope variable.
FUNCTION = re.compile(r"^(?!static\b|typedef\b|extern\b|return\b|#)[A-Za-z_][\w\s\*]*?\b(\w+)\s*\([^;]*$", re.M)
VARIABLE = re.compile(r"^(?!static\b|typedef\b|extern\b|return\b|#)[A-Za-z_][\w\s\*]*?\b(\w+)\s*(?:\[[^\]]*\])?\s*(?:=[^;]*)?;\s*$", re.M)
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def component(path):
    rel = os.path.relpath(path, DRIVER).split(os.sep)
    return rel[0] if len(rel) > 1 else ""


def rank(comp):
    return RANK.get(comp, TOP)


def sources():
    for base, dirs, files in os.walk(DRIVER):
        dirs[:] = [d for d in dirs if not d.startswith("build")]
        for f in files:
            if f.endswith((".c", ".h")):
                yield os.path.join(base, f)


def resolve(includer, name):
    """The file an #include "name" of includer means, or None (a system or generated header)."""
    for base in (os.path.dirname(includer), DRIVER, os.path.join(DRIVER, "include")):
        p = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(p):
            return p
    return None


def unit(path):
    return os.path.splitext(os.path.relpath(path, DRIVER))[0]


def cycle_free_order(nodes, edges):
    """A bottom-first order of nodes, or the nodes of one circle."""
    order, state = [], {}

    def visit(n, stack):
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m, stack)
                if found:
                    return found
        state[n] = 2
        stack.pop()
        order.append(n)
        return None

    for n in sorted(nodes):
        if n not in state:
            found = visit(n, [])
            if found:
                return None, found
    return order, None


def main():
    problems = []
    files = sorted(sources())
    text = {}
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            text[f] = fh.read()

    for f in files:
        comp = component(f)
        for name in INCLUDE.findall(text[f]):
            target = resolve(f, name)
            if target is None:
                continue
            tcomp = component(target)
            rel = os.path.relpath(f, ROOT)
            if tcomp != comp and rank(tcomp) >= rank(comp):
                problems.append(f'{rel}: includes "{name}" of {tcomp or "driver"}/, which is not below {comp or "driver"}/')

    orders = {}
    for comp in CHECKED:
        mine = [f for f in files if component(f) == comp]
        defined = {}
        for f in mine:
            if f.endswith(".c"):
                code = COMMENT.sub(" ", text[f])
                for pattern in (FUNCTION, VARIABLE):
                    for name in pattern.findall(code):
                        defined.setdefault(name, unit(f))
        edges = {}
        for f in mine:
            u = unit(f)
            code = STRING.sub('""', COMMENT.sub(" ", text[f]))
            for name in set(IDENT.findall(code)):
                owner = defined.get(name)
                if owner is not None and owner != u:
                    edges.setdefault(u, set()).add(owner)
        nodes = {unit(f) for f in mine}
        order, circle = cycle_free_order(nodes, edges)
        if circle:
            problems.append(f"{comp}/: circle " + " -> ".join(c.split("/")[-1] for c in circle))
        else:
            orders[comp] = order

    for p in problems:
        print(p)
    for comp, order in orders.items():
        print(f"{comp}/ bottom first: " + " < ".join(u.split("/")[-1] for u in order))
    if problems:
        print(f"driver imports: {len(problems)} violation(s)")
        return 1
    print(f"driver imports: {len(files)} files, no circle, no upward include or use")
    return 0


if __name__ == "__main__":
    sys.exit(main())
