"""A tool-using agent that loops until the model stops asking for tools."""

import json

from .clients import cloud_llm

TOOLS = {"lookup_order": lambda order_id: {"status": "shipped"}}


def run_agent(task: str) -> str:
    history = [{"role": "user", "content": task}]
    while True:
        # Nothing bounds this loop: the model decides how many calls it makes (BL005).
        reply = cloud_llm.chat.completions.create(
            model="gpt-4o-mini",
            messages=history,
            max_tokens=512,
            tools=[{"type": "function", "function": {"name": "lookup_order"}}],
        )
        message = reply.choices[0].message
        if not message.tool_calls:
            return message.content
        for call in message.tool_calls:
            result = TOOLS[call.function.name](**json.loads(call.function.arguments))
            history.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
