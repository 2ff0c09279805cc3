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
    `while not done`, `while self.running`, `for _ in itertools.count()` or
    `itertools.repeat(x)` without a count, and a `while` whose condition reads the model's last
    response (`while response.stop_reason == "tool_use"`, `while msg.tool_calls`, through any
    name bound to a generation call's result or to a field of it), with no counter compared
    against a limit in the loop. A counter bounds the loop when it is stepped and compared with
    a limit (`turns += 1` and `if turns >= MAX`), or counted down and tested against its floor
    (`tries -= 1` and `if tries <= 0`, or `while tries > 0`). A loop that waits for a person each
    turn (`input()` in its body) is interactive, not runaway; one that walks the pages of a
    non-LLM API (`while page.next_token:` with `page` fetched again in the loop) ends with the
    data. A call in a loop's `else:` clause runs once, after the loop, and is not in it.

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
    - `ceilings.agent_loop_iterations` (guardrails): named in the message as the cap to use; a
      runtime policy: BL005 does not compare a loop's bound with it.
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
        # A count-down: the counter is decremented and tested against zero.
        """
import ollama
tries = 5
while True:
    ollama.chat(model="llama3", messages=[])
    tries -= 1
    if tries <= 0:
        break
""",
        """
from openai import OpenAI
client = OpenAI()
retries = 3
while retries:
    client.chat.completions.create(model="m", messages=[], max_tokens=5)
    retries = retries - 1
""",
        # The model's last response drives the loop, but a counter bounds it.
        """
import anthropic
client = anthropic.Anthropic()
response = client.messages.create(model="c", max_tokens=100, messages=[])
turns_left = 10
while response.stop_reason == "tool_use" and turns_left > 0:
    response = client.messages.create(model="c", max_tokens=100, messages=[])
    turns_left -= 1
""",
        # `itertools.repeat` with a count is bounded, however it is imported.
        """
import itertools
import ollama
for _ in itertools.repeat(None, 5):
    ollama.chat(model="llama3", messages=[])
""",
        """
from itertools import repeat
import ollama
for _ in repeat(None, times=3):
    ollama.chat(model="llama3", messages=[])
""",
        # The `else:` clause of a loop runs once, after it: not inside it.
        """
import ollama
while not ready():
    sleep(1)
else:
    ollama.chat(model="llama3", messages=[])
""",
        # A loop over pages of a non-LLM API ends with the data, not with the model.
        """
import ollama
page = api.list_documents()
while page.next_token:
    page = api.list_documents(token=page.next_token)
    for doc in page.items:
        ollama.generate(model="llama3", prompt=doc)
""",
        # A condition on a non-LLM response's field.
        """
import requests
import ollama
job = requests.get("https://jobs.example.com/1").json()
while job["state"] != "done":
    ollama.chat(model="llama3", messages=[])
    job = requests.get("https://jobs.example.com/1").json()
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
        # The call of a patched client (instructor) or of a partial in an unbounded loop.
        Invalid(
            """
import functools
import instructor
from openai import OpenAI
client = instructor.from_openai(OpenAI())
ask = functools.partial(OpenAI().chat.completions.create, model="m", max_tokens=5)
while True:
    plan = client.create(model="m", messages=[], response_model=Plan, max_tokens=5)
    ask(messages=[plan])
    if plan.done:
        break
""",
            count=2,
        ),
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
        # The condition reads the model's last response: it stops when the model says so.
        Invalid(
            """
import anthropic
client = anthropic.Anthropic()
response = client.messages.create(model="c", max_tokens=100, messages=[])
while response.stop_reason == "tool_use":
    response = client.messages.create(model="c", max_tokens=100, messages=[])
""",
            line=6,
            column=16,
        ),
        Invalid(
            """
from anthropic import AsyncAnthropic
client = AsyncAnthropic()
async def agent(messages):
    resp = await client.messages.create(model="c", max_tokens=100, messages=messages)
    while resp.stop_reason != "end_turn":
        messages.append({"role": "assistant", "content": resp.content})
        resp = await client.messages.create(model="c", max_tokens=100, messages=messages)
""",
            line=8,
        ),
        # Through a name bound to a field of the response.
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
def run(messages):
    response = client.chat.completions.create(model="m", messages=messages, max_tokens=50)
    finish_reason = response.choices[0].finish_reason
    while finish_reason == "tool_calls":
        response = client.chat.completions.create(model="m", messages=messages, max_tokens=50)
        finish_reason = response.choices[0].finish_reason
""",
            line=8,
        ),
        Invalid(
            """
from openai import OpenAI
client = OpenAI()
msg = client.chat.completions.create(model="m", messages=[], max_tokens=50).choices[0].message
while msg.tool_calls is not None:
    msg = client.chat.completions.create(model="m", messages=[], max_tokens=50).choices[0].message
""",
            line=6,
        ),
        # A counter that is decremented but never tested does not bound anything.
        Invalid(
            """
import ollama
tries = 5
while True:
    ollama.chat(model="llama3", messages=[])
    tries -= 1
""",
            line=5,
        ),
        # `itertools.repeat` without a count repeats forever.
        Invalid(
            """
from itertools import repeat
import ollama
for _ in repeat(None):
    ollama.chat(model="llama3", messages=[])
""",
            line=5,
        ),
        # A loop's `else:` runs once after it: a counter compared there bounds nothing.
        Invalid(
            """
import ollama
done = False
turns = 0
while not done:
    r = ollama.chat(model="llama3", messages=[])
    turns += 1
    done = r["done"]
else:
    print("finished" if turns < 50 else "long run")
""",
            line=6,
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
