"""The SDK catalog checked against the real SDKs (SPEC §1.3).

Everything checked is derived from ``catalog.CLIENTS`` and ``catalog.FAMILIES``; nothing here
repeats a parameter name. One parametrized test covers every catalog entry, so a drifting
entry names itself in the test id:

- ``client:<qualname>`` -- one per client, named by its first qualname; under each of its names
  that the installed SDK has (the others name it in other SDK versions: ``mistralai.Mistral``
  before mistralai 2, ``langchain_community.chat_models.ChatOpenAI`` before langchain-community
  0.4), and at least one must be there: the class exists; every ``endpoint`` parameter (at its ``position``,
  if set), ``headers`` name and constructor ``limit`` key is accepted by its constructor
  (pydantic models: field names and aliases; defaults read from an instance built with
  defaults); ``factories`` exist on the class.
- ``<family>:passthrough`` -- each ``passthrough`` name exists on a client class of the family.
- ``<family>:<method path>`` -- the path resolves on at least one client of the family (an
  instance built with dummy credentials, the class, or the module); on every client where it
  resolves, each ``Limit.keys`` name is a parameter (for ``container`` limits: a container is a
  parameter and each key is a field of the container's annotated type), ``Limit.positional``
  is the real position, ``missing_bounded`` agrees with an integer or required SDK default, and
  the family's ``tag_containers`` and ``endpoint_kwargs`` and the method's ``tag_kwargs`` are
  accepted.

Acceptance through ``**kwargs`` counts only where the SDK visibly forwards or reads the name:
a constructor whose ``super().__init__(..., **kwargs)`` reaches a base ``__init__`` declaring it
(ollama ``Client(headers=...)``), per-call endpoint keywords that the function body reads
(LiteLLM ``api_base``), and ``FORWARDS_TO_MODULE`` clients whose methods pass the request on to
the same-named module function (LiteLLM ``Router``).

SDKs that are not installed are skipped (the ``sdks`` extra installs all but vLLM and
llama-cpp-python, which build or download native code). The run fails when none of the core
light SDKs is importable, so the check cannot silently vanish; ``BUDGETLINT_NO_SDKS=1`` opts out
(a run without the ``sdks`` extra).
Disagreements already known are listed in ``KNOWN_DRIFT`` and xfail, strictly: only the listed
problem is tolerated, and the row must go once the catalog (or the SDK) is fixed. Surfaces that
newer SDK releases removed but code still calls are listed in ``REMOVED_FROM_SDK``: checked in
full where the installed SDK still has them, xfailing (with the release they were verified
against) where it has none.

A ``patcher:<qualname>`` entry (instructor's ``from_openai``) is a function: its wrapped-client
argument is checked at its position, as constructor parameters are.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import inspect
import os
import textwrap
import types
import typing
import warnings
from functools import lru_cache

import pytest

from budgetlint import catalog

CORE_SDKS = ("openai", "anthropic", "ollama", "huggingface_hub", "text_generation")
"""The light SDKs the ``sdks`` extra installs; at least one must import when CI requires SDKs."""

# How to build an instance without network or real credentials. Classes not listed are checked
# on the class itself (their generation methods are plain methods there).
_API_KEY = ((), {"api_key": "x"})
DUMMY_INSTANCES: dict[str, tuple[tuple, dict]] = {
    "openai.OpenAI": _API_KEY,
    "openai.AsyncOpenAI": _API_KEY,
    "openai.AzureOpenAI": ((), {"api_key": "x", "api_version": "2024-10-21", "azure_endpoint": "https://example.invalid"}),
    "openai.AsyncAzureOpenAI": ((), {"api_key": "x", "api_version": "2024-10-21", "azure_endpoint": "https://example.invalid"}),
    "groq.Groq": _API_KEY,
    "groq.AsyncGroq": _API_KEY,
    "together.Together": _API_KEY,
    "together.AsyncTogether": _API_KEY,
    "anthropic.Anthropic": _API_KEY,
    "anthropic.AsyncAnthropic": _API_KEY,
    "ollama.Client": ((), {}),
    "ollama.AsyncClient": ((), {}),
    "huggingface_hub.InferenceClient": ((), {}),
    "huggingface_hub.AsyncInferenceClient": ((), {}),
    "text_generation.Client": (("http://localhost",), {}),
    "text_generation.AsyncClient": (("http://localhost",), {}),
    "litellm.Router": ((), {}),
    "langchain_openai.ChatOpenAI": _API_KEY,
    "langchain_community.chat_models.ChatOpenAI": ((), {"openai_api_key": "x"}),
    "langchain.chat_models.ChatOpenAI": _API_KEY,
    "langchain_openai.AzureChatOpenAI": ((), {"api_key": "x", "api_version": "2024-10-21", "azure_endpoint": "https://example.invalid"}),
    "langchain_community.chat_models.AzureChatOpenAI": ((), {"openai_api_key": "x", "openai_api_version": "2024-10-21", "azure_endpoint": "https://example.invalid"}),
    "langchain_ollama.ChatOllama": ((), {"model": "x"}),
    "langchain_community.chat_models.ChatOllama": ((), {"model": "x"}),
    "langchain_anthropic.ChatAnthropic": ((), {"model": "claude-sonnet-4-5", "api_key": "x"}),
    "google.genai.Client": _API_KEY,
    "google.generativeai.GenerativeModel": (("gemini-x",), {}),
    "mistralai.client.Mistral": _API_KEY,
    "mistralai.Mistral": _API_KEY,
    "vllm.SamplingParams": ((), {}),
}

FORWARDS_TO_MODULE = {"litellm.Router": "litellm"}
"""Clients whose methods take ``**kwargs`` and pass the request to the same-named module function
(LiteLLM documents ``router.completion(...)`` as taking ``litellm.completion``'s arguments)."""

KNOWN_DRIFT: dict[str, tuple[str, str]] = {}
"""Catalog entries known to disagree with their SDK: test id -> (the problem text, why).
Such an entry xfails while exactly that problem remains; any other problem fails, and so does
the entry once the problem is gone (delete it here when the catalog is fixed)."""

REMOVED_FROM_SDK: dict[str, tuple[str, str]] = {
    "anthropic:completions.create": (
        "anthropic==0.34.2",
        "the legacy Text Completions API (max_tokens_to_sample), gone from the anthropic 2.x client",
    ),
    "anthropic:beta.prompt_caching.messages.create": (
        "anthropic==0.34.2",
        "the prompt-caching beta namespace, folded into messages.create (cache_control) and later removed",
    ),
    "anthropic:beta.prompt_caching.messages.stream": (
        "anthropic==0.34.2",
        "the prompt-caching beta namespace, folded into messages.stream (cache_control) and later removed",
    ),
}
"""Catalog methods that newer SDK releases removed but code still calls: test id -> (the SDK
release they were last verified against with this test, what was removed). Such an entry is
checked in full when the installed SDK has the method, and xfails only when no client has it.
To re-verify: ``pip install <release>`` in a scratch environment and run this test."""

_ENV_FOR_IMPORT = {"litellm": {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}}
"""Set before importing a package: LiteLLM otherwise fetches its price map from GitHub."""

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


# --- importing and resolving ---------------------------------------------------------------


class Absent(Exception):
    """A catalog name does not exist in the installed SDK."""


def _import(name: str):
    """``pytest.importorskip`` after the package's import-time environment is set."""
    for variable, value in _ENV_FOR_IMPORT.get(name.split(".")[0], {}).items():
        os.environ.setdefault(variable, value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip(name)


def resolve_qualname(qualname: str):
    """The object a catalog qualname names, imported as ``from <module> import <name>`` would;
    skips when its SDK is not installed, raises Absent when the name does not exist."""
    parts = qualname.split(".")
    module = _import(parts[0])
    index = 1
    while getattr(module, "__file__", None) is None and index < len(parts):
        # A namespace package (``google``, ``mistralai`` 2+): the SDK is the next component, if
        # it is a module there (``mistralai.Mistral`` is not: mistralai 1's layout).
        if importlib.util.find_spec(".".join(parts[: index + 1])) is None:
            raise Absent(f"{qualname}: the namespace package {'.'.join(parts[:index])} has no {parts[index]!r}")
        index += 1
        module = _import(".".join(parts[:index]))
    for end in range(len(parts), index, -1):
        # The longest module prefix: ``ollama._client`` is a module, though ``ollama._client``
        # as an attribute is the default client instance.
        name = ".".join(parts[:end])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue  # not a module: the rest are attributes
            raise
        index = end
        break
    obj = module
    for position in range(index, len(parts)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = getattr(obj, parts[position])
        except AttributeError:
            raise Absent(f"{qualname}: {'.'.join(parts[:position])} has no attribute {parts[position]!r}") from None
    return obj


@lru_cache(maxsize=None)
def root_for(qualname: str):
    """What a family's method paths hang off: a dummy instance, else the class, else the module."""
    obj = resolve_qualname(qualname)
    if qualname in DUMMY_INSTANCES:
        args, kwargs = DUMMY_INSTANCES[qualname]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return obj(*args, **kwargs)
    return obj


@dataclasses.dataclass
class Callee:
    """A callable as the catalog sees it: its signature without the receiver."""

    label: str
    func: object
    signature: inspect.Signature
    forward: Callee | None = None
    """Where ``**kwargs`` go (``FORWARDS_TO_MODULE``)."""


def _signature(func: object, *, drop_receiver: bool = False) -> inspect.Signature:
    signature = inspect.signature(func)
    if drop_receiver:
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])
    return signature


def resolve_method(qualname: str, path: str) -> Callee:
    """``path`` resolved from the client ``qualname``; raises Absent when it does not exist."""
    root = root_for(qualname)
    owner, obj = None, root
    label = qualname + ("()" if qualname in DUMMY_INSTANCES else "")
    for part in path.split("."):
        owner = obj
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise Absent(f"{label}.{path}: no attribute {part!r} on {type(owner).__name__}") from None
    if not callable(obj):
        raise Absent(f"{label}.{path} is not callable")
    # A plain function looked up on a class still takes the receiver first.
    drop = inspect.isclass(owner) and isinstance(inspect.getattr_static(owner, path.split(".")[-1], None), types.FunctionType)
    callee = Callee(f"{label}.{path}", obj, _signature(obj, drop_receiver=drop))
    if qualname in FORWARDS_TO_MODULE and _var_keyword(callee.signature):
        callee.forward = resolve_method(FORWARDS_TO_MODULE[qualname], path.split(".")[-1])
    return callee


def _var_keyword(signature: inspect.Signature) -> bool:
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())


def _code_names(func: object) -> set[str]:
    """Identifiers, attribute names, keywords and string constants in a function's code
    (docstring and comments excluded)."""
    try:
        source = textwrap.dedent(inspect.getsource(inspect.unwrap(func)))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return set()
    names: set[str] = set()
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            names.add(node.value)
    return names


# --- what a callable or model accepts ------------------------------------------------------


def _is_pydantic_model(cls: object) -> bool:
    return inspect.isclass(cls) and hasattr(cls, "model_fields") and hasattr(cls, "model_validate")


def model_names(model: type) -> dict[str, str]:
    """Keyword names a pydantic model accepts, mapped to the field they set."""
    config = getattr(model, "model_config", {})
    by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
    accepted: dict[str, str] = {}
    for name, info in model.model_fields.items():
        aliases: set[str] = set()
        alias = info.validation_alias if info.validation_alias is not None else info.alias
        if isinstance(alias, str):
            aliases.add(alias)
        elif alias is not None:
            aliases |= {choice for choice in getattr(alias, "choices", ()) if isinstance(choice, str)}
        if by_name or not aliases:
            accepted[name] = name
        for alias_name in aliases:
            accepted[alias_name] = name
    return accepted


def schema_names(tp: object) -> set[str] | None:
    """Keys a structured type accepts (pydantic, dataclass, TypedDict, proto-plus); None if untyped."""
    if _is_pydantic_model(tp):
        return set(model_names(tp))
    if dataclasses.is_dataclass(tp) and inspect.isclass(tp):
        return {f.name for f in dataclasses.fields(tp)}
    if isinstance(tp, type) and hasattr(tp, "__total__") and hasattr(tp, "__annotations__"):
        return set(getattr(tp, "__required_keys__", set()) | getattr(tp, "__optional_keys__", set())) or set(tp.__annotations__)
    meta = getattr(tp, "meta", None)
    if inspect.isclass(tp) and isinstance(getattr(meta, "fields", None), dict):
        return set(meta.fields)
    return None


def _flatten(annotation: object) -> list[object]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [t for arg in typing.get_args(annotation) for t in _flatten(arg)]
    return [annotation]


def container_schemas(callee: Callee, container: str) -> list[tuple[object, set[str]]]:
    """The structured types a container parameter is annotated with, and their keys."""
    func = callee.func.__init__ if inspect.isclass(callee.func) else callee.func
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # noqa: BLE001 - unresolvable forward references: fall back to the raw annotation
        hints = {}
    annotation = hints.get(container, callee.signature.parameters[container].annotation)
    schemas = []
    for tp in _flatten(annotation):
        names = schema_names(tp)
        if names is not None:
            schemas.append((tp, names))
    return schemas


def _init_forwards_kwargs(init: object) -> bool:
    """``super().__init__(..., **kwargs)`` in an ``__init__`` body."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (OSError, TypeError, SyntaxError):
        return False
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "__init__"
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "super"
            and any(keyword.arg is None for keyword in node.keywords)
        ):
            return True
    return False


def _forwarded_init_accepts(cls: type, name: str) -> str | None:
    """The base ``__init__`` that receives ``name`` through ``super().__init__(**kwargs)``."""
    for klass in (klass for klass in cls.__mro__ if "__init__" in vars(klass)):
        init = vars(klass)["__init__"]
        try:
            signature = inspect.signature(init)
        except (TypeError, ValueError):
            return None
        if name in signature.parameters:
            return klass.__qualname__
        if not (_var_keyword(signature) and _init_forwards_kwargs(init)):
            return None
    return None


def _kwargs_reach(func: object, name: str, depth: int = 3) -> bool:
    """Whether a function taking ``**kwargs`` hands ``name`` on to a callee that takes it: one it
    calls with ``**kwargs`` (by a module-level name, ``self.<method>``, or through
    ``functools.partial``), or one whose docstring documents it as ``:param name:`` (requests'
    ``request``, which passes ``**kwargs`` to a session)."""
    func = inspect.unwrap(func)
    if f":param {name}:" in (inspect.getdoc(func) or ""):
        return True
    if depth == 0:
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False
    namespace = getattr(getattr(func, "__func__", func), "__globals__", {})
    owner = getattr(func, "__self__", None)
    if owner is None:
        owner = namespace.get(getattr(func, "__qualname__", "").split(".")[0])
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and any(keyword.arg is None for keyword in node.keywords)):
            continue
        target = node.func
        if isinstance(target, ast.Name) and target.id == "partial" and node.args:
            target = node.args[0]
        if isinstance(target, ast.Name):
            callee = namespace.get(target.id)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            callee = getattr(owner, target.attr, None)
        else:
            continue
        if not callable(callee):
            continue
        try:
            signature = inspect.signature(callee)
        except (TypeError, ValueError):
            continue
        if name in signature.parameters or (_var_keyword(signature) and _kwargs_reach(callee, name, depth - 1)):
            return True
    return False


def name_problems(callee: Callee, name: str, what: str, *, position: int | None = None, read_from_kwargs: bool = False) -> list[str]:
    """Problems with ``callee`` accepting ``name`` (at ``position``, if given)."""
    if _is_pydantic_model(callee.func):
        accepted = model_names(callee.func)
        problems = [] if name in accepted else [f"{callee.label}: {what} {name!r} is not a field or alias of the model"]
        if position is not None:
            problems.append(f"{callee.label}: {what} {name!r} has position {position} in the catalog, but a pydantic model takes keywords only")
        return problems
    parameters = callee.signature.parameters
    if name in parameters:
        if position is None:
            return []
        params = list(parameters.values())
        cut = next((i for i, p in enumerate(params) if p.kind not in _POSITIONAL), len(params))
        positional = [p.name for p in params[:cut]]
        if name not in positional:
            return [f"{callee.label}: {what} {name!r} is keyword-only, but the catalog gives position {position}"]
        if positional.index(name) != position:
            return [f"{callee.label}: {what} {name!r} is at position {positional.index(name)}, but the catalog says {position}"]
        return []
    if position is not None:
        return [f"{callee.label}: {what} {name!r} is not a parameter (catalog position {position}); parameters: {list(parameters)}"]
    if _var_keyword(callee.signature):
        if callee.forward is not None:
            return name_problems(callee.forward, name, what, read_from_kwargs=read_from_kwargs)
        if inspect.isclass(callee.func) and _forwarded_init_accepts(callee.func, name):
            return []
        if read_from_kwargs and name in _code_names(callee.func):
            return []
        if read_from_kwargs and _kwargs_reach(callee.func, name):
            return []
    return [f"{callee.label}: {what} {name!r} is not a parameter; parameters: {list(parameters)}"]


def default_problems(label: str, limit: catalog.Limit, default: object, *, required: bool = False) -> list[str]:
    """``missing_bounded`` against an SDK default that says something (an int, or required)."""
    if required and not limit.missing_bounded:
        return [f"{label}: {limit.keys[0]!r} is required by the SDK, but the catalog says missing is unbounded"]
    if isinstance(default, bool) or not isinstance(default, int):
        return []  # None / sentinels: the server decides, nothing to compare
    unbounded = default in limit.unbounded_values or (default <= 0 and limit.nonpositive_unbounded)
    if unbounded and limit.missing_bounded:
        return [f"{label}: the SDK default {limit.keys[0]}={default} is unbounded, but the catalog says missing_bounded=True"]
    if default > 0 and not unbounded and not limit.missing_bounded:
        return [f"{label}: the SDK default {limit.keys[0]}={default} bounds output, but the catalog says missing_bounded=False"]
    return []


def limit_problems(callee: Callee, limit: catalog.Limit, *, instance: object = None) -> list[str]:
    """Every limit key, container, position and default of ``limit`` against ``callee``."""
    if callee.forward is not None and not any(k in callee.signature.parameters for k in limit.keys + limit.container):
        callee = callee.forward
    problems: list[str] = []
    if limit.container:
        present = [c for c in limit.container if not name_problems(callee, c, "container")]
        if not present:
            return [f"{callee.label}: none of the limit containers {list(limit.container)} is a parameter; parameters: {list(callee.signature.parameters)}"]
        for container in present:
            schemas = container_schemas(callee, container)
            if not schemas:
                problems.append(f"{callee.label}: container {container!r} has no typed schema to check {list(limit.keys)} against")
                continue
            for key in limit.keys:
                if not any(key in names for _, names in schemas):
                    schema = ", ".join(getattr(tp, "__qualname__", repr(tp)) for tp, _ in schemas)
                    problems.append(f"{callee.label}: limit key {key!r} is not a field of {container!r} ({schema})")
        return problems
    for index, key in enumerate(limit.keys):
        position = limit.positional if index == 0 else None
        problems += name_problems(callee, key, "limit key", position=position)
    first = limit.keys[0]
    if instance is not None and _is_pydantic_model(type(instance)):
        field = model_names(type(instance)).get(first)
        if field is not None:
            problems += default_problems(f"{callee.label} (built with defaults)", limit, getattr(instance, field))
    elif instance is not None and hasattr(instance, first):
        problems += default_problems(f"{callee.label} (built with defaults)", limit, getattr(instance, first))
    elif first in callee.signature.parameters:
        parameter = callee.signature.parameters[first]
        problems += default_problems(callee.label, limit, parameter.default, required=parameter.default is inspect.Parameter.empty)
    return problems


# --- the catalog entries -------------------------------------------------------------------


def patcher_problems(client: catalog.Client, qualname: str) -> list[str]:
    """A patcher against the catalog: a function taking the wrapped client where the catalog says."""
    func = resolve_qualname(qualname)
    if not callable(func) or inspect.isclass(func):
        return [f"{qualname} is a {type(func).__name__}, not a function"]
    assert client.wraps is not None
    callee = Callee(qualname, func, _signature(func))
    return name_problems(callee, client.wraps.name, "wrapped client parameter", position=client.wraps.position)


def client_problems(client: catalog.Client, qualname: str) -> list[str]:
    """A client class against the catalog: constructor parameters, limit, factories."""
    if client.kind is catalog.ClientKind.PATCHER:
        return patcher_problems(client, qualname)
    cls = resolve_qualname(qualname)
    if not inspect.isclass(cls):
        return [f"{qualname} is a {type(cls).__name__}, not a class"]
    if _is_pydantic_model(cls):
        ctor = Callee(qualname, cls, inspect.Signature())
    else:
        ctor = Callee(qualname, cls, _signature(cls))
    problems: list[str] = []
    for param in client.endpoint:
        problems += name_problems(ctor, param.name, "endpoint parameter", position=param.position)
    for header in client.headers:
        problems += name_problems(ctor, header, "headers parameter")
    if client.limit is not None:
        instance = root_for(qualname) if qualname in DUMMY_INSTANCES else None
        problems += limit_problems(ctor, client.limit, instance=instance)
    for factory in client.factories:
        if not callable(getattr(cls, factory, None)):
            problems.append(f"{qualname}: factory {factory!r} does not exist")
    return problems


def passthrough_problems(family: catalog.Family, qualnames: list[str]) -> tuple[list[str], bool]:
    """Each passthrough name exists on at least one client class of the family: (problems, checked)."""
    classes = []
    for qualname in qualnames:
        try:
            obj = resolve_qualname(qualname)
        except (pytest.skip.Exception, Absent):
            continue
        if inspect.isclass(obj):
            classes.append(obj)
    if not classes:
        return [], False
    names = [c.__qualname__ for c in classes]
    return [
        f"{family.name}: passthrough {name!r} exists on none of {names}"
        for name in family.passthrough
        if not any(hasattr(cls, name) for cls in classes)
    ], True


def method_problems(family: catalog.Family, method: catalog.Method, qualnames: list[str]) -> tuple[list[str], list[str], list[str]]:
    """``method`` on each client of ``family``: (problems, clients where found, clients not installed)."""
    problems: list[str] = []
    found: list[str] = []
    missing: list[str] = []
    absent: list[str] = []
    for qualname in qualnames:
        try:
            callee = resolve_method(qualname, method.path)
        except pytest.skip.Exception:
            missing.append(qualname)
            continue
        except Absent as exc:
            absent.append(str(exc))
            continue
        found.append(callee.label)
        if method.limit is not None:
            problems += limit_problems(callee, method.limit)
        for container in family.tag_containers:
            problems += name_problems(callee, container, "tag container")
        for name in family.endpoint_kwargs:
            problems += name_problems(callee, name, "endpoint keyword", read_from_kwargs=True)
        for name in method.tag_kwargs:
            problems += name_problems(callee, name, "tag keyword", read_from_kwargs=True)
    if not found and not missing:
        problems.append(f"{family.name}: method {method.path!r} exists on none of its clients: " + "; ".join(absent))
    return problems, found, missing


@dataclasses.dataclass(frozen=True)
class Entry:
    id: str
    client: catalog.Client | None = None
    family: catalog.Family | None = None
    method: catalog.Method | None = None
    """None with a family: the family's passthrough names."""


def _family_qualnames(family: str) -> list[str]:
    """The family's clients (a patcher is a function returning another object: see ``patcher_problems``)."""
    return [
        q for client in catalog.CLIENTS if client.family == family and client.kind is not catalog.ClientKind.PATCHER for q in client.qualnames
    ]


def _entries() -> list[Entry]:
    entries = [
        Entry(f"{'patcher' if client.kind is catalog.ClientKind.PATCHER else 'client'}:{client.qualnames[0]}", client=client)
        for client in catalog.CLIENTS
        if not client.module
    ]
    seen = set()
    for family in catalog.FAMILIES.values():
        if family.passthrough:
            entries.append(Entry(f"{family.name}:passthrough", family=family))
        for method in family.methods:
            if (family.name, method.path) not in seen:
                seen.add((family.name, method.path))
                entries.append(Entry(f"{family.name}:{method.path}", family=family, method=method))
    return entries


ENTRIES = _entries()


def entry_problems(entry: Entry) -> list[str]:
    """What is wrong with one catalog entry against the installed SDKs (skips when not installed)."""
    if entry.client is not None:
        return client_entry_problems(entry.client)
    qualnames = _family_qualnames(entry.family.name)
    if not qualnames:
        return [f"family {entry.family.name!r} has no client in catalog.CLIENTS"]
    if entry.method is None:
        problems, checked = passthrough_problems(entry.family, qualnames)
        if not checked:
            pytest.skip(f"no client class of {entry.family.name} is installed")
        return problems
    problems, found, missing = method_problems(entry.family, entry.method, qualnames)
    if not found and missing:
        pytest.skip(f"{entry.method.path} not found on installed clients; not installed: {', '.join(missing)}")
    return problems


def client_entry_problems(client: catalog.Client) -> list[str]:
    """The client under each of its names that the installed SDKs have; the names of other SDK
    versions are absent there. Fails when none is there; skips when no SDK of it is installed."""
    problems: list[str] = []
    absent: list[str] = []
    checked = False
    for qualname in client.qualnames:
        try:
            problems += client_problems(client, qualname)
        except Absent as exc:
            absent.append(str(exc))
        except pytest.skip.Exception:
            continue
        else:
            checked = True
    if checked:
        return problems
    if not absent:
        pytest.skip(f"not installed: {', '.join(client.qualnames)}")
    return [f"{client.qualnames[0]}: no name of this client exists in the installed SDK: " + "; ".join(absent)]


@pytest.mark.filterwarnings("ignore")  # SDK import-time deprecation chatter is not ours
@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.id for entry in ENTRIES])
def test_catalog_entry_matches_sdk(entry: Entry):
    problems = entry_problems(entry)
    removed = REMOVED_FROM_SDK.get(entry.id)
    if removed is not None and problems and all("exists on none of its clients" in p for p in problems):
        pytest.xfail(f"REMOVED_FROM_SDK: {removed[1]}; verified against {removed[0]}")
    known = KNOWN_DRIFT.get(entry.id)
    if known is None:
        assert not problems, "catalog drifted from the SDK:\n" + "\n".join(problems)
        return
    fragment, reason = known
    unexpected = [p for p in problems if fragment not in p]
    assert not unexpected, "catalog drifted from the SDK:\n" + "\n".join(unexpected)
    assert problems, f"known drift {fragment!r} is gone: remove {entry.id!r} from KNOWN_DRIFT"
    pytest.xfail(f"KNOWN_DRIFT: {reason} ({len(problems)} problem(s))")


# --- the check can neither vanish nor pass vacuously ---------------------------------------


def test_core_sdks_importable():
    if os.environ.get("BUDGETLINT_NO_SDKS") == "1":
        pytest.skip("BUDGETLINT_NO_SDKS=1: a run without the sdks extra")
    importable = []
    for name in CORE_SDKS:
        try:
            _import(name)
        except pytest.skip.Exception:
            continue
        importable.append(name)
    assert importable, f"none of {CORE_SDKS} imports: pip install -e '.[test,sdks]' (or set BUDGETLINT_NO_SDKS=1)"


def test_tables_match_the_catalog():
    """No stale rows here; and every model or parameter object with a limit can be built, so its
    default is compared with ``missing_bounded``."""
    known = {qualname for client in catalog.CLIENTS for qualname in client.qualnames}
    assert not (set(DUMMY_INSTANCES) | set(FORWARDS_TO_MODULE)) - known, "stale DUMMY_INSTANCES/FORWARDS_TO_MODULE rows"
    ids = {entry.id for entry in ENTRIES}
    assert not set(KNOWN_DRIFT) - ids, "stale KNOWN_DRIFT rows"
    assert not set(REMOVED_FROM_SDK) - ids, "stale REMOVED_FROM_SDK rows"
    for client in catalog.CLIENTS:
        if client.kind is catalog.ClientKind.PATCHER:  # what a patched call makes is a catalog method
            assert client.wraps is not None and client.target, client.qualnames
            assert client.target in {method.path for method in catalog.FAMILIES[client.family].methods}, client.qualnames
    unbuildable = [
        qualname
        for client in catalog.CLIENTS
        if client.kind in (catalog.ClientKind.MODEL, catalog.ClientKind.PARAMS) and client.limit is not None
        for qualname in client.qualnames
        if qualname not in DUMMY_INSTANCES
    ]
    assert not unbuildable, f"add DUMMY_INSTANCES rows for {unbuildable}"


def _openai_chat() -> Callee:
    _import("openai")
    return resolve_method("openai.OpenAI", "chat.completions.create")


def test_drifted_limit_key_is_reported():
    callee = _openai_chat()
    problems = limit_problems(callee, catalog.Limit(("max_tokenz",)))
    assert len(problems) == 1 and "'max_tokenz' is not a parameter" in problems[0]
    assert limit_problems(callee, catalog.Limit(("max_tokens",))) == []


def test_drifted_method_path_is_reported():
    _import("openai")
    family = catalog.FAMILIES["openai"]
    method = catalog.Method("chat.completions.creat", catalog.Limit(("max_tokens",)))
    problems, found, _ = method_problems(family, method, _family_qualnames("openai"))
    assert not found and "exists on none of its clients" in problems[0]


def test_drifted_position_and_default_are_reported():
    _import("text_generation")
    callee = resolve_method("text_generation.Client", "generate")
    good = catalog.Limit(("max_new_tokens",), positional=2, missing_bounded=True)
    assert limit_problems(callee, good) == []
    moved = limit_problems(callee, dataclasses.replace(good, positional=3))
    assert any("at position 2, but the catalog says 3" in p for p in moved)
    unbounded = limit_problems(callee, dataclasses.replace(good, missing_bounded=False))
    assert any("default max_new_tokens=20 bounds output" in p for p in unbounded)


def test_drifted_container_key_is_reported():
    _import("ollama")
    callee = resolve_method("ollama", "chat")
    problems = limit_problems(callee, catalog.Limit(("num_predictt",), container=("options",)))
    assert any("'num_predictt' is not a field of 'options'" in p for p in problems)
    problems = limit_problems(callee, catalog.Limit(("num_predict",), container=("optionz",)))
    assert any("none of the limit containers" in p for p in problems)


def test_drifted_constructor_parameter_is_reported():
    _import("openai")
    client = catalog.Client(("openai.OpenAI",), "openai", endpoint=(catalog.Param("base_urll"),), headers=("default_headerz",))
    problems = client_problems(client, "openai.OpenAI")
    assert len(problems) == 2 and "'base_urll'" in problems[0] and "'default_headerz'" in problems[1]


def test_kwargs_only_count_when_forwarded_or_read():
    _import("ollama")
    # ollama.Client(host=None, **kwargs) forwards to BaseClient(headers=...): accepted ...
    client = catalog.Client(("ollama.Client",), "ollama", headers=("headers", "headerz"))
    problems = client_problems(client, "ollama.Client")
    # ... but a name no __init__ declares is not, **kwargs notwithstanding.
    assert len(problems) == 1 and "'headerz'" in problems[0]


def test_drifted_catalog_entry_fails_its_entry_test():
    """The parametrized test's own check, on the real openai entry with one key misspelt."""
    _import("openai")
    family = catalog.FAMILIES["openai"]
    real = next(method for method in family.methods if method.path == "chat.completions.create")
    assert entry_problems(Entry(f"openai:{real.path}", family=family, method=real)) == []
    drifted = dataclasses.replace(real, limit=dataclasses.replace(real.limit, keys=("max_tokenz",)))
    problems = entry_problems(Entry(f"openai:{real.path}", family=family, method=drifted))
    assert problems and all("limit key 'max_tokenz' is not a parameter" in p for p in problems)
    assert any(p.startswith("openai.OpenAI().chat.completions.create:") for p in problems)


def test_drifted_model_field_is_reported():
    _import("langchain_openai")
    client = catalog.client_for("langchain_openai.ChatOpenAI")
    assert client_problems(client, "langchain_openai.ChatOpenAI") == []
    drifted = dataclasses.replace(client, endpoint=(catalog.Param("base_urll"), catalog.Param("base_url", 0)))
    problems = client_problems(drifted, "langchain_openai.ChatOpenAI")
    assert any("'base_urll' is not a field or alias" in p for p in problems)
    assert any("pydantic model takes keywords only" in p for p in problems)


def test_endpoint_kwargs_must_be_read_from_kwargs():
    _import("litellm")
    family = catalog.FAMILIES["litellm"]
    method = next(method for method in family.methods if method.path == "completion")
    drifted = dataclasses.replace(family, endpoint_kwargs=("api_base", "api_basee"))
    problems, found, _ = method_problems(drifted, method, _family_qualnames("litellm"))
    assert "litellm.completion" in found and "litellm.Router().completion" in found
    # api_base is only read from **kwargs, and accepted; the misspelling is reported, also
    # through the Router, which forwards its **kwargs to litellm.completion.
    assert problems and all("endpoint keyword 'api_basee'" in p for p in problems)
    assert len(problems) == 2


def test_drifted_patcher_parameter_is_reported():
    _import("instructor")
    patcher = catalog.client_for("instructor.from_openai")
    assert client_problems(patcher, "instructor.from_openai") == []
    drifted = dataclasses.replace(patcher, wraps=catalog.Param("client", 1))
    assert any("at position 0, but the catalog says 1" in p for p in client_problems(drifted, "instructor.from_openai"))


def test_drifted_tag_keyword_is_reported():
    _import("anthropic")
    family = catalog.FAMILIES["anthropic"]
    method = next(method for method in family.methods if method.path == "messages.create")
    assert method_problems(family, method, _family_qualnames("anthropic"))[0] == []
    drifted = dataclasses.replace(method, tag_kwargs=("extra_headers", "feature_headers"))
    problems, _, _ = method_problems(family, drifted, _family_qualnames("anthropic"))
    assert problems and all("tag keyword 'feature_headers'" in p for p in problems)
