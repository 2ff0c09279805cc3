"""Answer a customer question: local model first, cloud when the local one fails."""

import ollama
from openai import OpenAI

LOCAL_MODEL = "meta-llama/Llama-3.1-8B-Instruct"

# A local vLLM server (OpenAI-compatible), its address hard-coded (BL004).
local_llm = OpenAI(base_url="http://10.0.0.12:8000/v1", api_key="unused")
# The cloud fallback on OpenAI's default endpoint.
cloud_llm = OpenAI(default_headers={"X-Feature-Tag": "support-bot"})


def answer(question: str) -> str:
    messages = [{"role": "user", "content": question}]
    try:
        # No max_tokens (BL001) and no feature tag (BL002).
        reply = local_llm.chat.completions.create(model=LOCAL_MODEL, messages=messages)
    except TimeoutError:
        # Falls back to the cloud without an escalation record (BL003).
        reply = cloud_llm.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=512)
    return reply.choices[0].message.content


def classify(question: str) -> str:
    # Ollama with num_predict=-1 generates without limit (BL001); untagged (BL002).
    result = ollama.generate(model="llama3.1", prompt=f"Classify: {question}", options={"num_predict": -1})
    return result["response"]
