"""Answers support questions with Claude on Anthropic's API."""

import anthropic

client = anthropic.Anthropic()


def answer(question: str) -> str:
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        messages=[{"role": "user", "content": question}],
    )
    return message.content[0].text
