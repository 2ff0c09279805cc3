"""Parsing one YAML document into ``yamldoc.Document``: PyYAML composes the node graph, and the
builder turns it into plain data with each node's mark, bounded in depth and size."""

from __future__ import annotations

import yaml

from .yamldoc import MAX_DEPTH, MAX_NODES, ConfigError, Document, Mark, Path

_SCALAR_TAGS = frozenset(
    {
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
    }
)
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader that stops composing past MAX_DEPTH levels, before the scanner (whose cost grows
    with the nesting) reads the rest of a deeply nested document."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:  # the root is level 0
                start = self.peek_event().start_mark
                raise ConfigError(f"the document is nested too deeply (more than {MAX_DEPTH} levels)", Mark(start.line + 1, start.column + 1))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse(text: str, path: str) -> Document:
    """Parse one YAML document. Raises ConfigError with the offending line and column."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark is not None else Mark(1, 1)
        problem = error.problem or str(error)
        if error.context and problem.startswith("but "):
            problem = f"{error.context}, {problem}"  # "expected a single document in the stream, but found another document"
        elif error.context and error.context_mark is not None and mark is not None and error.context_mark.line != mark.line:
            # An unclosed bracket or quote is found where the next token fails: say where it opened.
            problem = f"{problem} ({error.context} started on line {error.context_mark.line + 1})"
        raise ConfigError(f"YAML syntax error: {problem}", where) from error
    except yaml.YAMLError as error:
        raise ConfigError(f"YAML error: {error}") from error
    except RecursionError:
        raise ConfigError(f"the document is nested too deeply (more than {MAX_DEPTH} levels)") from None
    if root is None:
        raise ConfigError("the document is empty")
    document = Document(path, None)
    builder = _Builder(document)
    try:
        document.data = builder.build(root, ())
    except RecursionError:
        raise ConfigError(f"the document is nested too deeply (more than {MAX_DEPTH} levels)", _mark(root)) from None
    return document


class _Builder:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path) -> object:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ConfigError(
                f"the document expands to more than {MAX_NODES} values (aliases included): refusing it, "
                "as a 'billion laughs' document would exhaust memory",
                _mark(node),
            )
        if len(path) > MAX_DEPTH:
            raise ConfigError(f"the document is nested too deeply (more than {MAX_DEPTH} levels)", _mark(node))
        self.document.marks[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                raise ConfigError(f"unsupported YAML tag {node.tag}", _mark(node))
            result: dict[str, object] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise ConfigError("mapping keys must be plain scalars", _mark(key_node))
                self._scalar(key_node)  # rejects tagged keys
                key = key_node.value  # as written: `null:` is the key 'null', not 'None'
                if key in result:
                    first = self.document.key_marks[(*path, key)]
                    raise ConfigError(
                        f"duplicate key {key!r} (first defined on line {first.line}): YAML would silently keep the last one",
                        _mark(key_node),
                    )
                self.document.key_marks[(*path, key)] = _mark(key_node)
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise ConfigError(f"unsupported YAML tag {node.tag}", _mark(node))
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.ScalarNode) -> object:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # a date is just text to budgetlint
        if node.tag not in _SCALAR_TAGS:
            raise ConfigError(f"unsupported YAML tag {node.tag}: only plain scalars, lists and mappings are allowed", _mark(node))
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError) as error:
            raise ConfigError(f"invalid scalar: {error}", _mark(node)) from error
