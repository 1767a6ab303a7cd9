import numpy as np
import pytest

from mmseg_al.annotation import AnnotationError, ReadMask, read_masks, validate_masks
from mmseg_al.annotation.returned_masks import detect_format

BATCH = dict(classes=['background', 'car'], items=[
    dict(sample_id='seq0/f1', height=2, width=3), dict(sample_id='seq1/f1', height=2, width=3)])


def mask(name, values=0, shape=(2, 3), cycle=None):
    return ReadMask(name, np.full(shape, values, np.uint8), f'{name}.png', cycle)


def test_format_is_told_from_the_source(tmp_path):
    (tmp_path / 'cvat').mkdir()
    (tmp_path / 'cvat' / 'labelmap.txt').write_text('')
    assert detect_format(str(tmp_path / 'cvat')) == 'cvat'
    assert detect_format(str(tmp_path)) == 'masks'
    assert detect_format('export.ZIP') == 'cvat'
    assert detect_format('project-1.json') == 'label-studio'
    with pytest.raises(AnnotationError, match='--format'):
        detect_format('masks.tar')
    with pytest.raises(AnnotationError, match='does not exist'):
        read_masks(str(tmp_path / 'gone.json'), 'auto', BATCH['classes'])


def test_masks_that_fit_the_batch_come_back_by_sample_id():
    # 255 marks unlabeled pixels, not a class.
    got = validate_masks([mask('seq0/f1', 1), mask('seq1/f1', 255)], BATCH, 0, {}, False)
    assert sorted(got) == ['seq0/f1', 'seq1/f1'] and got['seq0/f1'].max() == 1


def test_a_unique_file_name_stands_for_its_sample_id():
    batch = dict(BATCH, items=BATCH['items'][:1])
    assert list(validate_masks([mask('f1')], batch, 0, {}, False)) == ['seq0/f1']
    with pytest.raises(AnnotationError, match=r"not in the batch of cycle 0: \['f1'\]"):
        validate_masks([mask('f1')], BATCH, 0, {}, True)  # two images are named f1


def test_every_problem_is_listed_at_once():
    masks = [mask('seq0/f1', 7, shape=(3, 3)), mask('seq0/f1'), mask('old', cycle=2)]
    with pytest.raises(AnnotationError) as exc:
        validate_masks(masks, BATCH, 0, {'old': 0}, False)
    message = str(exc.value)
    for fragment in ('batch of cycle [2] but the run waits for the batch of cycle 0',
                     "1 masks are for images not in the batch of cycle 0: ['old'] (1 of them "
                     'were labeled in an earlier cycle)', "more than one mask: ['seq0/f1']",
                     "1 of the 2 images of the batch have no mask: ['seq1/f1']",
                     'seq0/f1.png is 3x3, the image 2x3', 'unknown class values [7]',
                     'nothing was changed'):
        assert fragment in message, message


def test_partial_import_leaves_the_rest_unlabeled():
    assert list(validate_masks([mask('seq1/f1')], BATCH, 0, {}, True)) == ['seq1/f1']
    with pytest.raises(AnnotationError, match='no mask of the batch was found'):
        validate_masks([], BATCH, 0, {}, True)
