"""An import-linter contract for what its own contracts cannot say about external packages.

import-linter sees an external package only as a whole (``django``), so a forbidden contract can
forbid Django but not just its models. This contract reads the import lines of the source
modules' Django imports and refuses those of the forbidden subpackages (``django.db``,
``django.contrib``), naming module and line.
"""

from __future__ import annotations

import re
from typing import Any

from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain import helpers


def imported_names(line: str) -> list[str]:
    """The dotted names a line imports: `import a.b, c` or `from a import b, c` (as a.b, a.c)."""
    line = line.split("#", 1)[0].strip()
    if line.startswith("import "):
        return [part.split(" as ")[0].strip() for part in line[len("import ") :].split(",")]
    match = re.match(r"from\s+([\w.]+)\s+import\s+\(?(.*)", line)
    if not match:
        return []
    module, names = match.groups()
    listed = [part.split(" as ")[0].strip(" ()") for part in names.split(",")]
    return [module] + [f"{module}.{name}" for name in listed if name]


class ExternalSubpackagesForbiddenContract(Contract):
    """Source modules must not import the listed subpackages of an external package.

    Configuration options:
        - source_modules:     module expressions, with their descendants (a missing one is
                              skipped: the package is not written yet).
        - forbidden_modules:  dotted subpackages of external packages, e.g. ``django.db``.
    """

    type_name = "forbidden_external_subpackages"

    source_modules = fields.SetField(subfield=fields.ModuleExpressionField())
    forbidden_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        forbidden: list[str] = list(self.forbidden_modules)
        roots = {name.split(".")[0] for name in forbidden}
        sources = helpers.module_expressions_to_modules(graph, self.source_modules)
        violations: list[dict[str, Any]] = []
        for source in sorted(sources, key=lambda module: module.name):
            if source.name not in graph.modules:
                continue  # a package not written yet: nothing to check
            modules = {source.name} | set(graph.find_descendants(source.name))
            for module in sorted(modules):
                for root in sorted(roots & graph.find_modules_directly_imported_by(module)):
                    for detail in graph.get_import_details(importer=module, imported=root):
                        names = imported_names(detail["line_contents"])
                        hit = next(
                            (
                                name
                                for name in names
                                for banned in forbidden
                                if name == banned or name.startswith(f"{banned}.")
                            ),
                            None,
                        )
                        if hit is not None:
                            violations.append({**detail, "forbidden": hit})
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            output.print_error(
                f"{violation['importer']} imports {violation['forbidden']} "
                f"(l.{violation['line_number']}: {violation['line_contents']})",
                bold=False,
            )
            output.new_line()
