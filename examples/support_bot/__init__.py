"""A small support bot served by a local vLLM server, with a cloud fallback."""
