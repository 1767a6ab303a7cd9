"""Generate the digit-scene dataset and its pools (done automatically on first use).

Example:
    python tools/make_digit_scenes.py data/digit_scenes
"""
import argparse
import dataclasses

from mmseg_al.datasets.digit_scenes import DIGIT_POOLS, DigitScenesSpec, prepare_digit_scenes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', nargs='?', default='data/digit_scenes')
    defaults = DigitScenesSpec()
    for field in dataclasses.fields(DigitScenesSpec):
        if field.type is int:
            parser.add_argument(f'--{field.name.replace("_", "-")}', type=int,
                                default=getattr(defaults, field.name), help='(default: %(default)s)')
    args = parser.parse_args(argv)
    spec = DigitScenesSpec(**{f.name: getattr(args, f.name) for f in dataclasses.fields(
        DigitScenesSpec) if f.type is int})
    prepare_digit_scenes(args.out_dir, spec)
    print(f'digit scenes in {args.out_dir}; pools: {", ".join(DIGIT_POOLS)} '
          f'in {args.out_dir}/pools/')


if __name__ == '__main__':
    main()
