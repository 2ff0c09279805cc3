"""A clean module: bounded, tagged, configured, logged and with a bounded loop."""

import logging

import ollama

from .clients import cloud_llm, summarizer_llm

logger = logging.getLogger(__name__)
MAX_SUMMARY_TOKENS = 300
MAX_PASSES = 3


def summarize(text: str) -> str:
    messages = [{"role": "user", "content": f"Summarize:\n{text}"}]
    try:
        reply = summarizer_llm.chat.completions.create(
            model="llama", messages=messages, max_tokens=MAX_SUMMARY_TOKENS
        )
    except TimeoutError:
        logger.warning("escalating summary to the cloud model after a local timeout")
        reply = cloud_llm.chat.completions.create(
            model="gpt-4o-mini", messages=messages, max_tokens=MAX_SUMMARY_TOKENS
        )
    return reply.choices[0].message.content


def refine(draft: str) -> str:
    for _ in range(MAX_PASSES):
        result = ollama.chat(
            model="llama3.1",
            messages=[{"role": "user", "content": f"Improve:\n{draft}"}],
            options={"num_predict": MAX_SUMMARY_TOKENS},
            headers={"X-Feature-Tag": "summarize"},
        )
        draft = result["message"]["content"]
    return draft
