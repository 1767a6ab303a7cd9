"""Import the masks annotators made for the batch a human-oracle run waits for.

SOURCE is a folder of index-PNG masks named by sample id, a Label Studio JSON
export (brush and polygon results), or a CVAT "Segmentation mask 1.1" export (zip
or folder). Everything is validated before anything is written; a rejected
import changes nothing, and an interrupted one can be run again.

Examples:
    python tools/al_import.py work_dirs/my_images project-1-export.json
    python tools/al_import.py work_dirs/my_images task_1-segmentation_mask_1.1.zip --format cvat
    python tools/al_import.py work_dirs/my_images my_masks/ --partial
"""
import argparse
import sys

from mmseg_al.annotation import FORMATS, AnnotationError
from mmseg_al.fileio import StateError
from mmseg_al.oracle import import_labels


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dir', help='work dir of the run that waits for labels')
    parser.add_argument('source', help='masks folder, Label Studio JSON export or CVAT export')
    parser.add_argument('--format', default='auto', choices=('auto', ) + FORMATS,
                        help='format of SOURCE (default: from its name and contents)')
    parser.add_argument('--partial', action='store_true',
                        help='import the masks that came back; the other images stay '
                        'unlabeled (they may be chosen again)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        done = import_labels(args.work_dir, args.source, args.format, args.partial)
    except (AnnotationError, StateError) as err:
        sys.exit(f'error: {err}')
    left = (f'; {len(done["not_returned"])} images stay unlabeled'
            if done['not_returned'] else '')
    print(f'[mmseg_al] imported {len(done["ids"])} masks ({done["format"]}) for the batch of '
          f'cycle {done["cycle"]}{left}. Run tools/al_train.py again to train cycle '
          f'{done["cycle"] + 1}.')


if __name__ == '__main__':
    main()
