"""The AI SDKs the scanner knows, and the route (distributor vendor slug) each one calls.

`route` is the slug of the vendor whose API the SDK talks to, as the register names vendors
(vendors/catalog/entries.py PROVIDER_VENDORS: Bedrock is `amazon`, Vertex `google`, Azure
`microsoft`). `None` means the SDK reaches many routes and the model id decides (litellm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SDK:
    name: str
    route: str | None


ANTHROPIC = SDK("anthropic", "anthropic")
ANTHROPIC_BEDROCK = SDK("anthropic (Bedrock)", "amazon")
ANTHROPIC_VERTEX = SDK("anthropic (Vertex)", "google")
OPENAI = SDK("openai", "openai")
AZURE_OPENAI = SDK("openai (Azure)", "microsoft")
BEDROCK = SDK("boto3 bedrock-runtime", "amazon")
AWS_BEDROCK = SDK("AWS SDK bedrock-runtime", "amazon")
VERTEX = SDK("vertexai", "google")
GENAI = SDK("google-genai", "google")
MISTRAL = SDK("mistralai", "mistral")
LITELLM = SDK("litellm", None)
LANGCHAIN_ANTHROPIC = SDK("langchain ChatAnthropic", "anthropic")
LANGCHAIN_OPENAI = SDK("langchain ChatOpenAI", "openai")
LANGCHAIN_AZURE = SDK("langchain AzureChatOpenAI", "microsoft")
LANGCHAIN_BEDROCK = SDK("langchain ChatBedrock", "amazon")
LANGCHAIN_VERTEX = SDK("langchain ChatVertexAI", "google")
LANGCHAIN_GENAI = SDK("langchain ChatGoogleGenerativeAI", "google")
LANGCHAIN_MISTRAL = SDK("langchain ChatMistralAI", "mistral")

# Python modules (the longest dotted prefix wins).
PYTHON_MODULES = {
    "anthropic": ANTHROPIC,
    "openai": OPENAI,
    "vertexai": VERTEX,
    "google.cloud.aiplatform": VERTEX,
    "google.genai": GENAI,
    "google.generativeai": GENAI,
    "mistralai": MISTRAL,
    "litellm": LITELLM,
    "langchain_anthropic": LANGCHAIN_ANTHROPIC,
    "langchain_openai": LANGCHAIN_OPENAI,
    "langchain_aws": LANGCHAIN_BEDROCK,
    "langchain_google_vertexai": LANGCHAIN_VERTEX,
    "langchain_google_genai": LANGCHAIN_GENAI,
    "langchain_mistralai": LANGCHAIN_MISTRAL,
}

# Class names, imported or called: they say the route more precisely than the module.
CLASSES = {
    "Anthropic": ANTHROPIC, "AsyncAnthropic": ANTHROPIC,
    "AnthropicBedrock": ANTHROPIC_BEDROCK, "AsyncAnthropicBedrock": ANTHROPIC_BEDROCK,
    "AnthropicVertex": ANTHROPIC_VERTEX, "AsyncAnthropicVertex": ANTHROPIC_VERTEX,
    "OpenAI": OPENAI, "AsyncOpenAI": OPENAI,
    "AzureOpenAI": AZURE_OPENAI, "AsyncAzureOpenAI": AZURE_OPENAI,
    "BedrockRuntimeClient": AWS_BEDROCK,
    "GoogleGenAI": GENAI, "GoogleGenerativeAI": GENAI, "GenerativeModel": VERTEX,
    "Mistral": MISTRAL, "MistralClient": MISTRAL,
    "ChatAnthropic": LANGCHAIN_ANTHROPIC,
    "ChatOpenAI": LANGCHAIN_OPENAI,
    "AzureChatOpenAI": LANGCHAIN_AZURE,
    "ChatBedrock": LANGCHAIN_BEDROCK, "ChatBedrockConverse": LANGCHAIN_BEDROCK, "BedrockChat": LANGCHAIN_BEDROCK,
    "ChatVertexAI": LANGCHAIN_VERTEX, "ChatAnthropicVertex": LANGCHAIN_VERTEX,
    "ChatGoogleGenerativeAI": LANGCHAIN_GENAI,
    "ChatMistralAI": LANGCHAIN_MISTRAL,
}

# Package names as they appear in JS/TS imports, manifests (package.json, requirements, pyproject,
# go.mod) and Go import paths (a prefix of the path).
PACKAGES = {
    "@anthropic-ai/sdk": ANTHROPIC,
    "@anthropic-ai/bedrock-sdk": ANTHROPIC_BEDROCK,
    "@anthropic-ai/vertex-sdk": ANTHROPIC_VERTEX,
    "openai": OPENAI,
    "@azure/openai": AZURE_OPENAI,
    "@aws-sdk/client-bedrock-runtime": AWS_BEDROCK,
    "@google/genai": GENAI,
    "@google/generative-ai": GENAI,
    "@google-cloud/vertexai": VERTEX,
    "@mistralai/mistralai": MISTRAL,
    "@langchain/anthropic": LANGCHAIN_ANTHROPIC,
    "@langchain/openai": LANGCHAIN_OPENAI,
    "@langchain/aws": LANGCHAIN_BEDROCK,
    "@langchain/google-vertexai": LANGCHAIN_VERTEX,
    "@langchain/google-genai": LANGCHAIN_GENAI,
    "@langchain/mistralai": LANGCHAIN_MISTRAL,
    "anthropic": ANTHROPIC,
    "google-genai": GENAI,
    "google-generativeai": GENAI,
    "google-cloud-aiplatform": VERTEX,
    "mistralai": MISTRAL,
    "litellm": LITELLM,
    "langchain-anthropic": LANGCHAIN_ANTHROPIC,
    "langchain-openai": LANGCHAIN_OPENAI,
    "langchain-aws": LANGCHAIN_BEDROCK,
    "langchain-google-vertexai": LANGCHAIN_VERTEX,
    "langchain-google-genai": LANGCHAIN_GENAI,
    "langchain-mistralai": LANGCHAIN_MISTRAL,
    "github.com/anthropics/anthropic-sdk-go": ANTHROPIC,
    "github.com/openai/openai-go": OPENAI,
    "github.com/sashabaranov/go-openai": OPENAI,
    "github.com/aws/aws-sdk-go-v2/service/bedrockruntime": AWS_BEDROCK,
    "google.golang.org/genai": GENAI,
    "cloud.google.com/go/vertexai": VERTEX,
}

# Java/Kotlin packages (a prefix of the imported name).
JAVA_PACKAGES = {
    "com.anthropic": ANTHROPIC,
    "com.openai": OPENAI,
    "com.azure.ai.openai": AZURE_OPENAI,
    "software.amazon.awssdk.services.bedrockruntime": AWS_BEDROCK,
    "com.google.cloud.vertexai": VERTEX,
    "com.google.genai": GENAI,
    "dev.langchain4j.model.anthropic": LANGCHAIN_ANTHROPIC,
    "dev.langchain4j.model.openai": LANGCHAIN_OPENAI,
    "dev.langchain4j.model.azure": LANGCHAIN_AZURE,
    "dev.langchain4j.model.bedrock": LANGCHAIN_BEDROCK,
    "dev.langchain4j.model.vertexai": LANGCHAIN_VERTEX,
    "dev.langchain4j.model.mistralai": LANGCHAIN_MISTRAL,
}

# LiteLLM-style route prefixes of a model id (`bedrock/anthropic.claude-…`, `vertex_ai/claude-…@…`).
ROUTE_PREFIXES = {
    "anthropic": "anthropic", "openai": "openai", "azure": "microsoft", "azure_ai": "microsoft",
    "bedrock": "amazon", "bedrock_converse": "amazon", "vertex_ai": "google", "vertex_ai_beta": "google",
    "gemini": "google", "mistral": "mistral",
}

PY_IMPORT = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w.]*)\s+import\s+(.+)|import\s+([A-Za-z_][\w., ]*))")
JAVA_IMPORT = re.compile(r"^\s*import\s+(?:static\s+)?([A-Za-z_][\w.]*)")
JS_IMPORT = re.compile(r"""(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']""")
CLASS_CALL = re.compile(r"\b(" + "|".join(sorted(CLASSES, key=len, reverse=True)) + r")\s*\(")
LITELLM_CALL = re.compile(r"\blitellm\.a?(?:completion|text_completion|responses)\s*\(")
GENAI_CALL = re.compile(r"\bgenai\.Client\s*\(")
BEDROCK_RUNTIME = re.compile(r"""["']bedrock-runtime["']""")
# To find the lines worth reading in a whole file: a capitalised name called (then looked up in
# CLASSES), and the literal calls, each searched for only if its text is in the file at all.
CAPITALISED_CALL = re.compile(r"\b([A-Z][A-Za-z]+)\s*\(")
LITERAL_CALLS = (("litellm.", LITELLM_CALL), ("genai.Client", GENAI_CALL), ("bedrock-runtime", BEDROCK_RUNTIME))


def call_offsets(text: str):
    """Offsets in `text` of what may be an SDK call (the line is then read by a reader)."""
    for hit in CAPITALISED_CALL.finditer(text):
        if hit.group(1) in CLASSES:
            yield hit.start()
    for literal, pattern in LITERAL_CALLS:
        if literal in text:
            yield from (hit.start() for hit in pattern.finditer(text))
QUOTED = re.compile(r"""["']([^"'\s]{2,200})["']""")
PACKAGE_TOKEN = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9._/-]*")


def python_module(name: str) -> SDK | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        sdk = PYTHON_MODULES.get(".".join(parts[:end]))
        if sdk is not None:
            return sdk
    return None


def package(name: str) -> SDK | None:
    """A package name or a Go import path (`github.com/openai/openai-go/option`)."""
    sdk = PACKAGES.get(name)
    if sdk is not None or "/" not in name:
        return sdk
    parts = name.split("/")
    for end in range(len(parts) - 1, 0, -1):
        sdk = PACKAGES.get("/".join(parts[:end]))
        if sdk is not None:
            return sdk
    return None


def java_package(name: str) -> SDK | None:
    parts = name.split(".")
    for end in range(len(parts), 1, -1):
        sdk = JAVA_PACKAGES.get(".".join(parts[:end]))
        if sdk is not None:
            return sdk
    return None


def in_python_line(line: str) -> list[tuple[SDK, str]]:
    """(SDK, how it is used) found on one line of Python."""
    found: list[tuple[SDK, str]] = []
    imported = PY_IMPORT.match(line)
    if imported:
        module, names, modules = imported.groups()
        if module:
            sdk = python_module(module)
            if sdk is None:  # `from google import genai`
                sdk = next(filter(None, (python_module(f"{module}.{name}") for name in re.findall(r"\w+", names))), None)
            if sdk is not None:
                specific = [CLASSES[name] for name in re.findall(r"\w+", names) if name in CLASSES and CLASSES[name].route]
                found.extend((s, "import") for s in (specific or [sdk]))
        else:
            for name in modules.split(","):
                sdk = python_module(name.strip().split(" ")[0])
                if sdk is not None:
                    found.append((sdk, "import"))
    found.extend(_calls(line))
    return found


def in_js_line(line: str) -> list[tuple[SDK, str]]:
    found = [(sdk, "import") for sdk in (package(name) for name in JS_IMPORT.findall(line)) if sdk is not None]
    return found + _calls(line)


def in_go_line(line: str) -> list[tuple[SDK, str]]:
    found = [(sdk, "import") for sdk in (package(name) for name in QUOTED.findall(line) if "/" in name) if sdk is not None]
    return found + _calls(line)


def in_java_line(line: str) -> list[tuple[SDK, str]]:
    imported = JAVA_IMPORT.match(line)
    if imported:
        sdk = java_package(imported.group(1))
        return [(sdk, "import")] if sdk is not None else []
    return _calls(line)


def in_manifest_line(line: str) -> list[tuple[SDK, str]]:
    """A dependency declared in package.json, requirements, pyproject.toml or go.mod."""
    found = []
    for token in PACKAGE_TOKEN.findall(line):
        sdk = package(token.rstrip("./"))
        if sdk is not None:
            found.append((sdk, "dependency"))
    return found


def _calls(line: str) -> list[tuple[SDK, str]]:
    found = [(CLASSES[name], "call") for name in CLASS_CALL.findall(line)]
    if BEDROCK_RUNTIME.search(line):
        found.append((BEDROCK, "call"))
    if LITELLM_CALL.search(line):
        found.append((LITELLM, "call"))
    if GENAI_CALL.search(line):
        found.append((GENAI, "call"))
    return found
