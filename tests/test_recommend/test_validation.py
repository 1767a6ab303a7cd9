import pytest
from hand_made_study import POOLS, study_rows

from mmseg_al.recommend import fit_study, leave_one_pool_out


def test_leave_one_pool_out_on_the_hand_made_study():
    table = leave_one_pool_out(study_rows(), POOLS)
    by_pool = {(r['pool'], r['budget']): r for r in table}
    assert len(table) == 8 and all(r['hit'] for r in table)
    diverse = by_pool[('diverse', '10-10')]
    assert diverse['recommended'] == diverse['actual_best'] == 'Random' and diverse['lost'] == 0
    # Always-Coreset loses 20 - 0.4 - (16 + 0.4) = 3.2 on the diverse pool.
    assert diverse['lost_Coreset'] == pytest.approx(3.2)
    redundant = by_pool[('very_redundant', '2-2')]
    assert redundant['recommended'] == 'Coreset'
    assert redundant['lost_Random'] == pytest.approx(8 * 0.9 - 4)
    with_ssl = leave_one_pool_out(study_rows(), POOLS, ssl=(False, True))
    assert {(r['pool'], r['budget']): r['actual_best'] for r in with_ssl}[
        ('very_redundant', '10-10')] == 'Coreset-SSL'


def test_a_wrong_recommendation_shows_its_cost():
    """Entropy wins only on the held-out middle pool: the fit cannot know it."""
    rows = study_rows(noise=0)
    for row in rows:
        if row['pool'] == 'mixed' and row['method'] == 'EntropyAcquisition':
            row['auc'] += 3
    mixed = [r for r in leave_one_pool_out(rows, POOLS)
             if r['pool'] == 'mixed' and r['budget'] == '10-10'][0]
    assert mixed['actual_best'] == 'Entropy' and not mixed['hit']
    assert mixed['lost'] == pytest.approx(20.0 - (20 - 1.6))


def test_one_pool_cannot_be_left_out():
    with pytest.raises(ValueError, match='at least two pools'):
        leave_one_pool_out([r for r in study_rows() if r['pool'] == 'mixed'], POOLS)


# The digit study's leave-one-pool-out as docs/study/redundancy.md reports it: Entropy is
# the best supervised strategy in every held-out cell (AUC@50 at 10-10, AUC@25 at 5-5);
# always-Random and always-Coreset lose these.
DIGIT_LOPO = {  # (pool, budget): (lost by always-Random, lost by always-Coreset)
    ('Pool-Aug', '10-10'): (0.575, 0.436), ('Pool-Aug', '5-5'): (0.577, 0.230),
    ('Pool-0f', '10-10'): (0.509, 0.503), ('Pool-0f', '5-5'): (0.425, 0.464),
    ('Pool-11f', '10-10'): (0.937, 0.811), ('Pool-11f', '5-5'): (0.476, 0.416),
    ('Pool-21f', '10-10'): (0.018, 0.371), ('Pool-21f', '5-5'): (0.326, 0.173)}


@pytest.mark.parametrize('ssl', [(False, ), (False, True)])
def test_the_digit_study_held_out_pool_by_pool(ssl):
    """8 of 8 on the shipped digit evidence, with and without SSL candidates."""
    model = fit_study('digits')
    table = leave_one_pool_out(model.rows, model.redundancy, ssl=ssl)
    assert [(r['pool'], r['budget']) for r in table] == list(DIGIT_LOPO)
    for row in table:
        assert row['recommended'] == row['actual_best'] == 'Entropy' and row['lost'] == 0
        assert (row['lost_Random'], row['lost_Coreset']) == pytest.approx(
            DIGIT_LOPO[(row['pool'], row['budget'])], abs=5e-4)
