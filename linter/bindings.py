"""Binding forms: the collector's visitor methods that bind names, each in the scope Python puts it in.

Assignment, augmented and annotated assignment targets (names inside tuples, lists and starred
targets too), the walrus (in the function around a comprehension), ``for``/``with``/``except``/
``except*`` targets, imports, parameters, comprehension targets (in the comprehension's own
scope), ``match`` captures, ``del``, ``global``/``nonlocal`` redirection and ``type`` aliases.
``BindingForms`` is mixed into the collector (``collector.py``), which owns the state below.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from .names import Binding, BindingKind, Scope, dotted
from .reach import Position, Span

_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})


class BindingForms:
    """The collector's visitor methods for binding forms (a mixin)."""

    scope: Scope
    assignments: list[tuple[cst.BaseAssignTargetExpression, cst.BaseExpression, Scope]]
    """Attribute and subscript targets with their values: endpoints set in code (BL004)."""
    tick: int
    blocks: list[Span]
    loop_spans: list[Span | None]

    def _placed(self, binding: Binding, hides: bool = True) -> Binding:
        """``binding``, stamped with where it is made (``hides``: whenever its block runs past it)."""
        binding.at = Position(self.tick, self.blocks[-1], self.loop_spans[-1], hides)
        return binding

    def _bind_params(self, parameters: cst.Parameters, outer: Scope) -> list[cst.Param]:
        params = [*parameters.posonly_params, *parameters.params, *parameters.kwonly_params]
        for extra in (parameters.star_arg, parameters.star_kwarg):
            if isinstance(extra, cst.Param):
                params.append(extra)
        for param in params:
            annotation = param.annotation.annotation if param.annotation else None
            self.scope.bind(param.name.value, self._placed(Binding(BindingKind.PARAM, outer, value=annotation), hides=False))
        return params

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, None, hides=False)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        self.scope.bind(node.name.value, self._placed(Binding(BindingKind.OPAQUE, self.scope)))

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.globals.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.scope.nonlocals.update(item.name.value for item in node.names)

    # imports
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            qualname = dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, self._placed(Binding(BindingKind.IMPORT, self.scope, qualname=qualname)))
            else:
                top = qualname.split(".")[0]
                self.scope.bind(top, self._placed(Binding(BindingKind.IMPORT, self.scope, qualname=top)))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        # A relative import keeps its dots (``.llm.client``): the project index resolves it.
        module = "." * len(node.relative) + (dotted(node.module) if node.module is not None else "")
        for alias in node.names:
            name = dotted(alias.name)
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            qualname = f"{module}{name}" if module.endswith(".") else f"{module}.{name}"
            self.scope.bind(local, self._placed(Binding(BindingKind.IMPORT, self.scope, qualname=qualname)))

    # assignments
    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value)
        elif self.scope.kind == "function" and isinstance(node.target, cst.Name):
            self.scope.bind(node.target.value, self._placed(Binding(BindingKind.UNBOUND, self.scope), hides=False))  # `x: int` makes x local

    def visit_Del(self, node: cst.Del) -> None:
        self._unbind(node.target)

    def _unbind(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, self._placed(Binding(BindingKind.UNBOUND, self.scope)))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._unbind(element.value)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            self._mutate(target.value.value, None, None)  # del params["max_tokens"]

    def _mutate(self, name: str, key: cst.BaseExpression | None, value: cst.BaseExpression | None) -> None:
        self.scope.home.mutations.setdefault(name, []).append((key, value))

    def _mutating_call(self, node: cst.Call) -> None:
        """``params.update(...)``, ``params.setdefault(key, value)``, ``params.pop(...)``."""
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _MUTATORS:
            if func.attr.value == "setdefault" and len(node.args) == 2:
                self._mutate(func.value.value, node.args[0].value, node.args[1].value)
            else:
                self._mutate(func.value.value, None, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        into = self.scope
        while into.kind == "comprehension" and into.parent is not None:
            into = into.parent  # a walrus in a comprehension binds in the scope around it
        if isinstance(node.target, cst.Name):
            into.bind(node.target.value, self._placed(Binding(BindingKind.VALUE, self.scope, value=node.value), hides=False))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler | cst.ExceptStarHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, None, hides=False)

    visit_ExceptStarHandler = visit_ExceptHandler

    # match captures: `case x`, `case ... as x`, `case [*x]`, `case {**x}` (class patterns hold MatchAs)
    def visit_MatchAs(self, node: cst.MatchAs | cst.MatchStar) -> None:
        if node.name is not None:
            self._bind_target(node.name, None, hides=False)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: cst.MatchMapping) -> None:
        if node.rest is not None:
            self._bind_target(node.rest, None, hides=False)

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None, hides: bool = True) -> None:
        """Bind the names in an assignment target (``hides``: whenever its statement runs)."""
        if isinstance(target, cst.Name):
            kind = BindingKind.VALUE if value is not None else BindingKind.OPAQUE
            self.scope.bind(target.value, self._placed(Binding(kind, self.scope, value=value), hides))
        elif isinstance(target, (cst.Tuple, cst.List)):
            values = value.elements if isinstance(value, (cst.Tuple, cst.List)) else None
            if values is not None and (len(values) != len(target.elements) or _starred(values) or _starred(target.elements)):
                values = None  # a, *rest = 1, 2, 3: elements do not pair one to one
            for index, element in enumerate(target.elements):
                self._bind_target(element.value, values[index].value if values is not None else None, hides)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None, hides)
        elif isinstance(target, cst.Attribute):
            cls = self.scope.self_class(target.value.value) if isinstance(target.value, cst.Name) else None
            if cls is not None:
                kind = BindingKind.VALUE if value is not None else BindingKind.OPAQUE
                cls.attrs.setdefault(target.attr.value, []).append(Binding(kind, self.scope, value=value))
            if value is not None:
                self.assignments.append((target, value, self.scope))  # endpoints set in code (BL004)
        elif isinstance(target, cst.Subscript):
            if isinstance(target.value, cst.Name):
                index = target.slice[0].slice if len(target.slice) == 1 else None
                key = index.value if isinstance(index, cst.Index) and value is not None else None
                self._mutate(target.value.value, key, value if key else None)
            if value is not None:
                self.assignments.append((target, value, self.scope))


def _starred(elements: Sequence[cst.BaseElement]) -> bool:
    return any(isinstance(element, cst.StarredElement) for element in elements)
