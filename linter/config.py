"""Guardrails and stack files: schema validation at YAML lines, semantic checks, and the policy.

Every problem is a ``ConfigProblem`` located at the offending YAML node; the commands turn them
into BL100 findings in the same report as the code findings.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING


from .location import Location
from .policy import DEFAULT_POLICY, EscalationLog, Policy, TagCarriers, Tier
from .yamldoc import ConfigError, Document

if TYPE_CHECKING:
    import jsonschema

KINDS = {"Guardrails": "guardrails", "Stack": "stack"}
"""Document ``kind`` -> schema name."""
DEFAULT_FILES = {"guardrails": "guardrails.yaml", "stack": "stack.yaml"}
MAX_CONFIG_BYTES = 256 * 1024
"""Config files are a few kilobytes; pure-Python YAML parsing of a megabyte takes many seconds."""


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    line: int
    column: int
    message: str


@dataclass
class LoadedConfig:
    """What a run learned from its config files."""

    guardrails: Document | None = None
    stack: Document | None = None
    problems: list[ConfigProblem] = field(default_factory=list)
    guardrails_path: str | None = None
    """The guardrails file the run tried to use (shown when it could not be used)."""

    def policy(self) -> Policy:
        """The policy the files set; the built-in default when the guardrails file is absent or invalid."""
        valid_guardrails = self.guardrails is not None and not self._has_problems(self.guardrails.path)
        valid_stack = self.stack is not None and not self._has_problems(self.stack.path)
        policy = policy_from(self.guardrails.data if valid_guardrails else None, self.stack.data if valid_stack else None)
        if valid_guardrails:
            policy = replace(policy, source=self.guardrails.path)
        elif self.guardrails_path is not None:
            # Not "no guardrails.yaml found": the file is there, and broken.
            policy = replace(policy, source=f"{policy.source}, as {self.guardrails_path} could not be used")
        return policy

    def _has_problems(self, path: str) -> bool:
        return any(problem.path == path for problem in self.problems)


@cache
def schema(name: str) -> dict:
    """The JSON Schema of a document kind (``guardrails`` or ``stack``)."""
    from importlib import resources  # not at import: a run without config files reads no schema (~6 ms)

    text = resources.files("budgetlint.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    validators = _jsonschema()
    return validators.Draft202012Validator(schema(name), format_checker=validators.Draft202012Validator.FORMAT_CHECKER)


def _jsonschema() -> ModuleType:
    """jsonschema, imported on first use and without rfc3987-syntax.

    Where that package is installed (jsonschema's ``format-nongpl`` extra brings it), importing
    jsonschema imports it too, and it builds some forty grammars: two seconds of every run that
    reads a config file. It only checks the ``iri`` formats, which budgetlint's schemas do not use.
    """
    if "jsonschema" in sys.modules:
        return sys.modules["jsonschema"]
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  (import raises ImportError)
    try:
        import jsonschema
    finally:
        if blocked:
            del sys.modules["rfc3987_syntax"]
    return jsonschema


# --- loading -------------------------------------------------------------------------------

def load_file(path: Path, display: str, expected: str | None = None) -> tuple[Document | None, list[ConfigProblem]]:
    """Load and validate one file; ``expected`` is the kind it was configured as, if any."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, [ConfigProblem(display, 1, 1, f"cannot read config file: {error.strerror or error}")]
    if len(raw) > MAX_CONFIG_BYTES:
        return None, [ConfigProblem(display, 1, 1, f"config file too large ({len(raw)} bytes, limit {MAX_CONFIG_BYTES})")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [ConfigProblem(display, 1, 1, f"config file is not UTF-8: {error}")]
    try:
        from .yamlparse import parse  # PyYAML only when a document is read

        document = parse(text, display)
    except ConfigError as error:
        return None, [ConfigProblem(display, error.mark.line, error.mark.column, error.message)]
    name = kind_of(document)
    if name is None:
        return None, [_kind_problem(document, expected)]
    if expected is not None and name != expected:
        where = document.mark(("kind",))
        return None, [ConfigProblem(display, where.line, where.column, f"configured as the {expected} file, but its kind is {document.data['kind']!r}")]  # type: ignore[index]
    return document, validate(document, name)


def kind_of(document: Document) -> str | None:
    data = document.data
    if isinstance(data, dict) and isinstance(data.get("kind"), str):
        return KINDS.get(data["kind"])
    return None


def _kind_problem(document: Document, expected: str | None) -> ConfigProblem:
    data = document.data
    wanted = " or ".join(repr(kind) for kind in KINDS)
    if not isinstance(data, dict):
        found = type(data).__name__ if data is not None else "null"
        return ConfigProblem(document.path, 1, 1, f"a budgetlint config file is a mapping with apiVersion and kind, not a {_json_type(data) or found}")
    if "kind" not in data:
        return ConfigProblem(document.path, 1, 1, f"missing key `kind`: expected {wanted}")
    where = document.mark(("kind",))
    hint = _did_you_mean(str(data["kind"]), list(KINDS))
    return ConfigProblem(document.path, where.line, where.column, f"kind {data['kind']!r} is not one of {wanted}{hint}")


# --- schema validation ---------------------------------------------------------------------

def validate(document: Document, name: str) -> list[ConfigProblem]:
    """Schema errors and single-file semantic checks, each at its YAML node."""
    problems = [problem for error in _validator(name).iter_errors(document.data) for problem in _problem(document, error)]
    problems += (semantic_guardrails if name == "guardrails" else semantic_stack)(document)
    return sorted(set(problems), key=lambda p: (p.line, p.column, p.message))


def _problem(document: Document, error: jsonschema.ValidationError) -> list[ConfigProblem]:
    path = tuple(error.absolute_path)
    if error.validator == "format" and error.validator_value == "regex":
        return []  # semantic_guardrails reports it, with the reason
    where = _key_path(path)
    value = error.instance
    validator = error.validator
    if validator == "required":
        missing = [name for name in error.validator_value if not (isinstance(value, dict) and name in value)]
        tier = _tier_clause(error, document)
        mark = document.mark(path, key=True)
        return [
            ConfigProblem(document.path, mark.line, mark.column, f"{where + ': ' if where else ''}missing required key `{name}`{tier}")
            for name in missing
        ]
    if validator == "additionalProperties" and isinstance(value, dict):
        known = list(error.schema.get("properties", {}))
        out = []
        for key in value:
            if key not in known:
                mark = document.mark((*path, key), key=True)
                out.append(ConfigProblem(document.path, mark.line, mark.column, f"{_key_path((*path, key))}: unknown key{_did_you_mean(key, known)} (known: {', '.join(known)})"))
        return out
    mark = document.mark(path)
    if validator == "enum":
        choices = [str(choice) for choice in error.validator_value]
        text = f"{where}: {_show(value)} is not one of {', '.join(choices)}{_did_you_mean(str(value), choices)}"
    elif validator == "const":
        text = f"{where}: expected {error.validator_value!r}, got {_show(value)}"
    elif validator == "type":
        text = f"{where}: expected {_article(error.validator_value)}, got {_json_type(value)}{'' if value is None else ' ' + _show(value)}"
    else:
        text = f"{where or 'the document'}: {error.message}"
    return [ConfigProblem(document.path, mark.line, mark.column, text)]


def _tier_clause(error: jsonschema.ValidationError, document: Document) -> str:
    """`` (required at tier hard)`` when the requirement comes from a tier's if/then."""
    schema_path = list(error.schema_path)
    if "then" in schema_path and "allOf" in schema_path and isinstance(document.data, dict):
        return f" (required at tier {document.data.get('tier')})"
    return ""


# --- semantic checks -----------------------------------------------------------------------

def semantic_guardrails(document: Document) -> list[ConfigProblem]:
    problems = []
    features = _get(document.data, "metering", "features") or []
    seen: dict[object, int] = {}
    for index, feature in enumerate(features if isinstance(features, list) else []):
        if not isinstance(feature, str):
            continue
        if feature in seen:
            mark = document.mark(("metering", "features", index))
            problems.append(ConfigProblem(document.path, mark.line, mark.column, f"metering.features: {feature!r} is listed twice (first as item {seen[feature] + 1})"))
        seen.setdefault(feature, index)
    pattern = _get(document.data, "routing", "escalation_log", "message_pattern")
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
        except re.error as error:
            mark = document.mark(("routing", "escalation_log", "message_pattern"))
            problems.append(ConfigProblem(document.path, mark.line, mark.column, f"routing.escalation_log.message_pattern: not a valid regular expression ({error})"))
    return problems


def semantic_stack(document: Document) -> list[ConfigProblem]:
    problems = []
    names: dict[str, int] = {}
    endpoints = _get(document.data, "endpoints")
    for index, endpoint in enumerate(endpoints if isinstance(endpoints, list) else []):
        if not isinstance(endpoint, dict):
            continue
        name = endpoint.get("name")
        if isinstance(name, str) and name in names:
            mark = document.mark(("endpoints", index, "name"))
            problems.append(ConfigProblem(document.path, mark.line, mark.column, f"endpoints[{index}].name: duplicate endpoint name {name!r} (also endpoints[{names[name]}])"))
        if isinstance(name, str):
            names.setdefault(name, index)
        if isinstance(endpoint.get("base_url"), str):
            mark = document.mark(("endpoints", index, "base_url"))
            env = endpoint.get("base_url_env") or f"{str(name).upper().replace('-', '_').replace('.', '_')}_BASE_URL"
            problems.append(
                ConfigProblem(
                    document.path,
                    mark.line,
                    mark.column,
                    f"endpoints[{index}].base_url: a literal URL pins where traffic goes in a committed file; "
                    f"set `base_url_env: {env}` and put the URL in that environment variable",
                )
            )
    return problems


def cross_file(guardrails: Document, stack: Document) -> list[ConfigProblem]:
    """Checks that need both files: the token ceiling against each endpoint's context length."""
    ceiling = _int(_get(guardrails.data, "ceilings", "max_output_tokens"))
    endpoints = _get(stack.data, "endpoints")
    if ceiling is None or not isinstance(endpoints, list):
        return []
    problems = []
    for endpoint in endpoints:
        length = _int(endpoint.get("max_model_len")) if isinstance(endpoint, dict) else None
        if length is not None and ceiling > length:
            mark = guardrails.mark(("ceilings", "max_output_tokens"))
            problems.append(
                ConfigProblem(
                    guardrails.path,
                    mark.line,
                    mark.column,
                    f"ceilings.max_output_tokens: {ceiling} is above the max_model_len {length} of endpoint "
                    f"{endpoint.get('name')!r} ({stack.path}): no call to it can use that many output tokens",
                )
            )
    return problems


# --- the policy ----------------------------------------------------------------------------

def policy_from(guardrails: object, stack: object) -> Policy:
    """The policy of valid guardrails and stack documents (either may be None)."""
    policy = DEFAULT_POLICY
    values: dict = {}
    if isinstance(guardrails, dict):
        metering = guardrails.get("metering", {})
        tag = metering.get("feature_tag", {})
        defaults = TagCarriers()
        log = guardrails.get("routing", {}).get("escalation_log", {})
        ceilings = guardrails.get("ceilings", {})
        values = {
            "tier": Tier.parse(guardrails["tier"]),
            "strict": bool(guardrails.get("strict", False)),
            "max_output_tokens": _int(ceilings.get("max_output_tokens")),
            "agent_loop_iterations": _int(ceilings.get("agent_loop_iterations")),
            "carriers": TagCarriers(
                metadata_keys=tuple(tag.get("metadata_keys", defaults.metadata_keys)),
                headers=tuple(tag.get("headers", defaults.headers)),
                wrappers=tuple(tag.get("wrappers", defaults.wrappers)),
            ),
            "features": tuple(metering.get("features", ())),
            "escalation_log": EscalationLog(
                functions=tuple(log.get("functions", EscalationLog().functions)),
                message_pattern=log.get("message_pattern", EscalationLog().message_pattern),
            ),
        }
    if isinstance(stack, dict):
        values["env_locations"] = {
            endpoint["base_url_env"]: Location(endpoint["location"])
            for endpoint in stack.get("endpoints", [])
            if "base_url_env" in endpoint
        }
    return replace(policy, **values)


def load_configs(root: Path, guardrails: str | None, stack: str | None, cwd: Path) -> LoadedConfig:
    """The project's config files: those named in settings, else the defaults at the root when present.

    A file named in settings must exist; the default files are optional.
    """
    loaded = LoadedConfig()
    for name, configured in (("guardrails", guardrails), ("stack", stack)):
        path = root / (configured or DEFAULT_FILES[name])
        if configured is None and not path.is_file():
            continue
        display = _display(path, cwd)
        if name == "guardrails":
            loaded.guardrails_path = display
        if not path.is_file():
            loaded.problems.append(ConfigProblem(display, 1, 1, f"the {name} file set in [tool.budgetlint] does not exist"))
            continue
        if not _inside(path, root):
            # A committed pyproject.toml or symlink must not make a run read (and quote) any file
            # on the machine: reported at the setting, and the file is never opened.
            where, line = _setting_location(root, name if configured is not None else None, cwd)
            loaded.problems.append(
                ConfigProblem(where, line, 1, f"the {name} file {configured or DEFAULT_FILES[name]!r} resolves outside the project ({root}): not read")
            )
            continue
        document, problems = load_file(path, display, expected=name)
        loaded.problems.extend(problems)
        setattr(loaded, name, document)
    if loaded.guardrails is not None and loaded.stack is not None and not loaded.problems:
        loaded.problems.extend(cross_file(loaded.guardrails, loaded.stack))
    return loaded


def _inside(path: Path, root: Path) -> bool:
    """``path``, symlinks resolved, is within ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _setting_location(root: Path, key: str | None, cwd: Path) -> tuple[str, int]:
    """Where a refused config path is reported: the ``key`` line of the root's ``pyproject.toml``
    (the project root itself without one), never the refused file, which the report would quote."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return _display(root, cwd), 1
    line = 1
    if key is not None:
        try:
            lines = pyproject.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        line = next((number for number, text in enumerate(lines, 1) if re.match(rf"\s*{key}\s*=", text)), 1)
    return _display(pyproject, cwd), line


def _display(path: Path, cwd: Path) -> str:
    """Like code findings: relative to the working directory, ``../`` included (for a run from a subdirectory)."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        try:
            return Path(os.path.relpath(absolute, cwd)).as_posix()
        except ValueError:  # another drive
            return absolute.as_posix()


# --- helpers -------------------------------------------------------------------------------

def _get(data: object, *keys: str) -> object:
    """``data[k1][k2]...`` when each level is a mapping, else None (for documents that failed the schema)."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _key_path(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _did_you_mean(value: str, choices: list[str]) -> str:
    import difflib  # not at import: only for a config problem

    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def _show(value: object, limit: int = 60) -> str:
    """A value as the YAML reads (null, true), cut to ``limit`` characters."""
    text = json.dumps(value) if value is None or isinstance(value, bool) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _int(value: object) -> int | None:
    """An integer the schema accepted (JSON Schema counts 2048.0 as an integer)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if isinstance(value, int) or value.is_integer() else None


def _article(expected: object) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer", "boolean": "a boolean (true/false)", "number": "a number"}
    if isinstance(expected, list):
        return " or ".join(names.get(item, item) for item in expected)
    return names.get(str(expected), str(expected))
