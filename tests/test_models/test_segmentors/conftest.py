import pytest
from _tiny_ssl import make_digit_root
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def _mmseg_al_scope():
    init_default_scope('mmseg_al')


@pytest.fixture(scope='session')
def digit_root(tmp_path_factory):
    return make_digit_root(str(tmp_path_factory.mktemp('digits')))
