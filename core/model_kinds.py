"""What a model is for, guessed from its name, and which model GPT-Load should validate keys with (pure).

GPT-Load checks a group's keys with a chat request to the group's ``test_model``. An embedding,
moderation, audio or image model answers that request with an error, and GPT-Load then marks good keys
invalid. So the test model is the operator's pick when it is one of the group's models; otherwise a
model whose last model test succeeded; otherwise a chat model by name; only when a group serves nothing
else, whatever it serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Name fragments of models that cannot answer a chat request. Matched on word-ish boundaries, case-insensitively.
NOT_CHAT = re.compile(
    r"(?:^|[^a-z0-9])(?:"
    r"text-embedding|embed(?:ding)?s?|bge|e5|gte|m3e|jina-embeddings|rerank(?:er)?|"
    r"moderation|omni-moderation|whisper|tts|transcribe|speech|audio|realtime|"
    r"dall-e|gpt-image|imagen|image|flux|stable-diffusion|sdxl|midjourney|"
    r"davinci-002|babbage-002"
    r")(?:$|[^a-z0-9])",
    re.IGNORECASE,
)


def is_chat_model(name: str) -> bool:
    """Whether a model of this name can answer a one-token chat request (a guess from its name)."""
    return NOT_CHAT.search(name) is None


def choose_test_model(originals: Iterable[str], preferred: str | None = None, tested_ok: Iterable[str] = ()) -> str:
    """The group's test model among ``originals`` (upstream names): see the module docstring for the order."""
    names = sorted(set(originals))
    if not names:
        raise ValueError("a group serves at least one model")
    if preferred in names:
        return preferred
    chat = [n for n in names if is_chat_model(n)]
    tested = set(tested_ok)  # once: a provider's rest group can serve hundreds of names
    passed = next((n for n in chat if n in tested), None) if tested else None
    return passed or (chat or names)[0]
