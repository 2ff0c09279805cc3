"""The one traversal per file: scopes, bindings, calls with their enclosing statements, loops.

Its output is raw material; ``model.py`` turns the recorded calls into call sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from .names import Binding, BindingKind, Scope
from .reach import Position, Span
from .walk import ReadOnlyWalker

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
STRUCTURAL: frozenset[type] = frozenset(
    node_type
    for node_type in (getattr(cst, name) for name in dir(cst))
    if isinstance(node_type, type) and issubclass(node_type, _STRUCTURAL_BASES)
)
"""Node types kept on the ancestor stack of each call (a set: ``isinstance`` on ABCs is slow)."""
_BLOCKS = frozenset({cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite})
_LOOPS = frozenset({cst.For, cst.While})


@dataclass(eq=False)
class LoopFacts:
    """What a loop's body does with counters (BL005), gathered during the traversal."""

    node: cst.For | cst.While
    incremented: set[str] = field(default_factory=set)
    """Names stepped in the loop (``+=``, ``-=``, ``i = i + 1``)."""
    decremented: set[str] = field(default_factory=set)
    """Names counted down in the loop (``tries -= 1``, ``tries = tries - 1``)."""
    compared: set[str] = field(default_factory=set)
    """Names compared with a limit (not with an emptiness value)."""
    floor_tested: set[str] = field(default_factory=set)
    """Names compared with 0 or 1, or tested for truth (``tries <= 0``, ``while tries``, ``not tries``)."""
    interactive: bool = False

    @property
    def has_counter_bound(self) -> bool:
        """A counter stepped and compared with a limit, a count-down tested against its floor, or a length bound."""
        if self.incremented & self.compared or _LEN_BOUND in self.compared:
            return True
        return bool(self.decremented & self.floor_tested)


_MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})
_LEN_BOUND = "len()"
_INTERACTIVE = ("input", "sys.stdin.readline", "getpass.getpass")


@dataclass(eq=False)
class RecordedCall:
    node: cst.Call
    scope: Scope
    ancestors: tuple[cst.CSTNode, ...]


class Collector(ReadOnlyWalker):
    """Records scopes, bindings, calls and assignments in one pass.

    Every binding form makes a binding in the scope Python puts it in: assignment, augmented
    and annotated assignment targets (names inside tuples, lists and starred targets too), the
    walrus (in the function around a comprehension), ``for``/``with``/``except``/``except*``
    targets, imports, ``def``/``class`` names, parameters of functions and lambdas, comprehension
    targets (in the comprehension's own scope), ``match`` captures, ``del``, ``global``/``nonlocal``
    redirection, type parameters and ``type`` aliases. Decorators, parameter defaults and a
    comprehension's first iterable are evaluated in the scope around, as Python does.
    """

    def __init__(self, module: cst.Module) -> None:
        self.scope = Scope("module", module, None)
        self.stack: list[cst.CSTNode] = []
        self.calls: list[RecordedCall] = []
        self.loops: dict[int, LoopFacts] = {}
        self.open_loops: list[list[LoopFacts]] = [[]]
        """Per function being visited: the loops around the current node."""
        self.assignments: list[tuple[cst.BaseAssignTargetExpression, cst.BaseExpression, Scope]] = []
        self.outer_iters: list[tuple[cst.CSTNode, Scope]] = []
        """Comprehensions being visited: the first iterable of each, and the scope it runs in."""
        self.switched: list[tuple[cst.CSTNode, Scope]] = []
        """Nodes visited in another scope than their parent's, with the scope to return to."""
        # where bindings and uses are, for ``reach.py``: statements are numbered as they come
        self.tick = 0
        self.ticks = self.scope.ticks
        self.blocks: list[Span] = []
        self.loop_spans: list[Span | None] = [None]
        """Per function, class or lambda being visited: the innermost loop around the current node."""
        self.functions: dict[int, Scope] = {}
        """By ``id`` of each ``def``: its body's scope (the project summary reads them)."""

    def enter(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if kind is cst.Name:  # where each name is written (not a visit_Name: one call less per name)
            self.ticks[id(node)] = self.tick
        elif kind in STRUCTURAL:
            self.stack.append(node)
            self.tick += 1
            if kind in _BLOCKS:
                self.blocks.append(Span(self.tick))
            elif kind in _LOOPS:
                self.loop_spans[-1] = Span(self.tick, self.loop_spans[-1])
        if self.outer_iters and node is self.outer_iters[-1][0]:
            self._switch(node, self.outer_iters.pop()[1])

    def exit(self, node: cst.CSTNode) -> None:
        kind = type(node)
        if kind in STRUCTURAL:
            self.stack.pop()
            if kind in _BLOCKS:
                self.blocks.pop().end = self.tick
            elif kind in _LOOPS:
                loop = self.loop_spans[-1]
                assert loop is not None
                loop.end = self.tick
                self.loop_spans[-1] = loop.parent
        if self.switched and node is self.switched[-1][0]:
            self.scope = self.switched.pop()[1]

    def _placed(self, binding: Binding, hides: bool = True) -> Binding:
        """``binding``, stamped with where it is made (``hides``: whenever its block runs past it)."""
        binding.at = Position(self.tick, self.blocks[-1], self.loop_spans[-1], hides)
        return binding

    def _switch(self, node: cst.CSTNode, scope: Scope) -> None:
        self.switched.append((node, self.scope))
        self.scope = scope

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
        self.scope.bind(node.name.value, self._placed(Binding(BindingKind.FUNCTION, self.scope, node=node)))
        outer = self.scope
        self.scope = Scope("function", node, self._type_scope(node))
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

    def _bind_params(self, parameters: cst.Parameters, outer: Scope) -> list[cst.Param]:
        params = [*parameters.posonly_params, *parameters.params, *parameters.kwonly_params]
        for extra in (parameters.star_arg, parameters.star_kwarg):
            if isinstance(extra, cst.Param):
                params.append(extra)
        for param in params:
            annotation = param.annotation.annotation if param.annotation else None
            self.scope.bind(param.name.value, self._placed(Binding(BindingKind.PARAM, outer, value=annotation), hides=False))
        return params

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
        self._switch(node, self._outside(self.scope))

    def visit_Decorator(self, node: cst.Decorator) -> None:
        self._switch(node, self._outside(self.scope))

    def visit_ListComp(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        self.outer_iters.append((node.for_in.iter, self.scope))
        self.scope = Scope("comprehension", node, self.scope)

    def leave_ListComp(self, original_node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        self.scope = self.scope.parent  # type: ignore[assignment]

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp
    leave_SetComp = leave_GeneratorExp = leave_DictComp = leave_ListComp

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, None, hides=False)

    def visit_TypeAlias(self, node: cst.TypeAlias) -> None:
        self.scope.bind(node.name.value, self._placed(Binding(BindingKind.OPAQUE, self.scope)))

    # loops and their counters (BL005)
    def visit_While(self, node: cst.While) -> None:
        facts = self._open_loop(node)
        if name := _truth_tested(node.test):
            facts.floor_tested.add(name)  # while tries:

    def leave_While(self, original_node: cst.While) -> None:
        self._close_loop(original_node)

    def leave_For(self, original_node: cst.For) -> None:
        self._close_loop(original_node)

    def visit_Else(self, node: cst.Else) -> None:
        loops = self.open_loops[-1]
        if loops and loops[-1].node.orelse is node:
            loops.pop()  # a loop's `else:` runs once, after the loop: nothing in it repeats

    def _open_loop(self, node: cst.For | cst.While) -> LoopFacts:
        facts = LoopFacts(node)
        self.loops[id(node)] = facts
        self.open_loops[-1].append(facts)
        return facts

    def _close_loop(self, node: cst.For | cst.While) -> None:
        loops = self.open_loops[-1]
        if loops and loops[-1].node is node:  # else already closed by its `else:` clause
            loops.pop()

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if self.open_loops[-1] and isinstance(node.operator, cst.Not) and (name := _truth_tested(node.expression)):
            for facts in self.open_loops[-1]:
                facts.floor_tested.add(name)  # if not tries: break

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if not self.open_loops[-1]:
            return
        names: set[str] = set()
        floors: set[str] = set()
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            ordering = isinstance(target.operator, _ORDERING)
            equality = isinstance(target.operator, (cst.Equal, cst.NotEqual))
            # A bound compares with a limit: `steps >= MAX`, `i == 10`, `len(history) > 40`;
            # `text != ""` or `len(calls) > 0` test for emptiness, which bounds nothing.
            if (ordering or equality) and not _trivial(left) and not _trivial(right):
                names |= {dotted(left), dotted(right)} - {""}
                if ordering and (_is_len(left) or _is_len(right)):
                    names.add(_LEN_BOUND)
            elif ordering or equality:
                # `tries <= 0`, `retries == 0`: the floor of a count-down (bounds only a decremented name).
                floors |= {dotted(side) for side, other in ((left, right), (right, left)) if isinstance(other, cst.Integer)} - {""}
            left = right
        for facts in self.open_loops[-1]:
            facts.compared |= names
            facts.floor_tested |= floors

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
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node.value)
            if isinstance(node.value, cst.BinaryOperation) and dotted(target.target) in (
                dotted(node.value.left),
                dotted(node.value.right),
            ):
                down = isinstance(node.value.operator, cst.Subtract) and dotted(target.target) == dotted(node.value.left)
                self._count(target.target, down)  # i = i + 1, tries = tries - 1

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value)
        elif self.scope.kind == "function" and isinstance(node.target, cst.Name):
            self.scope.bind(node.target.value, self._placed(Binding(BindingKind.UNBOUND, self.scope), hides=False))  # `x: int` makes x local

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, None)
        self._count(node.target, isinstance(node.operator, cst.SubtractAssign))
        if isinstance(node.target, cst.Name) and isinstance(node.operator, cst.BitOrAssign):
            self._mutate(node.target.value, None, None)  # params |= extra

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

    def _count(self, target: cst.BaseExpression, down: bool = False) -> None:
        name = dotted(target)
        for facts in self.open_loops[-1]:
            facts.incremented.add(name)
            if down:
                facts.decremented.add(name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        into = self.scope
        while into.kind == "comprehension" and into.parent is not None:
            into = into.parent  # a walrus in a comprehension binds in the scope around it
        if isinstance(node.target, cst.Name):
            into.bind(node.target.value, self._placed(Binding(BindingKind.VALUE, self.scope, value=node.value), hides=False))

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, None, hides=False)
        self._open_loop(node)

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

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(RecordedCall(node, self.scope, tuple(self.stack)))
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _MUTATORS:
            if func.attr.value == "setdefault" and len(node.args) == 2:
                self._mutate(func.value.value, node.args[0].value, node.args[1].value)
            else:
                self._mutate(func.value.value, None, None)
        if self.open_loops[-1] and dotted(node.func) in _INTERACTIVE:
            for facts in self.open_loops[-1]:
                facts.interactive = True

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


def _is_static(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)


_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def _trivial(node: cst.BaseExpression) -> bool:
    """0, 1, None, an empty string or collection: values that test emptiness, not a limit."""
    if isinstance(node, cst.Integer):
        return node.evaluated_value in (0, 1)
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value in ("", b"")
    if isinstance(node, (cst.List, cst.Tuple, cst.Dict, cst.Set)):
        return not node.elements
    return False


def _truth_tested(node: cst.BaseExpression) -> str:
    """The counter a truth test reads (``while tries``, ``not self.budget``), or ``""``."""
    return dotted(node) if isinstance(node, (cst.Name, cst.Attribute)) else ""


def _is_len(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len"


def dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""
