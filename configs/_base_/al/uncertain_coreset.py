# Uncertainty x diversity: the candidate_factor x b most uncertain images (here by
# Entropy), then Coreset's k-center greedy among them, labeled images as the initial
# centers (Suggestive Annotation, Yang et al. 2017; Cluster-Margin, Citovsky et al. 2021).
# candidate_factor=1 is the uncertainty acquisition; one as large as the pool is Coreset.
_base_ = ['./budget_10_10.py']
active_learning = dict(
    acquisition=dict(
        type='UncertainCoresetAcquisition',
        uncertainty=dict(type='EntropyAcquisition'),
        candidate_factor=4,
        coreset=dict(feature_layer='decode_head.bottleneck', pooling='avg')))
