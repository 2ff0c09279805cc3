"""Where the bot's models are served."""

import os

from openai import OpenAI

# The cloud fallback, tagged for metering on the client itself.
cloud_llm = OpenAI(default_headers={"X-Feature-Tag": "support-bot"})

# Configured from the environment: fine.
summarizer_llm = OpenAI(
    base_url=os.environ["VLLM_BASE_URL"],
    api_key="unused",
    default_headers={"X-Feature-Tag": "summarize"},
)
