"""BL005 runaway-agent-loop."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from budgetlint.flow import unbounded_loop
from budgetlint.model import FileModel
from budgetlint.policy import Policy, Tier
from budgetlint.rule import Invalid, Report, Rule


class RunawayAgentLoop(Rule):
    """
    ## What it does
    Flags an LLM call inside a loop that nothing bounds: `while True`, `while 1`,
    `while not done`, `while self.running`, `for _ in itertools.count()`, with no counter
    incremented in the loop and compared against a limit. A loop that waits for a person each
    turn (`input()` in its body) is interactive, not runaway.

    ## Why is this bad?
    An agent loop that stops only when the model says so runs as long as the model keeps asking
    for tools. A confused model, a tool that always fails, or a prompt injection turns it into
    an endless stream of calls: on a cloud API an open-ended bill, on a local server a GPU held
    until someone notices.

    ## Example
    ```python
    while True:
        reply = client.chat.completions.create(model=m, messages=history, max_tokens=512)
        if not reply.choices[0].message.tool_calls:
            break
    ```

    Use instead:
    ```python
    for turn in range(MAX_TURNS):
        reply = client.chat.completions.create(model=m, messages=history, max_tokens=512)
        if not reply.choices[0].message.tool_calls:
            break
    ```

    ## Options
    - `ceilings.agent_loop_iterations` (guardrails): the iteration cap teams should use.
    """

    code = "BL005"
    name = "runaway-agent-loop"
    tier = Tier.HARD
    summary = "LLM call in a loop with no iteration bound"
    fix_title = "Bound the loop with a maximum number of iterations"

    VALID = [
        """
from openai import OpenAI
client = OpenAI()
for turn in range(10):
    client.chat.completions.create(model="m", messages=[], max_tokens=5)
""",
        # A counter compared against a limit.
        """
import ollama
steps = 0
while True:
    ollama.chat(model="llama3", messages=[])
    steps += 1
    if steps >= 25:
        break
""",
        """
from openai import OpenAI
client = OpenAI()
turns = 0
while turns < 8:
    client.chat.completions.create(model="m", messages=[], max_tokens=5)
    turns += 1
""",
        # Interactive chat: waits for a person every turn.
        """
import ollama
while True:
    q = input("> ")
    ollama.chat(model="llama3", messages=[{"role": "user", "content": q}])
""",
        # Iterating a collection is bounded.
        """
import ollama
for doc in documents:
    ollama.generate(model="llama3", prompt=doc)
""",
        # A loop that only calls unrelated code.
        """
while True:
    job = queue.get()
    job.run()
""",
        # An LLM call after the loop.
        """
import ollama
while not ready():
    sleep(1)
ollama.chat(model="llama3", messages=[])
""",
        # An agent with an attribute counter.
        """
class Agent:
    def run(self):
        while True:
            self.client.chat.completions.create(model="m", messages=[])
            self.steps += 1
            if self.steps > self.max_steps:
                return
""",
        # Defined in a loop but called elsewhere.
        """
import ollama
while True:
    def ask():
        return ollama.chat(model="llama3", messages=[])
    break
""",
        # Length of the history as the bound.
        """
import ollama
history = []
while True:
    history.append(ollama.chat(model="llama3", messages=history))
    if len(history) > 40:
        break
""",
        # Loops calling a helper: bounded, or waiting for a person each turn.
        """
import ollama
def ask(p):
    return ollama.chat(model="llama3", messages=[p], options={"num_predict": 64})
for step in range(5):
    ask("next")
while True:
    ask(input("> "))
""",
    ]

    INVALID = [
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
while True:
    reply = client.chat.completions.create(model="m", messages=[], max_tokens=5)
    if not reply.choices[0].message.tool_calls:
        break
""",
            line=5,
            column=13,
        ),
        Invalid(
            """
import ollama
done = False
while not done:
    r = ollama.chat(model="llama3", messages=[])
    done = "FINAL" in r["message"]["content"]
""",
            line=5,
        ),
        Invalid(
            """
import ollama
while 1:
    ollama.generate(model="llama3", prompt="x")
""",
            line=4,
        ),
        Invalid(
            """
class Agent:
    def run(self):
        while self.running:
            out = self.llm.chat.completions.create(model="m", messages=self.history)
            self.running = needs_tools(out)
""",
            line=5,
        ),
        Invalid(
            """
import itertools
import litellm
for step in itertools.count():
    litellm.completion(model="gpt-4o", messages=[])
""",
            line=5,
        ),
        # A bounded inner loop inside an unbounded outer loop.
        Invalid(
            """
import ollama
while True:
    for tool in tools:
        ollama.chat(model="llama3", messages=[])
""",
            line=5,
        ),
        # A counter that is never compared does not bound anything.
        Invalid(
            """
import anthropic
client = anthropic.Anthropic()
turns = 0
while True:
    client.messages.create(model="c", max_tokens=100, messages=[])
    turns += 1
""",
            line=6,
        ),
        # Async agent loop.
        Invalid(
            """
from openai import AsyncOpenAI
client = AsyncOpenAI()
async def agent():
    while True:
        msg = await client.responses.create(model="m", input="x", max_output_tokens=5)
        if msg.output_text == "done":
            return msg
""",
            line=6,
            column=21,
        ),
        # Accumulating text is not counting turns.
        Invalid(
            """
import ollama
text = ""
while True:
    r = ollama.chat(model="llama3", messages=[], options={"num_predict": 256})
    text += r["message"]["content"]
    if text != "":
        print(text)
""",
            line=5,
        ),
        Invalid(
            """
import ollama
while True:
    r = ollama.chat(model="llama3", messages=[])
    calls = r["message"].get("tool_calls") or []
    if len(calls) > 0:
        continue
    break
""",
            line=4,
        ),
        # A length compared only for emptiness is a stop condition, not a bound.
        Invalid(
            """
import ollama
while True:
    r = ollama.chat(model="llama3", messages=[])
    if len(r["message"].get("tool_calls", [])) == 0:
        break
""",
            line=4,
        ),
        # An agent loop whose LLM call sits in a helper method.
        Invalid(
            """
from openai import OpenAI
class Agent:
    def __init__(self):
        self.client = OpenAI()
    def _step(self, history):
        return self.client.chat.completions.create(model="m", messages=history, max_tokens=100)
    def run(self, history):
        while True:
            reply = self._step(history)
            if not reply.choices[0].message.tool_calls:
                return reply
""",
            line=10,
            column=21,
        ),
    ]

    def check(self, model: FileModel, policy: Policy) -> Iterator[Report]:
        for site in model.generation_sites():
            loop = unbounded_loop(model, site.ancestors, site.scope)
            if loop is None:
                continue
            header = "while" if isinstance(loop.node, cst.While) else "for"
            cap = f" (guardrails: {policy.agent_loop_iterations})" if policy.agent_loop_iterations else ""
            yield Report(
                site.node,
                f"`{site.display_name}` runs inside a `{header}` loop with no iteration bound: a model that "
                f"keeps asking for another turn keeps billing tokens or holding the GPU. Iterate over "
                f"`range(MAX_TURNS)`{cap} or break when a counter reaches a limit.",
            )
