"""Where BL002 says a feature tag goes: a carrier the SDK at hand accepts (``tags.carrier_advice``)."""

from __future__ import annotations

import textwrap

import pytest

from budgetlint.engine import Job, lint_source
from budgetlint.policy import Policy
from budgetlint.rules.bl002_missing_feature_tag import MissingFeatureTag

HEAD = "import os, anthropic, httpx, litellm, ollama, requests\nfrom openai import OpenAI\nfrom vllm import LLM\n"
ADVICE = {
    "openai chat: metadata or a header": (
        "OpenAI().chat.completions.create(model='m', messages=[], max_tokens=5)",
        'Add `metadata={"feature": ...}`, `extra_headers={"X-Feature-Tag": ...}`, or wrap it in `feature_tag(...)`.',
    ),
    "openai legacy completions take no metadata": (
        "OpenAI().completions.create(model='m', prompt='x')",
        'Add `extra_headers={"X-Feature-Tag": ...}`, or wrap it in `feature_tag(...)`.',
    ),
    "anthropic's metadata takes only user_id": (
        "anthropic.Anthropic().messages.create(model='m', messages=[], max_tokens=5)",
        'Add `extra_headers={"X-Feature-Tag": ...}`, or wrap it in `feature_tag(...)`.',
    ),
    "ollama: a header on its client": (
        "ollama.chat(model='m', messages=[], options={'num_predict': 5})",
        "Add an `X-Feature-Tag` header on `ollama.Client(headers=...)`, or wrap it in `feature_tag(...)`.",
    ),
    "an ollama client built here": (
        "ollama.Client(host=os.environ['OLLAMA_HOST']).chat(model='m', messages=[], options={'num_predict': 5})",
        "Add an `X-Feature-Tag` header in the client's `headers=`, or wrap it in `feature_tag(...)`.",
    ),
    "raw HTTP: a request header": (
        "requests.post(os.environ['U'] + '/api/chat', json={'model': 'm', 'options': {'num_predict': 5}})",
        'Add `headers={"X-Feature-Tag": ...}`, or wrap it in `feature_tag(...)`.',
    ),
    "vLLM in process: the wrapper only": (
        "LLM(model='m').generate(['x'])",
        "Wrap it in `feature_tag(...)`.",
    ),
}


@pytest.mark.parametrize("call, advice", ADVICE.values(), ids=ADVICE.keys())
def test_bl002_names_a_carrier_the_sdk_accepts(call, advice):
    job = Job(Policy(), (MissingFeatureTag,), report_suppressions=False)
    findings = lint_source((HEAD + textwrap.dedent(call) + "\n").encode(), "app.py", job).findings
    assert [finding.code for finding in findings] == ["BL002"]
    assert findings[0].message.endswith("attributed to a product feature. " + advice)
