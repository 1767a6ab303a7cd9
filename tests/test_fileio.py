import json

import pytest

from mmseg_al.fileio import StateError, atomic_write_json, read_json


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    atomic_write_json(str(tmp_path / 'a.json'), {'x': 1})
    assert [p.name for p in tmp_path.iterdir()] == ['a.json']
    assert json.loads((tmp_path / 'a.json').read_text()) == {'x': 1}


def test_reading_a_corrupt_file_names_it(tmp_path):
    path = tmp_path / 'selection.json'
    path.write_text('{"ids": [')
    with pytest.raises(StateError, match='Selection .*selection.json is corrupt'):
        read_json(str(path), 'Selection')
