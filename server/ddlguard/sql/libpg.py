"""libpg_query's parser from pglast, loaded on first use and without pglast's node classes.

ddlguard only calls `parse_sql_json` and `parse_plpgsql_json`, which hand back libpg_query's
own JSON. pglast's C module imports `pglast.ast` (a Python class per node type) and
`pglast.enums` (an enum class per C enum) when it loads, and those are two thirds of its
import: about 150 million instructions, a tenth of parsing 1,000 migrations with `ast`
(docs/performance.md). So both are put in `sys.modules` as modules whose code runs at the
first access to a name they do not hold yet. `importlib.util.LazyLoader` cannot do this: the
import system reads `__spec__` of a module found in `sys.modules`, which makes LazyLoader run
it at once.

Nothing changes for other users of pglast in the process: `pglast.ast.SelectStmt`,
`pglast.enums...`, `pglast.parse_sql` all work, they load on first use. If pglast was
already imported, or its layout is not the expected one, pglast is imported as usual.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types
from functools import cache
from typing import Any

_DEFERRED = ("ast", "enums")


class _Deferred(types.ModuleType):
    """A module whose code runs on the first access to a name it does not hold yet."""

    def __getattr__(self, name: str) -> Any:
        namespace = self.__dict__
        with namespace["_ddlguard_lock"]:
            if namespace.get("_ddlguard_pending"):
                namespace["_ddlguard_pending"] = False
                spec = namespace["__spec__"]
                spec.loader.exec_module(self)
        try:
            return namespace[name]
        except KeyError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}") from None


def _defer_submodules() -> list[_Deferred] | None:
    """Put `pglast.ast` and `pglast.enums` in `sys.modules`, unloaded; None when not possible."""
    top = importlib.util.find_spec("pglast")  # finds the package without running it
    if top is None or not top.submodule_search_locations:
        return None
    import threading  # with the deferred modules only: a lock each, should threads race

    modules = []
    for name in _DEFERRED:
        spec = importlib.machinery.PathFinder.find_spec(
            f"pglast.{name}", list(top.submodule_search_locations)
        )
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        module = _Deferred(spec.name)
        module.__spec__ = spec
        module.__loader__ = spec.loader
        module.__file__ = spec.origin
        module.__package__ = spec.parent
        if spec.submodule_search_locations is not None:
            module.__path__ = list(spec.submodule_search_locations)
        module.__dict__["_ddlguard_lock"] = threading.RLock()
        module.__dict__["_ddlguard_pending"] = True
        modules.append(module)
    return modules


@cache
def parser() -> Any:
    """`pglast.parser`, the C module binding libpg_query."""
    deferred = None
    if "pglast" not in sys.modules and not any(f"pglast.{n}" in sys.modules for n in _DEFERRED):
        try:
            deferred = _defer_submodules()
        except (ImportError, ValueError, AttributeError):
            deferred = None
    if deferred is None:
        from pglast import parser as loaded

        return loaded
    for module in deferred:
        sys.modules[module.__name__] = module
    try:
        from pglast import parser as loaded
    except Exception:
        for module in deferred:  # undo, then let a plain import say what is wrong
            if sys.modules.get(module.__name__) is module:
                del sys.modules[module.__name__]
        sys.modules.pop("pglast", None)
        from pglast import parser as loaded

        return loaded
    package = sys.modules["pglast"]
    for module in deferred:  # the import system binds a submodule it loads; do it for ours
        short = module.__name__.rpartition(".")[2]
        if short not in package.__dict__:
            setattr(package, short, module)
    return loaded
