from anthropic import AnthropicVertex

client = AnthropicVertex(region="europe-west1", project_id="acme-prod")


def classify(ticket: str) -> str:
    reply = client.messages.create(
        model="claude-sonnet-4-5@20250929",
        max_tokens=64,
        messages=[{"role": "user", "content": f"Classify: {ticket}"}],
    )
    return reply.content[0].text
