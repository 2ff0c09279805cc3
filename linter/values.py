"""Static evaluation of the few kinds of values the rules read: numbers, strings, mappings.

Literals, unary minus, ``float("inf")``/``math.inf``, module constants and names bound by plain
assignments are followed (a name that more than one assignment reaches has a value when they all
give the same number or string); anything else is ``UNKNOWN``, and rules do not guess about it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import libcst as cst

from .scopes import RefKind, Scope, resolve, returned_values, single_value, values_of


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()
_MAX_DEPTH = 16
_RETURNED = "return**"
"""The key of a function scope's memo of the mapping a call of it gives (never a name)."""

CONFIG_CLASSES = frozenset(
    {
        "ollama.Options",
        "google.genai.types.GenerateContentConfig",
        "google.generativeai.GenerationConfig",
        "google.generativeai.types.GenerationConfig",
        "langchain_core.runnables.RunnableConfig",
        "dict",
    }
)
"""Calls whose keyword arguments are read as a mapping (``options=Options(num_predict=64)``)."""


@dataclass
class Mapping:
    """A dict literal (or config object) whose entries are kept as unevaluated expressions."""

    entries: dict[str, tuple[cst.BaseExpression, Scope]] = field(default_factory=dict)
    key_nodes: dict[str, cst.CSTNode] = field(default_factory=dict)
    opaque: bool = False
    """Some entries cannot be read (``**other`` or a computed key): a missing key proves nothing."""
    node: cst.CSTNode | None = None

    def get(self, key: str, *, casefold: bool = False) -> tuple[cst.BaseExpression, Scope] | None:
        if not casefold:
            return self.entries.get(key)
        wanted = key.casefold()
        for name, entry in self.entries.items():
            if name.casefold() == wanted:
                return entry
        return None


def evaluate(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> object:
    """A Python value for ``expr`` (int, float, str, None, bool, Mapping) or ``UNKNOWN``."""
    if depth > _MAX_DEPTH:
        return UNKNOWN
    kind = type(expr)  # parsed nodes are of their concrete types: ``is`` spares isinstance's ABC checks
    if kind is cst.Integer:
        return integer_value(expr)
    if kind is cst.Float:
        return float(expr.evaluated_value)
    if kind is cst.Name:
        if expr.value in ("None", "True", "False"):
            return {"None": None, "True": True, "False": False}[expr.value]
        bound = values_of(expr, scope)
        if bound is None:
            return UNKNOWN
        if len(bound) > 1:
            return _agreed([evaluate(value, value_scope, depth + 1) for value, value_scope in bound])
        value = evaluate(bound[0][0], bound[0][1], depth + 1)
        if isinstance(value, Mapping):
            _apply_mutations(value, bound[0][1].home.mutations.get(expr.value, ()), bound[0][1], depth)
        return value
    if kind is cst.UnaryOperation and isinstance(expr.operator, cst.Minus):
        value = evaluate(expr.expression, scope, depth + 1)
        return -value if isinstance(value, (int, float)) and not isinstance(value, bool) else UNKNOWN
    if kind is cst.SimpleString or kind is cst.ConcatenatedString:
        value = string_value(expr) if kind is cst.SimpleString else expr.evaluated_value
        return value if isinstance(value, str) else UNKNOWN
    if kind is cst.Dict:
        return mapping_of_dict(expr, scope, depth)
    if kind is cst.Call:
        return _evaluate_call(expr, scope, depth)
    if kind is cst.Attribute:
        ref = resolve(expr, scope)
        if ref.kind is RefKind.IMPORT and ref.qualname in ("math.inf", "numpy.inf", "sys.maxsize"):
            return math.inf if ref.qualname != "sys.maxsize" else 2**63 - 1
    return UNKNOWN


def _agreed(values: list[object]) -> object:
    """The one scalar every candidate gives, else unknown (candidate mappings are not merged)."""
    first = values[0]
    if isinstance(first, Mapping) or any(type(value) is not type(first) or value != first for value in values[1:]):
        return UNKNOWN
    return first


def _apply_mutations(target: Mapping, mutations, scope: Scope, depth: int) -> None:
    """``params["max_tokens"] = 256`` after ``params = {...}`` adds the key; ``params.update(x)`` hides."""
    for key_expr, value in mutations:
        key = evaluate(key_expr, scope, depth + 1) if key_expr is not None else UNKNOWN
        if isinstance(key, str) and value is not None:
            target.entries[key] = (value, scope)
            target.key_nodes[key] = key_expr
        else:
            target.opaque = True


def mapping(expr: cst.BaseExpression, scope: Scope) -> Mapping | None:
    """``expr`` as a Mapping, or None when it is not statically a mapping."""
    value = evaluate(expr, scope)
    return value if isinstance(value, Mapping) else None


def mapping_of_dict(node: cst.Dict, scope: Scope, depth: int = 0) -> Mapping:
    result = Mapping(node=node)
    for element in node.elements:
        if isinstance(element, cst.StarredDictElement):
            inner = evaluate(element.value, scope, depth + 1)
            if isinstance(inner, Mapping):
                result.entries.update(inner.entries)
                result.key_nodes.update(inner.key_nodes)
                result.opaque |= inner.opaque
            else:
                result.opaque = True
            continue
        key = evaluate(element.key, scope, depth + 1)
        if isinstance(key, str):
            result.entries[key] = (element.value, scope)
            result.key_nodes[key] = element.key
        else:
            result.opaque = True
    return result


def _evaluate_call(call: cst.Call, scope: Scope, depth: int) -> object:
    ref = resolve(call.func, scope)
    qualname = ref.qualname if ref.kind is RefKind.IMPORT else ""
    if isinstance(call.func, cst.Name) and call.func.value in ("float", "dict") and ref.kind is RefKind.UNKNOWN:
        qualname = call.func.value  # the builtin, not shadowed in this file
    if qualname == "float" and len(call.args) == 1:
        text = evaluate(call.args[0].value, scope, depth + 1)
        if isinstance(text, str) and text.strip().lower() in ("inf", "+inf", "infinity"):
            return math.inf
        return UNKNOWN
    if qualname in CONFIG_CLASSES or qualname.rpartition(".")[2] in ("GenerateContentConfig", "GenerationConfig"):
        return _config_mapping(call, scope, depth)
    if ref.kind is RefKind.LOCAL and ref.qualname == "function" and ref.body is not None and not ref.path:
        return _returned_mapping(ref.body, depth)
    return UNKNOWN


def _returned_mapping(function: Scope, depth: int) -> object:
    """The mapping a function of this file returns (``def client_kwargs(): return {...}``), read
    in its own scope, when it has one ``return`` with a value; else unknown. Memoised per
    function; a copy, since the caller may add keys to it."""
    memo = function.resolved.get(_RETURNED)
    if memo is None:
        function.resolved[_RETURNED] = UNKNOWN  # type: ignore[assignment]  # a dict built through itself
        values = returned_values(function)
        memo = evaluate(values[0], function, depth + 1) if values is not None and len(values) == 1 else UNKNOWN
        function.resolved[_RETURNED] = memo if isinstance(memo, Mapping) else UNKNOWN  # type: ignore[assignment]
    if not isinstance(memo, Mapping):
        return UNKNOWN
    return Mapping(dict(memo.entries), dict(memo.key_nodes), memo.opaque, memo.node)


def _config_mapping(call: cst.Call, scope: Scope, depth: int) -> Mapping:
    """A config call's arguments as a Mapping: ``dict(BASE, k=v)`` holds BASE's keys, the
    keywords overriding them; a positional argument that is not a mapping we can read
    (``dict(pairs)``, ``dict(other)``) hides which keys there are."""
    result = keyword_mapping(call, scope, depth)
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        inner = evaluate(arg.value, scope, depth + 1) if not arg.star else UNKNOWN
        if not isinstance(inner, Mapping):
            result.opaque = True
            continue
        for key, entry in inner.entries.items():
            result.entries.setdefault(key, entry)
            result.key_nodes.setdefault(key, inner.key_nodes[key])
        result.opaque |= inner.opaque
    return result


def keyword_mapping(call: cst.Call, scope: Scope, depth: int = 0) -> Mapping:
    """A call's keyword arguments as a Mapping, with ``**splats`` of known dicts merged in."""
    result = Mapping(node=call)
    for arg in call.args:
        if arg.keyword is not None:
            result.entries[arg.keyword.value] = (arg.value, scope)
            result.key_nodes[arg.keyword.value] = arg.keyword
        elif arg.star == "**":
            inner = evaluate(arg.value, scope, depth + 1)
            if isinstance(inner, Mapping):
                for key, entry in inner.entries.items():
                    result.entries.setdefault(key, entry)
                    result.key_nodes.setdefault(key, inner.key_nodes[key])
                result.opaque |= inner.opaque
            else:
                result.opaque = True
    return result


def positional(call: cst.Call, index: int) -> cst.BaseExpression | None:
    """The ``index``-th positional argument, if given positionally."""
    position = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            continue
        if position == index:
            return arg.value
        position += 1
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star == "*" for arg in call.args)


# --- strings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class StringParts:
    """A string built from literal text and opaque pieces (f-string fields, names, calls)."""

    parts: tuple[str | tuple[cst.BaseExpression, Scope], ...]
    literal: cst.CSTNode | None
    """The literal node holding the leading text, for locating findings."""
    scope: Scope | None = None
    """The scope ``literal`` is written in (another one than the expression's for a constant)."""

    @property
    def static_prefix(self) -> str:
        text = ""
        for part in self.parts:
            if not isinstance(part, str):
                break
            text += part
        return text

    @property
    def template(self) -> str:
        """The text with each opaque piece replaced by ``{}``."""
        return "".join(part if isinstance(part, str) else "{}" for part in self.parts)


def integer_value(node: cst.Integer) -> int:
    """``node.evaluated_value``, without compiling the literal when it is plain decimal digits."""
    text = node.value
    return int(text) if text.isascii() and text.isdigit() else int(node.evaluated_value)


def string_value(node: cst.SimpleString) -> str | bytes:
    """``node.evaluated_value``, without compiling the literal when it is a plain one (no prefix
    but ``u``, no backslash, no carriage return): then its text between the quotes."""
    text = node.value
    body = text[1:] if text[0] in "uU" else text
    if body[0] in "'\"" and "\\" not in body and "\r" not in body:
        quote = 3 if body[:3] in ("'''", '"""') else 1
        return body[quote:-quote]
    return node.evaluated_value


def string_parts(expr: cst.BaseExpression, scope: Scope, depth: int = 0) -> StringParts | None:
    """``expr`` as a string template, or None when it cannot be a string we can read."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.SimpleString):
        value = string_value(expr)
        return StringParts((value,), expr, scope) if isinstance(value, str) else None
    if isinstance(expr, cst.FormattedString):
        parts: list = []
        for piece in expr.parts:
            if isinstance(piece, cst.FormattedStringText):
                parts.append(piece.value)
            else:
                parts.append((piece.expression, scope))
        return StringParts(tuple(parts), expr, scope)
    if isinstance(expr, cst.ConcatenatedString):
        left = string_parts(expr.left, scope, depth + 1)
        right = string_parts(expr.right, scope, depth + 1)
        if left is None or right is None:
            return None
        return StringParts(left.parts + right.parts, expr, scope)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        left = string_parts(expr.left, scope, depth + 1) or StringParts(((expr.left, scope),), None)
        right = string_parts(expr.right, scope, depth + 1) or StringParts(((expr.right, scope),), None)
        if left.literal is None and right.literal is None:
            return None
        holder = left if left.literal is not None else right
        return StringParts(left.parts + right.parts, holder.literal, holder.scope)
    if isinstance(expr, cst.Name):
        bound = single_value(expr, scope)
        if bound is not None:
            return string_parts(bound[0], bound[1], depth + 1)
    return None
