"""Control-flow questions the rules ask: does one call precede another, is a loop bounded."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from .collector import RecordedCall
from .loops import LoopFacts
from .model import FileModel
from .policy import EscalationLog  # it lives with the policy; imported from here too
from .scopes import BindingKind, RefKind, Scope, resolve
from .values import positional

_FUNCTIONS = (cst.FunctionDef, cst.Module, cst.Lambda)


@dataclass(frozen=True)
class Step:
    """One level of nesting: the statement's index in its block and the clause entered."""

    index: int
    clause: str
    """``body``, ``ExceptHandler``, ``Else``, ``Finally``, ``If`` (an elif), or ``self`` for the last."""
    statement: cst.CSTNode
    exit_at: int | None = None
    """The index of the first ``return`` or ``raise`` at the top of the block, from this statement on:
    past it, control never leaves the block to run what follows it."""


def enclosing_function(ancestors: tuple[cst.CSTNode, ...]) -> cst.CSTNode:
    for node in reversed(ancestors):
        if isinstance(node, _FUNCTIONS):
            return node
    return ancestors[0]


def statement_path(ancestors: tuple[cst.CSTNode, ...]) -> tuple[Step, ...]:
    """Where a node sits in its function: one Step per enclosing statement."""
    start = max(i for i, node in enumerate(ancestors) if isinstance(node, _FUNCTIONS))
    block: cst.CSTNode | None = ancestors[start] if isinstance(ancestors[start], cst.Module) else None
    steps: list[Step] = []
    statement: cst.CSTNode | None = None
    index = 0
    clause = ""
    exit_at: int | None = None
    for node in ancestors[start + 1 :]:
        if isinstance(node, cst.BaseSuite):
            if statement is not None:
                steps.append(Step(index, clause or "body", statement, exit_at))
                statement, clause = None, ""
            block = node
        elif statement is None and isinstance(node, cst.BaseStatement) and block is not None:
            body = block.body
            index = next((i for i, item in enumerate(body) if item is node), 0)
            exit_at = next((i for i in range(index, len(body)) if _exits(body[i])), None)
            statement = node
        elif not clause:
            clause = type(node).__name__
    if statement is not None:
        steps.append(Step(index, "self", statement, exit_at))
    return tuple(steps)


def _exits(statement: cst.CSTNode) -> bool:
    """A ``return`` or ``raise`` statement line: what follows it in its block never runs after it."""
    return isinstance(statement, cst.SimpleStatementLine) and any(isinstance(small, (cst.Return, cst.Raise)) for small in statement.body)


def precedes(first: tuple[Step, ...], second: tuple[Step, ...], sequential: bool = True) -> bool:
    """Whether the statement at ``first`` runs before the one at ``second`` on some path.

    True when ``first`` sits in an earlier statement of a block enclosing ``second``, or in the
    ``try`` body whose ``except``/``else`` holds ``second``. Alternatives of one ``if`` are not, nor
    is a statement whose block returns or raises after it (``if local: return ollama(...)``
    before ``return cloud(...)`` is a dispatch): control never reaches ``second`` from there.
    With ``sequential`` False only the ``try`` form counts.
    """
    for level, (a, b) in enumerate(zip(first, second)):
        if a.index != b.index:
            if a.exit_at is not None and a.exit_at < b.index:
                return False
            return sequential and a.index < b.index and not _never_falls_through(first[level:])
        if a.clause != b.clause:
            is_try = isinstance(a.statement, (cst.Try, cst.TryStar))
            return is_try and a.clause == "body" and b.clause in ("ExceptHandler", "ExceptStarHandler", "Else")
    return False


def _never_falls_through(steps: tuple[Step, ...]) -> bool:
    """Whether, from the innermost statement, control always returns or raises inside ``steps[0]``
    (an exception inside a ``try`` body may still reach its handlers and fall through)."""
    for step in steps:
        if step is not steps[0] and step.exit_at is not None:
            return True
        if isinstance(step.statement, (cst.Try, cst.TryStar)) and step.clause == "body":
            return False
    return False


def encloses(outer: tuple[Step, ...], inner: tuple[Step, ...]) -> bool:
    """Whether the statement at ``outer`` sits in a block that encloses (or holds) ``inner``."""
    parent = outer[:-1]
    if len(parent) > len(inner):
        return False
    return all((a.index, a.clause) == (b.index, b.clause) for a, b in zip(parent, inner))


# --- escalation logging --------------------------------------------------------------------

_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg", "fatal"})


def is_escalation_log(call: RecordedCall, log: EscalationLog, pattern: re.Pattern[str]) -> bool:
    func = call.node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if not name:
        return False
    if name in log.functions or pattern.search(name):
        return True
    if name not in _LOG_METHODS or not isinstance(func, cst.Attribute):
        return False
    for arg in call.node.args:
        if arg.keyword is None or arg.keyword.value in ("msg", "event", "message"):
            if _mentions(arg.value, pattern):
                return True
    return False


def _mentions(expr: cst.BaseExpression, pattern: re.Pattern[str]) -> bool:
    if isinstance(expr, cst.SimpleString):
        return bool(pattern.search(expr.raw_value))
    if isinstance(expr, cst.FormattedString):
        return any(isinstance(p, cst.FormattedStringText) and pattern.search(p.value) for p in expr.parts)
    if isinstance(expr, cst.ConcatenatedString):
        return _mentions(expr.left, pattern) or _mentions(expr.right, pattern)
    return False


# --- loops ---------------------------------------------------------------------------------

_UNBOUNDED_ITERATORS = frozenset({"itertools.count", "itertools.cycle", "itertools.repeat"})
_COUNTED_ITERATORS = {"itertools.repeat": ("times", 1)}
"""Iterators bounded when given a count: its keyword and position."""


def unbounded_loop(model: FileModel, ancestors: tuple[cst.CSTNode, ...], scope: Scope) -> LoopFacts | None:
    """The outermost loop around a node (in its function) that nothing bounds."""
    start = max(i for i, node in enumerate(ancestors) if isinstance(node, _FUNCTIONS))
    inside = ancestors[start + 1 :]
    for index, node in enumerate(inside):
        if not isinstance(node, (cst.While, cst.For)):
            continue
        if index + 1 < len(inside) and inside[index + 1] is node.orelse:
            continue  # the loop's `else:` runs once, after the loop
        facts = model.loop(node)
        if facts is None or facts.interactive or facts.has_counter_bound:
            continue
        if isinstance(node, cst.While) and _unbounded_test(node, model, scope):
            return facts
        if isinstance(node, cst.For) and _endless_iterator(node.iter, scope):
            return facts
    return None


def _unbounded_test(loop: cst.While, model: FileModel, scope: Scope) -> bool:
    """A condition that only the model or a flag ends (``while True``, ``while not done``,
    ``while response.stop_reason == "tool_use"``), not one the data ends (``while page.next_token``)."""
    test = loop.test
    reader = ResponseReader(model)
    if reader.reads(test, scope):
        return True
    field = test.expression if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) else test
    if isinstance(field, cst.Attribute) and reader.fetched_in(field, loop, scope):
        return False
    return _open_ended(test)


def _open_ended(test: cst.BaseExpression) -> bool:
    """``while True``, ``while 1``, ``while not done``, ``while self.running``, ``while agent.busy()``."""
    if isinstance(test, cst.Name):
        return test.value != "False"
    if isinstance(test, cst.Integer):
        return test.evaluated_value != 0
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return isinstance(test.expression, (cst.Name, cst.Attribute, cst.Call))
    if isinstance(test, (cst.Attribute, cst.Call)):
        return True
    return False


def _endless_iterator(expr: cst.BaseExpression, scope: Scope) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    if isinstance(expr.func, cst.Name) and expr.func.value == "iter" and len(expr.args) == 2:
        return True  # iter(callable, sentinel)
    ref = resolve(expr.func, scope)
    if ref.kind is not RefKind.IMPORT or ref.qualname not in _UNBOUNDED_ITERATORS:
        return False
    counted = _COUNTED_ITERATORS.get(ref.qualname)
    if counted is None:
        return True
    keyword, position = counted
    given = any(arg.keyword is not None and arg.keyword.value == keyword for arg in expr.args)
    return not given and positional(expr, position) is None and not any(arg.star for arg in expr.args)


class ResponseReader:
    """Whether an expression reads the result of an LLM generation call of the file's model:
    the call itself, a name bound to it, an attribute or subscript of one, or a value computed
    from one (``finish_reason = response.choices[0].finish_reason``, ``done = is_final(reply)``)."""

    _MAX_DEPTH = 12

    def __init__(self, model: FileModel) -> None:
        self.model = model
        self._generations: frozenset[int] | None = None

    @property
    def generations(self) -> frozenset[int]:
        if self._generations is None:
            self._generations = frozenset(id(site.node) for site in self.model.generation_sites())
        return self._generations

    def reads(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        return self._reads(expr, scope, set(), 0)

    def fetched_in(self, field: cst.Attribute, loop: cst.While, scope: Scope) -> bool:
        """``page.next_token`` where the loop rebinds ``page`` from a call that reads no LLM response."""
        root: cst.BaseExpression = field
        while isinstance(root, (cst.Attribute, cst.Subscript)):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        calls = {id(call.node): call for call in self.model.calls}
        for binding in scope.lookup(root.value):
            value = binding.value.expression if isinstance(binding.value, cst.Await) else binding.value
            if binding.kind is BindingKind.VALUE and isinstance(value, cst.Call) and id(value) in calls:
                if any(node is loop for node in calls[id(value)].ancestors):
                    return True
        return False

    def _reads(self, expr: cst.BaseExpression, scope: Scope, seen: set[int], depth: int) -> bool:
        if depth > self._MAX_DEPTH:
            return False
        parts: list[cst.BaseExpression]
        if isinstance(expr, cst.Name):
            return self._name_reads(expr.value, scope, seen, depth)
        if isinstance(expr, cst.Call):
            if id(expr) in self.generations:
                return True
            receiver = [expr.func.value] if isinstance(expr.func, cst.Attribute) else []
            parts = [*receiver, *(arg.value for arg in expr.args)]
        elif isinstance(expr, (cst.Attribute, cst.Subscript, cst.NamedExpr)):
            parts = [expr.value]
        elif isinstance(expr, (cst.Await, cst.UnaryOperation)):
            parts = [expr.expression]
        elif isinstance(expr, (cst.BooleanOperation, cst.BinaryOperation)):
            parts = [expr.left, expr.right]
        elif isinstance(expr, cst.Comparison):
            parts = [expr.left, *(target.comparator for target in expr.comparisons)]
        else:
            return False
        return any(self._reads(part, scope, seen, depth + 1) for part in parts)

    def _name_reads(self, name: str, scope: Scope, seen: set[int], depth: int) -> bool:
        for binding in scope.lookup(name):
            if binding.kind is not BindingKind.VALUE or binding.value is None or id(binding) in seen:
                continue
            seen.add(id(binding))
            if self._reads(binding.value, binding.scope, seen, depth + 1):
                return True
        return False
