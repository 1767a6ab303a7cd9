"""Which acquisition (and SSL or not) should label this pool? Asked before any labeling.

Scores the redundancy of the config's pool (its train dataset; no labels read), fits
the recommender on a study's results and prints the answer with the expected AUC@B of
every candidate and the study results it rests on.

Evidence: by default the paper's real-data tables (Cityscapes, PASCAL-VOC, A2D2 pools;
ImageNet-pretrained models, as yours will be), the pool placed by its sequence-metadata
score (its colour score without a manifest). `--study digits` asks the digit-scene study
instead (models trained from scratch on synthetic scenes). Each answer names its
evidence, and says so when the other packaged study recommends something else.

Examples:
    python tools/recommend.py configs/al/random_digits_pool11f.py --budget 10-10 --ssl
    python tools/recommend.py CONFIG --budget 5-5 --study work_dirs/my_study
    python tools/recommend.py --validate          # leave one pool out, on the study
"""
import argparse
import sys

import mmseg_al  # noqa: F401  (applies the compatibility shims before mmseg loads)
from mmengine.config import Config, DictAction

from mmseg_al.analysis.pool_images import PoolImages, score_pool
from mmseg_al.analysis.tables import format_table
from mmseg_al.fileio import StateError
from mmseg_al.recommend import (DEFAULT_STUDY, PACKAGED_STUDIES, advise, fit_study,
                                leave_one_pool_out, normal_budget)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', nargs='?', help='experiment config whose train set is the pool')
    parser.add_argument('--budget', help="budget I-S in percent of the pool, e.g. '10-10'")
    parser.add_argument('--ssl', action='store_true',
                        help='SSL training is an option: -SSL candidates compete too')
    parser.add_argument('--study', default=DEFAULT_STUDY,
                        help='a study dir of tools/al_study.py (read through its '
                        'study_table.csv) or a study shipped with mmseg_al: '
                        f'{", ".join(PACKAGED_STUDIES)} (default: {DEFAULT_STUDY}: the '
                        "paper's measurements come from pretrained models on real data, "
                        "the digit study's from models trained from scratch)")
    parser.add_argument('--auc-budget', help='B of AUC@B to compare runs at (default: per '
                        'budget I-S, the largest all its runs report)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config entries, e.g. '
                        'train_dataloader.dataset.data_root=data/a2d2')
    parser.add_argument('--validate', action='store_true',
                        help='leave-one-pool-out validation of the study instead')
    return parser.parse_args(argv)


def print_score(name, score):
    low, high = score.interval
    print(f'  {name:<9} {score.score:.3f}  [95% CI {low:.3f}, {high:.3f}]  '
          f'~{score.effective_images:.0f} distinct of {score.num_images} images')


def answer_line(answer):
    """The one line a person reads first: the choice, or that there is none to make."""
    best, tied = answer['best'], answer['tied']
    if len(tied) > 1:
        return (f"Recommended: a tie between {', '.join(tied[:-1])} and {tied[-1]} "
                f"(expected AUC@B {best['auc']:.2f} each): either is fine")
    margin = answer['margin_sd']
    sure = ('' if margin is None else f' (ahead of the next by {margin:.1f} standard errors'
            + ('; close: either is fine)' if margin < 1 else ')'))
    return f"Recommended: {best['method']} {'with' if best['ssl'] else 'without'} SSL{sure}"


def recommend(args):
    budget = normal_budget(args.budget)  # a typo fails before the pool is read
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    pool = PoolImages.from_dataset_cfg(cfg.train_dataloader.dataset)
    scores = score_pool(pool)
    print(f'Pool: {pool.source} ({len(pool.ids)} images)')
    print('Redundancy = 1 - N_eff/N (0: all images distinct; 1 - 1/m: each image m times)')
    print_score(scores['features'].method, scores['features'])
    if scores['sequence'] is not None:
        print_score('sequences', scores['sequence'])
        top = ', '.join(f"{s['sequence']} {s['share']:.3f}"
                        for s in scores['features'].per_sequence[:3])
        print(f'  largest per-sequence shares of the {scores["features"].method} score: {top}')
    answer = advise(scores, budget, ssl=(False, True) if args.ssl else (False, ),
                    study=args.study, auc_budget=args.auc_budget)
    print(f"\nEvidence: {answer['evidence']}")
    print(f"  the pool is placed at {answer['redundancy'].score:.3f} by {answer['placement']}")
    print(f'\n{answer_line(answer)}')
    if answer['disagreement']:
        print(f"Disagreement: {answer['disagreement']}")
    reference = answer['reference']
    print(f'\nExpected AUC@B at budget {budget} (fit on the study; ± one standard error); '
          f'candidates are ranked by their gain over {reference} in the same pools:')
    print(format_table([dict(candidate=p['candidate'], method=p['method'],
                             ssl='yes' if p['ssl'] else 'no', **{
                                 'expected AUC@B': f"{p['auc']:.2f}",
                                 '±': '-' if p['std'] is None else f"{p['std']:.2f}",
                                 f'gain over {reference}': f"{p['gain']:+.2f}" + (
                                     '' if p['gain_std'] is None else f" ± {p['gain_std']:.2f}"),
                                 'study runs': p['rows']}) for p in answer['predictions']]))
    rests = answer['rests_on']
    pools = ', '.join(f'{p} ({r:.3f})' for p, r in rests['pools'].items())
    print(f"\nRests on: {rests['source']}: {rests['rows']} runs, pools (redundancy) {pools}; "
          f"budgets {', '.join(rests['budgets'])}; seeds {rests['seeds']}")
    for warning in answer['warnings']:
        print(f'warning: {warning}')


def validate(args):
    model = fit_study(args.study, args.auc_budget)
    table = leave_one_pool_out(model.rows, model.redundancy,
                               ssl=(False, True) if args.ssl else (False, ))
    print(format_table([{k: f'{v:.3f}' if isinstance(v, float) else ('-' if v is None else v)
                         for k, v in row.items()} for row in table]))
    hits = sum(row['hit'] for row in table)
    lost = sum(row['lost'] for row in table) / len(table)
    print(f'\n{hits} of {len(table)} held-out pools got their best strategy; mean AUC@B lost '
          f'against the best: {lost:.3f}')


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.validate:
            validate(args)
        elif not args.config or not args.budget:
            sys.exit('error: give CONFIG and --budget I-S (or --validate).')
        else:
            recommend(args)
    except (FileNotFoundError, StateError, ValueError) as err:
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    main()
