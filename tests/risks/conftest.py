import pytest

from tests.risks.story import build_story


@pytest.fixture
def story(db):
    """The supply chain and teams of DESIGN.md (see tests/risks/story.py)."""
    return build_story()

