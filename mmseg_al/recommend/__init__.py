"""Which acquisition for a pool: evidence readers, the fit, validation, and ``Auto``.

The registry imports this room (``ACQUISITIONS`` locations) so that ``type='Auto'``
builds from a config; nothing below it imports the room.
"""
from mmseg_al.recommend.advice import advise, placed_score
from mmseg_al.recommend.auto import AutoAcquisition
from mmseg_al.recommend.budgets import format_budget, normal_budget, parse_budget
from mmseg_al.recommend.evidence import (DEFAULT_STUDY, PACKAGED_STUDIES, Evidence,
                                         load_evidence, read_study_dir)
from mmseg_al.recommend.paper import paper_pool_redundancy, read_paper_tables
from mmseg_al.recommend.recommender import Recommender, fit_evidence, fit_study
from mmseg_al.recommend.validation import leave_one_pool_out

__all__ = ['AutoAcquisition', 'DEFAULT_STUDY', 'Evidence', 'PACKAGED_STUDIES', 'Recommender',
           'advise', 'fit_evidence', 'fit_study', 'format_budget', 'leave_one_pool_out',
           'load_evidence', 'normal_budget', 'paper_pool_redundancy', 'parse_budget',
           'placed_score', 'read_paper_tables', 'read_study_dir']
