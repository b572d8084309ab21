"""The qianwen_common modules a set of scripts imports, directly or through each other (ast, no import)."""

import ast
import os

PACKAGE = "qianwen_common"


def imported(tree, inside_package):
    """Module names of the package that one parsed file imports, anywhere in it (lazy imports too)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == PACKAGE and len(parts) > 1:
                    names.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level and inside_package:          # from . import x / from .x import y
                names.update([module.split(".")[0]] if module else [a.name for a in node.names])
            elif module == PACKAGE:                     # from qianwen_common import x, y
                names.update(alias.name for alias in node.names)
            elif module.startswith(PACKAGE + "."):      # from qianwen_common.x import y
                names.add(module.split(".")[1])
    return names


def closure(entry_files, package_dir):
    """Every package module reachable from entry_files; ValueError names a module that does not exist."""
    seen, queue = set(), []
    for path in entry_files:
        queue += sorted(imported(_parse(path), False))
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        path = os.path.join(package_dir, name + ".py")
        if not os.path.isfile(path):
            raise ValueError("%s imports %s.%s, which is not in skills/_common/%s/" % (
                ", ".join(os.path.basename(p) for p in entry_files), PACKAGE, name, PACKAGE))
        seen.add(name)
        queue += sorted(imported(_parse(path), True) - seen)
    return seen


def _parse(path):
    with open(path, encoding="utf-8") as handle:
        return ast.parse(handle.read(), filename=path)
