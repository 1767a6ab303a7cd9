"""The answer a user gets: the evidence named, the pool placed on its scale, a second opinion.

A study's pools carry one kind of redundancy score (``Evidence.score_kind``): the digit
study's are colour scores of its scenes, the paper's are sequence-metadata scores of how
its pools were built. A user's pool is placed with the same kind of score when it has
it; a pool without sequence metadata falls back on its colour score, and the answer
says how far the two agreed where both were measured. The paper and the digit study were
measured in different regimes (pretrained real-data models against from-scratch
synthetic ones), so when they recommend different candidates for the pool, the answer
says so rather than hide one of them.
"""
from mmseg_al.recommend.evidence import SEQUENCE_SCORE, check_study, load_evidence
from mmseg_al.recommend.recommender import fit_evidence

# The packaged study asked for a second opinion, and how an answer names each.
SECOND_OPINION = {'paper': 'digits', 'digits': 'paper'}
SAYS = {'paper': "the paper's tables say", 'digits': 'the digit-scene study says'}
# docs/study/redundancy.md, "Measured agreement" (digit scenes, seed 0 and 1).
IMAGE_SCORE_AGREEMENT = (
    'on the digit scenes it came within 0.025 of the sequence score on Pool-5f/11f/21f, '
    'read 0.57 for 0.54 on Pool-0f and did not see augmented copies (Pool-Aug 0.03 for '
    '0.85); the two are not compared on real images yet')


def placed_score(evidence, scores):
    """The user's score on the scale of ``evidence``'s pools, and how comparable it is.

    Args:
        evidence (Evidence): the study asked.
        scores (dict): :func:`~mmseg_al.analysis.pool_images.score_pool` of the user's
            pool (``features``, and ``sequence`` or None).

    Returns:
        tuple[RedundancyScore, str]: the score used and one sentence on comparability.
    """
    features, sequence = scores['features'], scores.get('sequence')
    if evidence.score_kind != SEQUENCE_SCORE:
        return features, (f'its {features.method} score, the score the study pools got: '
                          'the same definition')
    if sequence is not None:
        return sequence, ('its sequence-metadata score (manifest), the score the study pools '
                          'got from how they were built: the same definition')
    return features, (f'its {features.method} score, as it has no sequence metadata '
                      '(manifest.csv) while the study pools are placed by theirs; '
                      + IMAGE_SCORE_AGREEMENT)


def advise(scores, budget, ssl=(False, ), study=None, candidates=None, auc_budget=None):
    """The recommender's answer for a user's pool, with its evidence and a second opinion.

    Args:
        scores (dict): ``score_pool`` of the pool.
        budget (str): ``'I-S'``.
        ssl (Sequence[bool]): see :meth:`Recommender.recommend`.
        study (str, optional): a packaged study or a study dir; default the paper's.
        candidates (Collection[str], optional): acquisitions to choose from.
        auc_budget (str, optional): B of AUC@B for ``study`` (the second opinion uses
            its own default).

    Returns:
        dict: :meth:`Recommender.recommend`'s answer plus ``study``, ``evidence`` (what
        it rests on), ``redundancy`` (the RedundancyScore used), ``placement`` (how
        comparable it is), ``second_opinion`` (the other packaged study's best
        candidate, or None) and ``disagreement`` (one line naming both answers when
        they differ, else None).
    """
    study = check_study(study)
    evidence = load_evidence(study, auc_budget)
    score, placement = placed_score(evidence, scores)
    answer = fit_evidence(evidence).recommend(score.score, budget, ssl, candidates)
    answer.update(study=study, evidence=evidence.source, redundancy=score, placement=placement,
                  second_opinion=None, disagreement=None)
    other = SECOND_OPINION.get(study)
    if other is None:
        return answer
    other_evidence = load_evidence(other)
    try:
        other_answer = fit_evidence(other_evidence).recommend(
            placed_score(other_evidence, scores)[0].score, budget, ssl, candidates)
    except ValueError:  # no comparable candidate there: no second opinion to give
        return answer
    best, other_best = answer['best']['candidate'], other_answer['best']['candidate']
    answer['second_opinion'] = dict(study=other, evidence=other_evidence.source,
                                    best=other_best)
    # A tie on either side that holds the other's answer is no disagreement.
    if best not in other_answer['tied'] and other_best not in answer['tied']:
        answer['disagreement'] = (f'{SAYS[study]} {best}, {SAYS[other]} {other_best} '
                                  '(other regimes: see docs/recommender.md)')
    return answer
