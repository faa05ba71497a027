#!/usr/bin/env python3
"""Flags the MSVC C4701 pattern in the Windows driver, which neither gcc nor clang reports.

MSVC /W4 /WX (the WDK build) treats a local as "potentially uninitialized" when some path
reaches a use without a write, without correlating conditions: a struct filled through its
address under one `if` and used under a second `if` on the same condition is a build break.
gcc does not report it once the address has escaped to a call, and clang's
-Wconditional-uninitialized only tracks scalars, so this reads clang's AST (JSON) of each
source and reports every local struct/union declared without an initializer whose first
reference lies inside a branch (if/else arm, loop body, switch, ?:, right side of && or ||)
and which is referenced again outside that branch.

usage: lint-uninit-aggregates.py FILE.json... (clang -Xclang -ast-dump=json output; several
top-level JSON objects per file, as -ast-dump-filter prints them). Exit 1 on a finding.
"""
import json
import sys

LOOPS = {"WhileStmt", "ForStmt", "SwitchStmt", "CXXForRangeStmt"}


def branch_of(parent, index):
    """True when child `index` of `parent` runs only on some paths through `parent`."""
    kind = parent.get("kind")
    if kind == "IfStmt":
        # inner: [init] [condition variable] cond then [else]; the condition always runs.
        first_arm = 1 + int(bool(parent.get("hasInit"))) + int(bool(parent.get("hasVar")))
        return index >= first_arm
    if kind in LOOPS:
        return index == len(parent.get("inner", [])) - 1
    if kind == "ConditionalOperator":
        return index >= 1
    if kind == "BinaryOperator" and parent.get("opcode") in ("&&", "||"):
        return index == 1
    return False


def is_aggregate(decl):
    qual = decl.get("type", {})
    text = qual.get("desugaredQualType", qual.get("qualType", ""))
    return text.startswith(("struct ", "union ")) and not text.endswith("*")


def walk(node, ancestors, found):
    """Collects (decl, declaring ancestors) and (ref, ancestors) in source order."""
    kind = node.get("kind")
    if kind == "VarDecl" and "init" not in node and node.get("storageClass") is None \
            and is_aggregate(node):
        found["decls"].append((node, list(ancestors)))
    if kind == "DeclRefExpr":
        ref = node.get("referencedDecl", {})
        found["refs"].append((ref.get("id"), node, list(ancestors)))
    for index, child in enumerate(node.get("inner", [])):
        if isinstance(child, dict):
            ancestors.append((node, index))
            walk(child, ancestors, found)
            ancestors.pop()


def outermost_branch(ancestors, depth):
    """The outermost conditional construct below ancestors[:depth], or None."""
    for parent, index in ancestors[depth:]:
        if branch_of(parent, index):
            return parent["id"]
    return None


def check_function(function, source):
    found = {"decls": [], "refs": []}
    walk(function, [], found)
    problems = []
    for decl, decl_ancestors in found["decls"]:
        # decl_ancestors ends with (block, i) -> (DeclStmt, 0): branches count from the block down.
        depth = len(decl_ancestors) - 1
        refs = [(node, anc) for ref_id, node, anc in found["refs"] if ref_id == decl["id"]]
        if len(refs) < 2:
            continue
        _, first_ancestors = refs[0]
        branch = outermost_branch(first_ancestors, depth)
        if branch is None:
            continue
        for node, ancestors in refs[1:]:
            if branch not in (parent["id"] for parent, _ in ancestors):
                problems.append("%s: %s: '%s' (%s) is first written inside a branch and used "
                                "outside it: initialise it at its declaration (MSVC C4701)"
                                % (source, function.get("name"), decl.get("name"),
                                   decl["type"].get("qualType")))
                break
    return problems


def objects(text):
    decoder = json.JSONDecoder()
    offset = 0
    while True:
        while offset < len(text) and text[offset] not in "{":
            offset += 1
        if offset >= len(text):
            return
        value, offset = decoder.raw_decode(text, offset)
        yield value


def main(paths):
    problems = []
    checked = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for node in objects(text):
            if node.get("kind") == "FunctionDecl" and any(
                    isinstance(child, dict) and child.get("kind") == "CompoundStmt"
                    for child in node.get("inner", [])):
                checked += 1
                problems += check_function(node, path)
    for problem in problems:
        print(problem, file=sys.stderr)
    print("uninitialised-aggregate lint: %d function bodies, %d finding(s)"
          % (checked, len(problems)))
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
