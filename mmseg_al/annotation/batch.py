"""The batch a cycle hands to annotators: ``cycle_<k>/to_label/`` and its manifest.

``batch.json`` is the manifest the importer trusts (cycle, classes, and for each
image its size and where its mask goes); everything else is for people and
their tools: ``batch.csv``, the model's predictions as index PNGs, a Label
Studio project (tasks with pre-annotations + labeling config) and a CVAT package
(image list + the predictions as a Segmentation mask 1.1 zip).
"""
import csv
import io
import json
import os.path as osp

from mmseg_al.annotation.cvat import write_segmentation_mask_zip
from mmseg_al.annotation.label_studio import labeling_config, make_task
from mmseg_al.annotation.masks import AnnotationError, write_index_masks
from mmseg_al.fileio import atomic_write_json, atomic_write_text

MANIFEST = 'batch.json'
LABEL_STUDIO_TASKS = 'label_studio/tasks.json'
LABEL_STUDIO_CONFIG = 'label_studio/labeling_config.xml'
CVAT_IMAGES = 'cvat/images.txt'
CVAT_PREDICTIONS = 'cvat/predictions_segmentation_mask_1.1.zip'
PREDICTIONS = 'predictions'


def write_batch(folder, cycle, items, predictions, classes, palette, image_urls):
    """Export one batch for labeling.

    Args:
        folder (str): ``cycle_<k>/to_label``.
        cycle (int): the cycle whose acquisition chose the batch.
        items (list[dict]): per image, in rank order: ``sample_id``, ``image`` (path),
            ``mask`` (where its imported mask will be written), ``height``, ``width``,
            ``score``.
        predictions (dict[str, np.ndarray]): sample id -> HxW predicted class indices.
        classes (Sequence[str]), palette (Sequence[RGB]): the dataset's classes.
        image_urls (dict[str, str]): sample id -> image URL for Label Studio tasks.
    """
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator='\n')
    writer.writerow(['rank', 'sample_id', 'image', 'score'])
    writer.writerows([i + 1, item['sample_id'], item['image'], item['score']]
                     for i, item in enumerate(items))
    atomic_write_text(osp.join(folder, 'batch.csv'), rows.getvalue())
    write_index_masks(osp.join(folder, PREDICTIONS), predictions)
    model_version = f'mmseg_al cycle {cycle}'
    tasks = [make_task(item['sample_id'], image_urls[item['sample_id']], cycle,
                       predictions[item['sample_id']], classes, model_version) for item in items]
    atomic_write_text(osp.join(folder, LABEL_STUDIO_TASKS), json.dumps(tasks) + '\n')
    atomic_write_text(osp.join(folder, LABEL_STUDIO_CONFIG), labeling_config(classes, palette))
    atomic_write_text(osp.join(folder, CVAT_IMAGES), ''.join(f'{i["image"]}\n' for i in items))
    write_segmentation_mask_zip(osp.join(folder, CVAT_PREDICTIONS), predictions, classes, palette)
    atomic_write_json(osp.join(folder, MANIFEST), dict(
        cycle=cycle, classes=list(classes), palette=[list(map(int, c)) for c in palette],
        items=items))


def read_batch(folder):
    """The manifest of an exported batch."""
    path = osp.join(folder, MANIFEST)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise AnnotationError(f'The batch manifest {path} cannot be read ({err}); it is '
                              'written by tools/al_train.py with the batch and must not be '
                              'edited. Nothing was changed.') from err
