# BADGE (Ash et al., ICLR 2020): gradient embeddings of each image at the decode head's
# final 1x1 classifier (conv_seg), then k-means++ seeding picks the batch. Each rank holds
# N x classes x channels float32 (40,000 x 19 x 256: 778 MB); projection_dim=<d> keeps
# N x d instead (seeded Gaussian projection, applied batch by batch).
_base_ = ['./budget_10_10.py']
active_learning = dict(
    acquisition=dict(
        type='BADGEAcquisition', classifier='decode_head.conv_seg', projection_dim=None))
