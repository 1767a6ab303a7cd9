"""results.json and the mIoU-vs-labeled curve of one experiment."""
import os.path as osp

from mmseg_al.analysis.curves import plot_curves
from mmseg_al.datasets.ssl_dataloader import ssl_model_type
from mmseg_al.evaluation.budget_metrics import budget_summary
from mmseg_al.evaluation.per_class_iou import ALL_CLASSES_MIOU, PER_CLASS_PREFIX
from mmseg_al.fileio import atomic_write_json
from mmseg_al.work_dir_files import CURVE_FILE, RESULTS_FILE


def experiment_results(cfg, al_cfg, state):
    """The results.json document (schema in the README) from the experiment state."""
    cycles = []
    for k, entry in sorted(state.cycles.items()):
        if 'eval' not in entry['done']:
            continue
        metrics = entry['metrics']
        cycles.append(dict(
            cycle=k, num_labeled=entry['num_labeled'], percent_labeled=entry['percent_labeled'],
            mIoU=metrics['mIoU'],
            # None when the evaluator is not PerClassIoUMetric (or predates the key).
            mIoU_all_classes=metrics.get(ALL_CLASSES_MIOU),
            per_class_iou={key[len(PER_CLASS_PREFIX):]: v for key, v in metrics.items()
                           if key.startswith(PER_CLASS_PREFIX)},
            selection_diagnostics=state.cycles.get(k - 1, {}).get('diagnostics'),
            # None for a cycle trained before mmseg_al recorded it.
            environment=entry.get('environment')))
    x = [c['percent_labeled'] for c in cycles]
    y = [c['mIoU'] for c in cycles]
    budgets = [str(int(b)) if float(b).is_integer() else str(b) for b in al_cfg['report_budgets']]
    auc, miou_at = budget_summary(x, y, budgets)
    return dict(
        config=cfg.filename,
        method=al_cfg['acquisition']['type'],
        ssl=ssl_model_type(cfg),
        seed=state.seed,
        num_cycles=al_cfg['num_cycles'],
        cycles=cycles,
        auc=auc,
        miou_at=miou_at)


def write_results(work_dir, cfg, al_cfg, state):
    """Write results.json and the curve plot (after every cycle, so partial runs show)."""
    results = experiment_results(cfg, al_cfg, state)
    atomic_write_json(osp.join(work_dir, RESULTS_FILE), results)
    if results['cycles']:
        label = f"{results['method']} (seed {results['seed']})"
        plot_curves({label: [results]}, osp.join(work_dir, CURVE_FILE),
                    title=osp.basename(str(cfg.filename or work_dir)))
    return results
