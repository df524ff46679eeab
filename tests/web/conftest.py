import pytest

from tests.web.world import build_world


@pytest.fixture
def story(db):
    return build_world()
