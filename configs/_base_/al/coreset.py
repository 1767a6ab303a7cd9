# k-center greedy on the ASPP output (decode_head.bottleneck), globally averaged.
# pooling=(2, 2) keeps a coarse layout; projection_dim=<d> projects the features
# at random first; backend='faiss' uses faiss kernels (CPU, or GPU if it sees one).
_base_ = ['./budget_10_10.py']
active_learning = dict(
    acquisition=dict(
        type='CoresetAcquisition',
        feature_layer='decode_head.bottleneck',
        pooling='avg',
        projection_dim=None,
        backend='torch'))
