"""Auto: the study decides which acquisition suits this pool; then it does the work."""
import os.path as osp

from mmengine import dist

from mmseg_al.acquisition.base import BaseAcquisition
from mmseg_al.analysis.pool_images import PoolImages, score_pool
from mmseg_al.config_error import ConfigError
from mmseg_al.fileio import atomic_write_json, read_json
from mmseg_al.recommend.budgets import format_budget, parse_budget
from mmseg_al.recommend.advice import advise
from mmseg_al.recommend.evidence import acquisition_type, check_study
from mmseg_al.registry import ACQUISITIONS

CHOICE_FILE = 'auto_acquisition.json'
# BALD is left out by default: it needs a model with decoder dropout (*_mcd.py).
DEFAULT_CANDIDATES = ('RandomAcquisition', 'EntropyAcquisition', 'EquALAcquisition',
                      'CoresetAcquisition')


@ACQUISITIONS.register_module(name=['AutoAcquisition', 'Auto'])
class AutoAcquisition(BaseAcquisition):
    """Ask the recommender once, at the first acquisition, and delegate to its choice.

    The pool's redundancy is scored from its images (labeled and unlabeled views
    together, no labels read) and its sequence metadata when the data infos carry it,
    the recommender is fitted on ``study`` and asked for the budget of this experiment
    (:func:`~mmseg_al.recommend.advice.advise`); the choice, the evidence it rests on
    and any disagreement of the other packaged study are kept in
    ``<work_dir>/auto_acquisition.json`` so every later cycle (and a resumed run)
    delegates to the same acquisition, and is recorded in each selection's
    ``info['auto']``.

    Args:
        study (str, optional): a study dir of ``tools/al_study.py`` (with its
            ``study_table.csv``) or the name of a study shipped with the package
            (:data:`~mmseg_al.recommend.evidence.PACKAGED_STUDIES`); default the
            paper's real-data tables (``'paper'``), measured with pretrained models as
            a user's are; ``'digits'`` for the digit-scene study.
        budget (str, optional): ``'I-S'``; default read from the experiment itself (the
            initial labeled share and the batch size, as percent of the pool).
        ssl (bool): whether this experiment trains with SSL, so the -SSL results of
            the study are the ones that apply. Whether to use SSL at all is the
            config's choice (``tools/recommend.py --ssl`` answers it beforehand).
        candidates (Sequence[str]): acquisitions to choose from (types, or the names
            a study tags them with, e.g. ``'Entropy'``).
        acquisitions (dict, optional): type -> extra config of that acquisition,
            e.g. ``dict(CoresetAcquisition=dict(backend='faiss'))``.
    """

    def __init__(self, study=None, budget=None, ssl=False,
                 candidates=DEFAULT_CANDIDATES, acquisitions=None):
        # Every setting fails when the experiment is built, not after a cycle of training.
        types = [acquisition_type(c) for c in candidates]
        unknown = [c for c, t in zip(candidates, types) if t in (None, type(self).__name__)]
        if unknown or not candidates:
            raise ConfigError(f'Auto acquisition candidates must be registered acquisitions '
                              f'other than Auto; got {list(candidates)} (unknown: {unknown}).')
        try:
            self.study = check_study(study)
            if budget is not None:
                parse_budget(budget)
        except (FileNotFoundError, ValueError) as err:
            raise ConfigError(f'Auto acquisition (active_learning.acquisition): {err}') from err
        self.budget, self.ssl = budget, bool(ssl)
        self.candidates = tuple(types)
        self.acquisitions = dict(acquisitions or {})
        self.choice = None
        self.delegate = None

    def check_model(self, model):
        """Every candidate must fit the model: any of them may be chosen after cycle 0."""
        for method in self.candidates:
            try:
                self._build(method).check_model(model)
            except ValueError as err:
                raise ValueError(f'Auto acquisition candidate {method}: {err} Or leave it out '
                                 'of active_learning.acquisition.candidates.') from err

    def _build(self, method):
        return ACQUISITIONS.build(dict(type=method, **self.acquisitions.get(method, {})))

    def choose(self, ctx, num):
        """The recommender's answer for this pool (read back if an earlier cycle chose)."""
        path = osp.join(ctx.work_dir, CHOICE_FILE) if ctx.work_dir else None
        if path and osp.isfile(path):
            return read_json(path, 'Auto acquisition choice')
        infos = [loader.dataset.get_data_info(i) for loader in (ctx.labeled_loader,
                                                                ctx.unlabeled_loader)
                 for i in range(len(loader.dataset))]
        scores = score_pool(PoolImages.from_data_infos(infos, source='the AL pool'))
        # The initial share is what was labeled before this experiment's acquisitions.
        budget = self.budget or format_budget(
            100 * (len(ctx.labeled_ids) - ctx.cycle * num) / len(infos), 100 * num / len(infos))
        answer = advise(scores, budget, ssl=(self.ssl, ), study=self.study,
                        candidates=self.candidates)
        choice = dict(acquisition=answer['best']['method'], budget=budget, ssl=self.ssl,
                      tied=answer['tied'],
                      redundancy=answer['redundancy'].to_dict(top_sequences=3),
                      placement=answer['placement'],
                      expected_auc={p['candidate']: [p['auc'], p['std']]
                                    for p in answer['predictions']},
                      study=answer['rests_on'], second_opinion=answer['second_opinion'],
                      disagreement=answer['disagreement'], warnings=answer['warnings'],
                      cycle=ctx.cycle)
        if path and dist.get_rank() == 0:
            atomic_write_json(path, choice)
        return choice

    def select(self, ctx, num):
        if self.choice is None:
            self.choice = self.choose(ctx, num)
            self.delegate = self._build(self.choice['acquisition'])
        selection = self.delegate.select(ctx, num)
        selection.info = dict(selection.info, auto=dict(
            acquisition=self.choice['acquisition'], redundancy=self.choice['redundancy']['score'],
            budget=self.choice['budget'], chosen_in_cycle=self.choice['cycle']))
        return selection
