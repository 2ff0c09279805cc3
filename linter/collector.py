"""The one traversal per file: scopes, bindings, calls with their enclosing statements, loops.

Its output is raw material; ``matching.py`` turns the recorded calls into call sites. The binding
forms are in ``bindings.py`` and the loop facts in ``loops.py``, mixed into the ``Collector``.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .bindings import BindingForms
from .loops import LoopFacts, LoopWatch
from .names import Binding, BindingKind, Scope
from .reach import Span
from .walk import ReadOnlyWalker, node_types

_STRUCTURAL_BASES = (
    cst.Module,
    cst.BaseStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.Lambda,
)
STRUCTURAL: frozenset[type] = node_types(*_STRUCTURAL_BASES)
"""Node types kept on the ancestor stack of each call."""
_BLOCKS = frozenset({cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite})
_LOOPS = frozenset({cst.For, cst.While})


@dataclass(eq=False)
class RecordedCall:
    node: cst.Call
    scope: Scope
    ancestors: tuple[cst.CSTNode, ...]


class Collector(BindingForms, LoopWatch, ReadOnlyWalker):
    """Records scopes, bindings, calls and assignments in one pass.

    Every binding form makes a binding in the scope Python puts it in (``bindings.py``; ``def``
    and ``class`` names, parameters and type parameters here). Decorators, parameter defaults and a comprehension's first iterable are evaluated in the scope
    around, as Python does.
    """

    def __init__(self, module: cst.Module) -> None:
        self.scope = Scope("module", module, None)
        self.stack: list[cst.CSTNode] = []
        self.calls: list[RecordedCall] = []
        self.loops: dict[int, LoopFacts] = {}
        self.open_loops: list[list[LoopFacts]] = [[]]
        """Per function being visited: the loops around the current node."""
        self.assignments: list[tuple[cst.BaseAssignTargetExpression, cst.BaseExpression, Scope]] = []
        self.switched: list[Scope] = []
        """Per node being visited in another scope than its parent's: the scope to return to."""
        # where bindings and uses are, for ``reach.py``: statements are numbered as they come
        self.tick = 0
        self.ticks = self.scope.ticks
        self.blocks: list[Span] = []
        self.loop_spans: list[Span | None] = [None]
        """Per function, class or lambda being visited: the innermost loop around the current node."""
        self.functions: dict[int, Scope] = {}
        """By ``id`` of each ``def``: its body's scope (the project summary reads them)."""

    ENTERED = STRUCTURAL

    def enter(self, node: cst.CSTNode) -> None:
        kind = type(node)
        self.stack.append(node)
        self.tick += 1
        if kind in _BLOCKS:
            self.blocks.append(Span(self.tick))
        elif kind in _LOOPS:
            self.loop_spans[-1] = Span(self.tick, self.loop_spans[-1])

    def exit(self, node: cst.CSTNode) -> None:
        kind = type(node)
        self.stack.pop()
        if kind in _BLOCKS:
            self.blocks.pop().end = self.tick
        elif kind in _LOOPS:
            loop = self.loop_spans[-1]
            assert loop is not None
            loop.end = self.tick
            self.loop_spans[-1] = loop.parent

    def visit_Name(self, node: cst.Name) -> None:
        self.ticks[id(node)] = self.tick  # where each name is written

    def _switch(self, scope: Scope) -> None:
        self.switched.append(self.scope)
        self.scope = scope

    def _switch_back(self, original_node: cst.CSTNode) -> None:
        self.scope = self.switched.pop()

    # scopes
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        body = Scope("class", node, self._type_scope(node))
        self.scope.bind(node.name.value, self._placed(Binding(BindingKind.CLASS, self.scope, node=node, body=body)))
        self.scope = body
        self.loop_spans.append(None)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope = self._outside(self.scope)
        self.loop_spans.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        binding = self._placed(Binding(BindingKind.FUNCTION, self.scope, node=node))
        self.scope.bind(node.name.value, binding)
        outer = self.scope
        self.scope = binding.body = Scope("function", node, self._type_scope(node))
        self.loop_spans.append(None)
        self.functions[id(node)] = self.scope
        params = self._bind_params(node.params, outer)
        if outer.kind == "class" and params and not _is_static(node):
            self.scope.self_name = params[0].name.value
        self.open_loops.append([])

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope = self._outside(self.scope)
        self.open_loops.pop()
        self.loop_spans.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        outer = self.scope
        self.scope = Scope("lambda", node, outer)
        self.loop_spans.append(None)
        self._bind_params(node.params, outer)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scope = self.scope.parent  # type: ignore[assignment]
        self.loop_spans.pop()

    def _type_scope(self, node: cst.FunctionDef | cst.ClassDef) -> Scope:
        """The scope a def or class body nests in: an annotation scope holding its type parameters
        (``def f[T]``), else the current one."""
        if node.type_parameters is None:
            return self.scope
        scope = Scope("annotation", node, self.scope)
        for param in node.type_parameters.params:
            scope.bind(param.param.name.value, Binding(BindingKind.OPAQUE, scope))
        return scope

    @staticmethod
    def _outside(scope: Scope) -> Scope:
        """The scope around a def or class (past its annotation scope)."""
        outer = scope.parent
        assert outer is not None
        return outer.parent if outer.kind == "annotation" and outer.node is scope.node else outer  # type: ignore[return-value]

    # parameter defaults and annotations, and decorators, run in the scope around the def
    def visit_Param(self, node: cst.Param) -> None:
        self._switch(self._outside(self.scope))

    def visit_Decorator(self, node: cst.Decorator) -> None:
        self._switch(self._outside(self.scope))

    leave_Param = leave_Decorator = _switch_back

    def visit_ListComp(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        self.scope = Scope("comprehension", node, self.scope)

    def leave_ListComp(self, original_node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        self.scope = self.scope.parent  # type: ignore[assignment]

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp
    leave_SetComp = leave_GeneratorExp = leave_DictComp = leave_ListComp

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        """Bind the target; the first ``for`` of a comprehension is walked here: its iterable
        runs in the scope around the comprehension, as Python evaluates it."""
        super().visit_CompFor(node)
        comprehension = self.scope
        if comprehension.kind != "comprehension" or comprehension.node.for_in is not node:  # type: ignore[attr-defined]
            return True
        self.walk(node.target)
        self._switch(comprehension.parent)  # type: ignore[arg-type]
        self.walk(node.iter)
        self._switch_back(node)
        for test in node.ifs:
            self.walk(test)
        if node.inner_for_in is not None:
            self.walk(node.inner_for_in)
        return False

    # statements that bind and count, and calls
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node.value)
            self._stepped(target.target, node.value)  # i = i + 1, tries = tries - 1

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None)
        self._count(node.target, isinstance(node.operator, cst.SubtractAssign))
        if isinstance(node.target, cst.Name) and isinstance(node.operator, cst.BitOrAssign):
            self._mutate(node.target.value, None, None)  # params |= extra

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, None, hides=False)
        self._open_loop(node)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(RecordedCall(node, self.scope, tuple(self.stack)))
        self._mutating_call(node)
        self._interactive_call(node)


def _is_static(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)
