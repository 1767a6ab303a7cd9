"""Pure scoring maths of the acquisition functions: tensors in, tensors out.

No mmengine here, so each formula can be tested against hand-computed values.
Convention everywhere: a higher score means a more informative image. One module a
job: single-sample scores, k-center greedy, and batch-aware selection.
"""
from mmseg_al.acquisition.functional.batch import (SAMPLING_MODES, badge_embeddings,
                                                   check_sampling, kmeans_pp_seeding,
                                                   sampling_log_weights, stochastic_top_k)
from mmseg_al.acquisition.functional.kcenter import (check_k_center_inputs,
                                                     expansion_rounding_bound,
                                                     greedy_farthest_first, k_center_greedy,
                                                     nearest_center_sq_distances,
                                                     recompute_near_zero)
from mmseg_al.acquisition.functional.scores import (IGNORE_INDEX, bald_scores,
                                                    entropy_scores, equal_entropy_sum_scores,
                                                    equal_scores, mutual_information_scores,
                                                    pixel_entropy)

__all__ = [
    'IGNORE_INDEX', 'pixel_entropy', 'entropy_scores', 'mutual_information_scores',
    'bald_scores', 'equal_scores', 'equal_entropy_sum_scores', 'expansion_rounding_bound',
    'recompute_near_zero', 'nearest_center_sq_distances', 'greedy_farthest_first',
    'k_center_greedy', 'check_k_center_inputs', 'SAMPLING_MODES', 'check_sampling',
    'sampling_log_weights', 'stochastic_top_k', 'badge_embeddings', 'kmeans_pp_seeding'
]
