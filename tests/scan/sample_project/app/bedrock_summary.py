import json

import boto3

bedrock = boto3.client("bedrock-runtime", region_name="eu-central-1")
MODEL_ID = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def summarise(text: str) -> str:
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
                       "messages": [{"role": "user", "content": text}]})
    response = bedrock.invoke_model(modelId=MODEL_ID, body=body)
    return json.loads(response["body"].read())["content"][0]["text"]
