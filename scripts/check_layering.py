#!/usr/bin/env python3
"""Fails if an include points up the layer table (DESIGN.md section 2).

usage: check_layering.py [<source root>]   (default: the repository root)

Checked files: include/coronet/<layer>/**, src/<layer>/** and tools/** (the
command-line tool, which uses the library through its public headers only). An include names a
layer either as <coronet/<layer>/...> (public headers) or as "<layer>/..."
(the library's private headers under src/). Rules:
  * a layer includes only itself and the layers it may use (ALLOWED below);
  * no library layer includes coronet/testing or the umbrella coronet/coronet.hpp;
  * public headers never include private src/ headers, and a layer reaches
    another layer only through that layer's public headers;
  * only src/backend includes <sys/epoll.h> or <liburing.h>.
"""
import pathlib
import re
import sys

LIBRARY = ["base", "backend", "runtime", "net", "stream", "tls", "asyncio"]

# Each layer may use the layers below it, with the exceptions DESIGN.md names:
# `stream` uses `net`, never `backend`; `asyncio` uses `backend` and `tls`
# directly but never `stream`.
ALLOWED = {layer: set(LIBRARY[:i]) for i, layer in enumerate(LIBRARY)}
ALLOWED["stream"] -= {"backend"}
ALLOWED["asyncio"] -= {"stream"}
ALLOWED["testing"] = set(LIBRARY)  # coronet/testing may use every layer
ALLOWED["tools"] = set(LIBRARY) | {"testing"}

KNOWN = set(ALLOWED)
KERNEL_HEADERS = {"sys/epoll.h", "liburing.h"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*(<([^>]+)>|"([^"]+)")', re.MULTILINE)
SUFFIXES = {".hpp", ".h", ".cpp", ".ipp", ".inl"}


def layer_of_include(path):
    """(layer, is_public) for an include path that names a coronet layer, else None."""
    parts = path.split("/")
    if parts[0] == "coronet" and len(parts) > 2 and parts[1] in KNOWN:
        return parts[1], True
    if parts[0] in KNOWN and len(parts) > 1:
        return parts[0], False
    return None


def check_file(root, file, layer, public):
    errors = []
    text = file.read_text(encoding="utf-8", errors="replace")
    rel = file.relative_to(root)
    for match in INCLUDE_RE.finditer(text):
        target = (match.group(2) or match.group(3)).strip()
        line = text.count("\n", 0, match.start()) + 1
        where = f"{rel}:{line}: #include {match.group(1)}"
        if target in KERNEL_HEADERS and not (layer == "backend" and not public):
            errors.append(f"{where}: only src/backend may include {target}")
            continue
        if target == "coronet/coronet.hpp" and layer in LIBRARY:
            errors.append(f"{where}: library layer '{layer}' includes the umbrella header")
            continue
        found = layer_of_include(target)
        if found is None:
            continue
        used, used_public = found
        if public and not used_public:
            who = "the tools use coronet only through public headers" if layer == "tools" \
                else "a public header includes a private src/ header"
            errors.append(f"{where}: {who}")
        elif not used_public and used != layer:
            errors.append(f"{where}: use layer '{used}' through its public headers")
        if used == layer:
            continue
        if used == "testing" and layer in LIBRARY:
            errors.append(f"{where}: library layer '{layer}' includes coronet/testing")
        elif used not in ALLOWED[layer]:
            errors.append(f"{where}: layer '{layer}' may not include layer '{used}'")
    return errors


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    root = root.resolve()
    errors, checked = [], 0
    for base, public in ((root / "include" / "coronet", True), (root / "src", False)):
        if not base.is_dir():
            continue
        for layer_dir in sorted(p for p in base.iterdir() if p.is_dir()):
            layer = layer_dir.name
            if layer not in KNOWN:
                errors.append(f"{layer_dir.relative_to(root)}: unknown layer '{layer}'")
                continue
            for file in sorted(layer_dir.rglob("*")):
                if file.suffix in SUFFIXES and file.is_file():
                    checked += 1
                    errors.extend(check_file(root, file, layer, public))
    tools = root / "tools"
    if tools.is_dir():
        for file in sorted(tools.rglob("*")):
            if file.suffix in SUFFIXES and file.is_file():
                checked += 1
                errors.extend(check_file(root, file, "tools", True))
    for error in errors:
        print(error, file=sys.stderr)
    print(f"layering: {checked} files checked, {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
