"""Control-flow questions the rules ask: does one call precede another, is a loop bounded."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from .model import FileModel, LoopFacts, RecordedCall
from .policy import EscalationLog  # it lives with the policy; imported from here too
from .scopes import RefKind, Scope, resolve

_FUNCTIONS = (cst.FunctionDef, cst.Module, cst.Lambda)


@dataclass(frozen=True)
class Step:
    """One level of nesting: the statement's index in its block and the clause entered."""

    index: int
    clause: str
    """``body``, ``ExceptHandler``, ``Else``, ``Finally``, ``If`` (an elif), or ``self`` for the last."""
    statement: cst.CSTNode


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
    for node in ancestors[start + 1 :]:
        if isinstance(node, cst.BaseSuite):
            if statement is not None:
                steps.append(Step(index, clause or "body", statement))
                statement, clause = None, ""
            block = node
        elif statement is None and isinstance(node, cst.BaseStatement) and block is not None:
            body = block.body
            index = next((i for i, item in enumerate(body) if item is node), 0)
            statement = node
        elif not clause:
            clause = type(node).__name__
    if statement is not None:
        steps.append(Step(index, "self", statement))
    return tuple(steps)


def precedes(first: tuple[Step, ...], second: tuple[Step, ...]) -> bool:
    """Whether the statement at ``first`` runs before the one at ``second`` on some path.

    True when ``first`` sits in an earlier statement of a block enclosing ``second``, or in the
    ``try`` body whose ``except``/``else`` holds ``second``. Alternatives of one ``if`` are not.
    """
    for a, b in zip(first, second):
        if a.index != b.index:
            return a.index < b.index
        if a.clause != b.clause:
            is_try = isinstance(a.statement, (cst.Try, cst.TryStar))
            return is_try and a.clause == "body" and b.clause in ("ExceptHandler", "ExceptStarHandler", "Else")
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


def unbounded_loop(model: FileModel, ancestors: tuple[cst.CSTNode, ...], scope: Scope) -> LoopFacts | None:
    """The outermost loop around a node (in its function) that nothing bounds."""
    start = max(i for i, node in enumerate(ancestors) if isinstance(node, _FUNCTIONS))
    for node in ancestors[start + 1 :]:
        if not isinstance(node, (cst.While, cst.For)):
            continue
        facts = model.loop(node)
        if facts is None or facts.interactive or facts.has_counter_bound:
            continue
        if isinstance(node, cst.While) and _open_ended(node.test):
            return facts
        if isinstance(node, cst.For) and _endless_iterator(node.iter, scope):
            return facts
    return None


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
    return ref.kind is RefKind.IMPORT and ref.qualname in _UNBOUNDED_ITERATORS
