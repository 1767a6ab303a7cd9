import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from mmseg_al.annotation import (AnnotationError, brush_results, labeling_config,
                                 read_label_studio_export)

CLASSES = ('background', 'car', 'person')
PALETTE = [[0, 0, 0], [255, 0, 16], [1, 2, 3]]


def export(tmp_path, *tasks):
    path = tmp_path / 'export.json'
    path.write_text(json.dumps(list(tasks)))
    return str(path)


def annotated(task_id, sample_id, result, cycle=0):
    return dict(id=task_id, data=dict(image='x.jpg', sample_id=sample_id, al_cycle=cycle),
                annotations=[dict(id=1, result=result, was_cancelled=False)])


def test_labeling_config_lists_classes_and_colours():
    root = ET.fromstring(labeling_config(CLASSES, PALETTE))
    for tool in ('BrushLabels', 'PolygonLabels'):
        labels = root.find(tool).findall('Label')
        assert [(x.get('value'), x.get('background')) for x in labels] == [
            ('background', '#000000'), ('car', '#ff0010'), ('person', '#010203')]
    assert root.find('Image').get('value') == '$image'


def test_brush_round_trip_keeps_every_pixel(tmp_path):
    mask = np.random.default_rng(0).integers(0, 3, (13, 21), dtype=np.uint8)
    mask[2:5, 3:9] = 255  # not painted
    read = read_label_studio_export(
        export(tmp_path, annotated(1, 'img_a', brush_results(mask, CLASSES), cycle=2)), CLASSES)
    assert [(m.name, m.cycle) for m in read] == [('img_a', 2)]
    np.testing.assert_array_equal(read[0].mask, mask)


def test_polygon_fills_the_pixels_whose_centres_are_inside(tmp_path):
    height, width = 10, 20
    # Rectangle over columns 4..11 and rows 2..6 (edges on pixel borders), in percent.
    points = [[4 / width * 100, 2 / height * 100], [12 / width * 100, 2 / height * 100],
              [12 / width * 100, 7 / height * 100], [4 / width * 100, 7 / height * 100]]
    result = [dict(type='polygonlabels', original_width=width, original_height=height,
                   from_name='polygon', to_name='image',
                   value=dict(points=points, polygonlabels=['person']))]
    expected = np.full((height, width), 255, np.uint8)
    expected[2:7, 4:12] = 2
    read = read_label_studio_export(export(tmp_path, annotated(1, 'a', result)), CLASSES)
    np.testing.assert_array_equal(read[0].mask, expected)


def test_unannotated_and_cancelled_tasks_give_no_mask(tmp_path):
    cancelled = annotated(2, 'b', [])
    cancelled['annotations'][0]['was_cancelled'] = True
    assert read_label_studio_export(
        export(tmp_path, dict(id=1, data=dict(sample_id='a'), annotations=[]), cancelled),
        CLASSES) == []


def test_unknown_class_names_are_listed(tmp_path):
    result = brush_results(np.zeros((4, 4), np.uint8), CLASSES)
    result[0]['value']['brushlabels'] = ['truck']
    other = brush_results(np.ones((4, 4), np.uint8), CLASSES)
    other[0]['value']['brushlabels'] = ['bus']
    with pytest.raises(AnnotationError, match=r"unknown class names \['bus', 'truck'\]"):
        read_label_studio_export(export(tmp_path, annotated(1, 'a', result),
                                        annotated(2, 'b', other)), CLASSES)


def test_two_annotations_of_one_task_are_rejected(tmp_path):
    task = annotated(7, 'a', brush_results(np.zeros((4, 4), np.uint8), CLASSES))
    task['annotations'] *= 2
    with pytest.raises(AnnotationError, match='task 7 has 2 annotations'):
        read_label_studio_export(export(tmp_path, task), CLASSES)


def test_brush_of_another_size_and_non_mask_results(tmp_path):
    result = brush_results(np.zeros((4, 4), np.uint8), CLASSES)
    result[0]['original_width'] = 5
    with pytest.raises(AnnotationError, match='16 pixels, the image 4x5'):
        read_label_studio_export(export(tmp_path, annotated(1, 'a', result)), CLASSES)
    box = [dict(type='rectanglelabels', value=dict(rectanglelabels=['car']))]
    with pytest.raises(AnnotationError, match='not masks'):
        read_label_studio_export(export(tmp_path, annotated(1, 'a', box)), CLASSES)


@pytest.mark.parametrize('text', ['[{"data": ', '{"tasks": []}', '[1, 2]'])
def test_corrupt_json_is_rejected(tmp_path, text):
    path = tmp_path / 'export.json'
    path.write_text(text)
    with pytest.raises(AnnotationError, match='not a Label Studio JSON export'):
        read_label_studio_export(str(path), CLASSES)
