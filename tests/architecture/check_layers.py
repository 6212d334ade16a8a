#!/usr/bin/env python3
"""The layer rules of the source tree, checked by `make test` (ctest ArchitectureTest.*).

The folder tree is the dependency graph (README, "Architecture"):

  platform (kernel/)  <  storage (db/)  <  process runtime (runtime/)
  <  contexts (accounts/, catalogue/, cases/, dispatch/, tracking/, supervision/, with their
     stores; and the gateway's own use case, the phones' offline sync, mobile-api/sync/)
  <  processes (services/ = intake, dispatch/server, tracking/server, mobile-api/)

Rules (each prints the offending file or link and fails the run):
  links     no process library links another process library, directly or through others,
            and no other library (daibanctl's, a wiring library) links a process library at
            all: only a process's own binary and tests link it;
  storage   a context's domain library links no storage: neither db/ nor a pg/ library, directly
            or through others (its PostgreSQL and Redis implementations are a library apart);
  platform  kernel/ includes nothing of ours but kernel/ headers, and no libpqxx or hiredis
            header (the drivers are storage's);
  domain    the pure domain and use-case folders of a context (its include/ and src/, and app/
            where its use cases sit apart) include no libpqxx, hiredis or Pistache header, and no
            storage (db/) or process-runtime header;
  routes    a route file (where a process maps HTTP to use cases) uses no database pool or SQL;
  stores    a process folder defines no store implementation (no `Pg*` or `Redis*` class): a
            store lives with the context that owns its tables, in its pg/ (or live/) library;
  usecases  a process folder defines no use-case class (no `*Service` class): a process is
            routes, wiring and main, and "service" alone names the process itself;
  vocabulary  the shared vocabulary is declared in kernel/ only: no `using Moment =`,
            `struct GeoPoint` or role enum anywhere else (a context uses the kernel's by name);
  headers   a header's include path mirrors its folder: <ctx>/include/daiban/<ctx>/x.hpp for a
            context's (or layer's) own part, <ctx>/<sub>/include/daiban/<ctx>/<sub>/x.hpp for a
            sub-library (pg, app, testing, wiring, live, server, sync), so an include line says
            which library it reaches.

Usage: check_layers.py SOURCE_DIR [RULE ...]   (default: every rule)
"""

import pathlib
import re
import sys

PROCESS_LIBRARIES = {
    "daiban_intake_server",
    "daiban_dispatch_server",
    "daiban_tracking_server",
    "daiban_mobile_gateway",
}

# Each context's domain and use-case libraries; its pg/ library (daiban_<context>_pg) is apart.
DOMAIN_LIBRARIES = {
    "daiban_accounts",
    "daiban_catalogue",
    "daiban_cases",
    "daiban_dispatch",
    "daiban_dispatch_app",
    "daiban_tracking",
    "daiban_tracking_app",
    "daiban_supervision",
}

# Folders holding a context's domain and use cases: plain C++ over the context's store
# interfaces. Their implementations live beside them in pg/ (PostgreSQL and Redis), their
# in-memory fakes in testing/.
DOMAIN_FOLDERS = [
    "accounts/include",
    "accounts/src",
    "catalogue/include",
    "catalogue/src",
    "cases/include",
    "cases/src",
    "dispatch/include",
    "dispatch/src",
    "dispatch/app/include",
    "dispatch/app/src",
    "tracking/include",
    "tracking/src",
    "tracking/app/include",
    "tracking/app/src",
    "supervision/include",
    "supervision/src",
    # The gateway's own use cases, apart from its routes: the phones' offline protocol, and
    # the field workers' own records and duty.
    "mobile-api/sync/include",
    "mobile-api/sync/src",
    "mobile-api/app/include",
    "mobile-api/app/src",
]

# Where processes map HTTP requests to use cases.
ROUTE_FILES = [
    "services/src/*_api.cpp",
    "dispatch/server/src/*.cpp",
    "tracking/server/src/*.cpp",
    "mobile-api/src/*_api.cpp",
]

# Where a process keeps its own code: routes, wiring, its workers and its main.
PROCESS_FOLDERS = [
    "services/src",
    "services/include",
    "dispatch/server",
    "tracking/server",
    "mobile-api/src",
    "mobile-api/include",
]

# Top folders whose C++ name differs (a folder name users know, or one C++ cannot spell).
INCLUDE_NAMES = {
    "services": "intake",
    "mobile-api": "mobile",
}

FORBIDDEN_IN_DOMAIN = re.compile(
    r'#include\s*[<"](pqxx/|hiredis/|pistache/|daiban/db/|daiban/runtime/)')
STORAGE_IN_ROUTES = re.compile(
    r'#include\s*[<"](pqxx/|hiredis/|daiban/db/)|\bPgPool\b|\bRedisPool\b|'
    r'\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s+[a-z_]+')
# A business time, a position or a role enum declared again: the second copy drifts.
VOCABULARY_DECLARATION = re.compile(
    r'\busing\s+Moment\s*=|\bstruct\s+GeoPoint\b|'
    r'(?<!using )\benum\s+(?:class\s+|struct\s+)?[A-Za-z_]*Role\s*[{:;]')
# A class defined (not declared) with a PostgreSQL or Redis name: a store implementation.
STORE_DEFINITION = re.compile(r'^\s*(?:class|struct)\s+((?:Pg|Redis)[A-Za-z0-9_]*)\b(?!\s*;)')
OUR_INCLUDE = re.compile(r'#include\s*"(daiban/[a-z_]+)/')
DRIVER_INCLUDE = re.compile(r'#include\s*[<"](pqxx/|hiredis/)')


def sources(root, pattern):
    return sorted(p for p in root.glob(pattern) if p.suffix in (".cpp", ".hpp") and p.is_file())


def link_graph(root):
    """Each target's daiban_ libraries, and which targets are libraries (not binaries)."""
    graph, libraries = {}, set()
    for cmake in root.rglob("CMakeLists.txt"):
        top = cmake.relative_to(root).parts[0]
        # build/ is generated; tests/ holds test programs and this check's own fixture.
        if top in ("build", "tests") or "node_modules" in cmake.parts:
            continue
        text = re.sub(r"#[^\n]*", "", cmake.read_text())
        for match in re.finditer(r"add_library\s*\(\s*([A-Za-z0-9_]+)", text):
            graph.setdefault(match.group(1), set())
            libraries.add(match.group(1))
        for match in re.finditer(r"target_link_libraries\s*\(([^)]*)\)", text):
            words = match.group(1).split()
            target, deps = words[0], words[1:]
            graph.setdefault(target, set()).update(d for d in deps if d.startswith("daiban_"))
    return graph, libraries


def reachable(graph, start):
    """Every library `start` links, directly or not, with the library it was reached from."""
    seen, stack, via = set(), [start], {}
    while stack:
        node = stack.pop()
        for dep in graph.get(node, ()):
            if dep not in seen:
                seen.add(dep)
                via[dep] = node
                stack.append(dep)
    return seen, via


def link_path(via, start, end):
    path, node = [end], end
    while node != start:
        node = via[node]
        path.append(node)
    return " -> ".join(reversed(path))


def forbidden_links(root, rule, libraries, kind, forbidden):
    """Each of `libraries` reaching a library for which `forbidden(start, library)` holds."""
    graph, _ = link_graph(root)
    problems = []
    for start in sorted(libraries):
        if start not in graph:
            problems.append(f"{rule}: {kind} library {start} not found in any CMakeLists.txt")
            continue
        seen, via = reachable(graph, start)
        for library in sorted(d for d in seen if forbidden(start, d)):
            problems.append(f"{rule}: " + link_path(via, start, library))
    return problems


def check_links(root):
    # Every library, not only the processes': a library linking a process library would make
    # whatever links it a second copy of that process (daibanctl once linked intake's).
    _, libraries = link_graph(root)
    return forbidden_links(root, "links", PROCESS_LIBRARIES | libraries, "process",
                           lambda start, d: d in PROCESS_LIBRARIES and d != start)


def check_storage(root):
    # db/ itself, or a context's PostgreSQL and Redis library (daiban_<context>_pg).
    return forbidden_links(root, "storage", DOMAIN_LIBRARIES, "domain",
                           lambda start, d: d == "daiban_db" or d.endswith("_pg"))


def check_platform(root):
    problems = []
    for path in sources(root, "kernel/**/*"):
        for line in path.read_text().splitlines():
            match = OUR_INCLUDE.search(line)
            if (match and match.group(1) != "daiban/kernel") or DRIVER_INCLUDE.search(line):
                problems.append(f"platform: {path.relative_to(root)}: {line.strip()}")
    return problems


def check_domain(root):
    problems = []
    for folder in DOMAIN_FOLDERS:
        if not (root / folder).is_dir():
            problems.append(f"domain: folder {folder} is missing")
            continue
        for path in sources(root, folder + "/**/*"):
            for line in path.read_text().splitlines():
                if FORBIDDEN_IN_DOMAIN.search(line):
                    problems.append(f"domain: {path.relative_to(root)}: {line.strip()}")
    return problems


def check_routes(root):
    problems = []
    for pattern in ROUTE_FILES:
        for path in sources(root, pattern):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if line.strip().startswith("//"):
                    continue
                if STORAGE_IN_ROUTES.search(line):
                    problems.append(f"routes: {path.relative_to(root)}:{number}: {line.strip()}")
    return problems


# A class defined with a use-case name (CaseService, DeliveryService, ...).
USE_CASE_DEFINITION = re.compile(r'^\s*(?:class|struct)\s+([A-Za-z0-9_]*Service)\b(?!\s*;)')


def defined_in_processes(root, rule, definition):
    """Every line of a process folder that defines a class `definition` matches."""
    problems = []
    for folder in PROCESS_FOLDERS:
        for path in sources(root, folder + "/**/*"):
            relative = path.relative_to(root).as_posix()
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if definition.search(line):
                    problems.append(f"{rule}: {relative}:{number}: {line.strip()}")
    return problems


def check_use_cases(root):
    return defined_in_processes(root, "usecases", USE_CASE_DEFINITION)


def check_stores(root):
    return defined_in_processes(root, "stores", STORE_DEFINITION)


def check_vocabulary(root):
    problems = []
    for path in sources(root, "**/*"):
        parts = path.relative_to(root).parts
        # build/ is generated; tests/architecture/fixture breaks this rule on purpose.
        if parts[0] in ("kernel", "build") or "node_modules" in parts or (
                parts[:3] == ("tests", "architecture", "fixture")):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip().startswith("//"):
                continue
            if VOCABULARY_DECLARATION.search(line):
                problems.append(
                    f"vocabulary: {path.relative_to(root)}:{number}: {line.strip()}")
    return problems


def check_headers(root):
    problems = []
    for path in sources(root, "**/include/**/*"):
        parts = path.relative_to(root).parts
        # build/ is generated; tests/ holds test support and this check's own fixture.
        if parts[0] in ("build", "tests") or "node_modules" in parts:
            continue
        where = parts.index("include")
        folder, include_path = parts[:where], "/".join(parts[where + 1:])
        expected = "/".join(("daiban", INCLUDE_NAMES.get(folder[0], folder[0])) + folder[1:])
        if include_path.rsplit("/", 1)[0] != expected:
            problems.append(f"headers: {path.relative_to(root)}: included as <{include_path}>, "
                            f"its folder says <{expected}/{path.name}>")
    return problems


RULES = {
    "links": check_links,
    "storage": check_storage,
    "platform": check_platform,
    "domain": check_domain,
    "routes": check_routes,
    "stores": check_stores,
    "usecases": check_use_cases,
    "vocabulary": check_vocabulary,
    "headers": check_headers,
}


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    root = pathlib.Path(argv[1]).resolve()
    names = argv[2:] or list(RULES)
    problems = []
    for name in names:
        if name not in RULES:
            print(f"unknown rule {name}; rules: {', '.join(RULES)}")
            return 2
        problems += RULES[name](root)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} layer violation(s) in rule(s): {', '.join(names)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
