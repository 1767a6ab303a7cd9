"""Label Studio: tasks with brush pre-annotations out, JSON exports (brush, polygon) in.

Brush masks use Label Studio's own RLE codec (``label_studio_converter.brush``),
so what we write is what its editor draws and what it exports reads back. Tasks
carry the sample id and the AL cycle in their data, so an export is matched to
the batch by id and an export of another cycle's batch is recognised.
"""
import json
from xml.sax.saxutils import quoteattr

import numpy as np

from mmseg_al.annotation.masks import IGNORE_INDEX, AnnotationError, ReadMask

IMAGE, BRUSH, POLYGON = 'image', 'label', 'polygon'
# Alpha at or above this counts as painted (brush strokes have soft edges).
_PAINTED = 128


def _hex(rgb):
    return '#' + ''.join(f'{int(c):02x}' for c in rgb)


def labeling_config(classes, palette):
    """The labeling config (XML): one image, brush and polygon tools with the classes."""
    labels = ''.join(f'\n    <Label value={quoteattr(name)} background={quoteattr(_hex(rgb))}/>'
                     for name, rgb in zip(classes, palette))
    return (f'<View>\n  <Image name="{IMAGE}" value="$image" zoom="true"/>\n'
            f'  <BrushLabels name="{BRUSH}" toName="{IMAGE}">{labels}\n  </BrushLabels>\n'
            f'  <PolygonLabels name="{POLYGON}" toName="{IMAGE}">{labels}\n  </PolygonLabels>\n'
            '</View>\n')


def brush_results(mask, classes):
    """Brush results (one per class present) painting ``mask`` (HxW class indices)."""
    # Imported here: label_studio_converter imports nltk (about 2 s), which every
    # import of mmseg_al, and so every tool's start-up, would otherwise pay.
    from label_studio_converter.brush import mask2rle
    height, width = mask.shape
    return [dict(id=f'c{value}', from_name=BRUSH, to_name=IMAGE, type='brushlabels',
                 original_width=width, original_height=height, image_rotation=0,
                 value=dict(format='rle', rle=mask2rle((mask == value).astype(np.uint8) * 255),
                            brushlabels=[classes[value]]))
            for value in np.unique(mask) if value != IGNORE_INDEX]


def make_task(sample_id, image_url, cycle, prediction, classes, model_version):
    """One task: the image, its sample id and cycle, the model's prediction to correct."""
    return dict(data=dict(image=image_url, sample_id=sample_id, al_cycle=cycle),
                predictions=[dict(model_version=model_version,
                                  result=brush_results(prediction, classes))])


def _load(path):
    try:
        with open(path) as f:
            tasks = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise AnnotationError(f'{path} is not a Label Studio JSON export ({err}).') from err
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and 'data' in t for t in tasks):
        raise AnnotationError(f'{path} is not a Label Studio JSON export (a list of tasks with '
                              '"data"); export the project with Export -> JSON.')
    return tasks


def _rasterise(result, height, width, where):
    value = result.get('value', {})
    if result['type'] == 'brushlabels':
        if value.get('format') != 'rle' or 'rle' not in value:
            raise AnnotationError(f'{where}: brush result without an RLE mask.')
        from label_studio_converter.brush import decode_rle  # see brush_results
        try:
            alpha = np.asarray(decode_rle(value['rle']))
        except Exception as err:  # the codec raises bare errors on damaged data
            raise AnnotationError(f'{where}: the brush RLE cannot be decoded ({err}).') from err
        if alpha.size != height * width * 4:
            raise AnnotationError(f'{where}: the brush mask has {alpha.size // 4} pixels, the '
                                  f'image {height}x{width}.')
        return alpha.reshape(height, width, 4)[:, :, 3] >= _PAINTED
    # Polygon points are percent of the image size; a pixel is inside when its centre is.
    points = np.asarray(value.get('points', []), dtype=float) * [width / 100, height / 100]
    if points.ndim != 2 or len(points) < 3:
        raise AnnotationError(f'{where}: a polygon needs at least 3 points.')
    inside = np.zeros((height, width), bool)
    (x0, y0), (x1, y1) = np.clip(np.floor(points.min(0)), 0, None).astype(int), np.minimum(
        np.ceil(points.max(0)).astype(int), [width, height])
    ys, xs = np.mgrid[y0:y1, x0:x1]
    centres = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)
    from matplotlib.path import Path  # here: the training path imports this module
    inside[y0:y1, x0:x1] = Path(points).contains_points(centres).reshape(xs.shape)
    return inside


def read_label_studio_export(path, classes):
    """Masks of every annotated task of a Label Studio JSON export.

    Results are painted in their order, so a later stroke wins where strokes
    overlap; unpainted pixels are ``IGNORE_INDEX``. A task with more than one
    (not cancelled) annotation is reported, as it gives one image two masks.
    """
    index = {name: i for i, name in enumerate(classes)}
    masks, unknown, problems = [], {}, []
    for task in _load(path):
        data, where = task['data'], f'task {task.get("id", "?")}'
        annotations = [a for a in task.get('annotations', []) if not a.get('was_cancelled')]
        if not annotations:
            continue
        if len(annotations) > 1:
            problems.append(f'{where} has {len(annotations)} annotations (keep one)')
            continue
        if 'sample_id' not in data:
            problems.append(f'{where} has no "sample_id" in its data (import the tasks.json '
                            'that mmseg_al exported)')
            continue
        results = [r for r in annotations[0].get('result', [])
                   if r.get('type') in ('brushlabels', 'polygonlabels')]
        others = {r.get('type') for r in annotations[0].get('result', [])} - {
            'brushlabels', 'polygonlabels'}
        if others:
            problems.append(f'{where} has results that are not masks: {sorted(others)}')
            continue
        if not results:
            problems.append(f'{where} ({data["sample_id"]}) is annotated with no mask')
            continue
        sizes = {(r.get('original_height'), r.get('original_width')) for r in results}
        if len(sizes) != 1 or None in next(iter(sizes)):
            problems.append(f'{where} has results without one image size: {list(sizes)}')
            continue
        height, width = sizes.pop()
        mask = np.full((height, width), IGNORE_INDEX, np.uint8)
        for result in results:
            names = result['value'].get(result['type'], [])
            for name in names:
                if name not in index:
                    unknown.setdefault(name, where)
            if len(names) != 1 or names[0] not in index:
                continue
            mask[_rasterise(result, height, width, where)] = index[names[0]]
        masks.append(ReadMask(data['sample_id'], mask, where, data.get('al_cycle')))
    if unknown:
        problems.insert(0, f'unknown class names {sorted(unknown)} (e.g. in '
                        f'{next(iter(unknown.values()))}); the classes are {list(classes)}')
    if problems:
        raise AnnotationError(f'{path}: ' + '; '.join(problems) + '.')
    return masks
