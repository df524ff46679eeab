import shutil
from pathlib import Path

import pytest

from riskregister.scan.index import CatalogIndex, Route
from tests.factories import AIModelFactory, OfferingFactory, VendorFactory

SAMPLE = Path(__file__).with_name("sample_project")
# The fake secrets of the sample project's .env: they must appear nowhere the scan writes.
SECRETS = ["sk-ant-api03-FAKE-SECRET-7f3a9c2e-do-not-store", "hunter2-FAKE-PASSWORD-42"]


@pytest.fixture
def catalog(db):
    return make_catalog()


def make_catalog() -> dict:
    """The routes of the sample project: Claude on Anthropic, Bedrock and Vertex; GPT-4o on OpenAI and
    Azure; Mistral Large; Gemini."""
    anthropic = VendorFactory(slug="anthropic", name="Anthropic")
    openai = VendorFactory(slug="openai", name="OpenAI")
    mistral = VendorFactory(slug="mistral", name="Mistral AI", headquarters_country="FR")
    google = VendorFactory(slug="google", name="Google", distributes_models=True)
    amazon = VendorFactory(slug="amazon", name="Amazon Web Services", provides_models=False, distributes_models=True)
    microsoft = VendorFactory(slug="microsoft", name="Microsoft", provides_models=False, distributes_models=True)
    sonnet = AIModelFactory(slug="claude-sonnet-4-5", name="Claude Sonnet 4.5", provider=anthropic,
                            aliases=["claude-sonnet-4-5-20250929", "Claude Sonnet 4.5 (latest)"])
    gpt = AIModelFactory(slug="gpt-4o", name="GPT-4o", provider=openai, aliases=[])
    large = AIModelFactory(slug="mistral-large-3", name="Mistral Large 3", provider=mistral, aliases=["mistral-large"])
    gemini = AIModelFactory(slug="gemini-2-5-pro", name="Gemini 2.5 Pro", provider=google, aliases=["gemini-2.5-pro"])
    return {
        "sonnet_direct": OfferingFactory(model=sonnet, distributor=anthropic, distributor_model_id="claude-sonnet-4-5-20250929"),
        "sonnet_bedrock": OfferingFactory(model=sonnet, distributor=amazon, distributor_model_id="anthropic.claude-sonnet-4-5-20250929-v1:0",
                                          catalog_ids=["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"]),
        "sonnet_vertex": OfferingFactory(model=sonnet, distributor=google, distributor_model_id="claude-sonnet-4-5@20250929"),
        "gpt_direct": OfferingFactory(model=gpt, distributor=openai, distributor_model_id="gpt-4o"),
        "gpt_azure": OfferingFactory(model=gpt, distributor=microsoft, distributor_model_id="gpt-4o"),
        "large_direct": OfferingFactory(model=large, distributor=mistral, distributor_model_id="mistral-large-latest"),
        "gemini_direct": OfferingFactory(model=gemini, distributor=google, distributor_model_id="gemini-2.5-pro"),
    }


@pytest.fixture
def project(tmp_path):
    """A copy of the sample project, with what git cannot hold: a link out of the tree (to a file
    naming a model) and a binary file with a scanned suffix."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret_service.py").write_text('MODEL = "gemini-2.5-pro"\n')
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root, symlinks=True)
    (root / "app" / "linked.py").symlink_to(outside / "secret_service.py")
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)
    (root / "app" / "blob.json").write_bytes(b'{"model": "gpt-4o"}\x00\x01\x02' + bytes(range(256)))
    return root


def small_index() -> CatalogIndex:
    """A CatalogIndex without the database, for the pure library's tests."""
    routes = [
        (Route(1, "claude-sonnet-4-5", "Claude Sonnet 4.5", "anthropic", "anthropic", "claude-sonnet-4-5-20250929", "Anthropic"), []),
        (Route(2, "claude-sonnet-4-5", "Claude Sonnet 4.5", "anthropic", "amazon", "anthropic.claude-sonnet-4-5-20250929-v1:0", "AWS"),
         ["us.anthropic.claude-sonnet-4-5-20250929-v1:0"]),
        (Route(3, "claude-sonnet-4-5", "Claude Sonnet 4.5", "anthropic", "google", "claude-sonnet-4-5@20250929", "Google"), []),
        (Route(4, "gpt-4o", "GPT-4o", "openai", "openai", "gpt-4o", "OpenAI"), []),
        (Route(5, "gpt-4o", "GPT-4o", "openai", "microsoft", "gpt-4o", "Microsoft"), []),
    ]
    models = [("claude-sonnet-4-5", ["Claude Sonnet 4.5", "claude-sonnet-4-5-20250929"]), ("gpt-4o", ["GPT-4o"])]
    return CatalogIndex.build(routes=routes, models=models)
