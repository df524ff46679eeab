import pytest

from tests.risks.story import build_story


@pytest.fixture
def story(db):
    """The supply chain and teams of DESIGN.md (see tests/risks/story.py)."""
    return build_story()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The role fixtures hash passwords; the register's tests do not sign in, so a cheap hasher will do."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
