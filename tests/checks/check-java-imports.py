#!/usr/bin/env python3
"""Checks the import order of the Java modules: every org.divert4j import in java/*/src/main
must name a package of the importing module or of a module it depends on (transitively, from
the poms), and the module graph must have no cycle. Prints one line, or every violation."""
import glob, os, re, sys
import xml.etree.ElementTree as ET

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
deps, dirs = {}, {}
for pom in glob.glob(os.path.join(root, "java", "*", "pom.xml")):
    p = ET.parse(pom).getroot()
    name = p.find("m:artifactId", ns).text
    dirs[name] = os.path.dirname(pom)
    deps[name] = {d.find("m:artifactId", ns).text for d in p.findall("m:dependencies/m:dependency", ns)
                  if d.find("m:groupId", ns).text == "org.divert4j"}

below, state = {}, {}
def reach(m, path):
    if state.get(m) == 1:
        sys.exit("java imports: module cycle " + " -> ".join(path + [m]))
    if state.get(m) != 2:
        state[m] = 1
        below[m] = set()
        for d in deps.get(m, ()):
            below[m] |= {d} | reach(d, path + [m])
        state[m] = 2
    return below[m]
for m in deps:
    reach(m, [])

owner, imports, files = {}, [], 0
for m, d in dirs.items():
    for f in glob.glob(os.path.join(d, "src", "main", "java", "**", "*.java"), recursive=True):
        text = open(f, encoding="utf-8").read()
        pkg = re.search(r"^package\s+([\w.]+);", text, re.M)
        if pkg:
            files += 1
            owner.setdefault(pkg.group(1), set()).add(m)
            for imp in re.findall(r"^import\s+(?:static\s+)?(org\.divert4j\.[\w.]+?)(?:\.\*)?;", text, re.M):
                target = ".".join(p for p in imp.split(".") if p[:1].islower())
                imports.append((m, os.path.relpath(f, root), target))

bad = []
for m, f, target in imports:
    pkg = target
    while pkg and pkg not in owner:
        pkg = pkg.rpartition(".")[0]
    mods = owner.get(pkg, set())
    if not mods:
        bad.append(f"{f}: imports {target}, which no module holds")
    elif m not in mods and not mods & below[m]:
        bad.append(f"{f}: {m} imports {target} of {', '.join(sorted(mods))}, which it does not depend on")
for pkg, mods in owner.items():
    if len(mods) > 1:
        bad.append(f"package {pkg} is split over {', '.join(sorted(mods))}")
if bad:
    print("\n".join(bad))
    sys.exit(f"java imports: {len(bad)} violations")
print(f"java imports: {files} files in {len(dirs)} modules, no cycle, no upward import")
