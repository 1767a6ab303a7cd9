# A2D2 prepared by tools/prepare_a2d2.py (docs/datasets.md, "A2D2"): 1/3 resolution
# (640x402), the study's 19 classes, 256x512 random crops. The train set is the
# active-learning pool: here all 40,135 train frames (the A2D2-3K task); the
# a2d2_<pool>.py files narrow it to one of the paper's 2,640-frame pools. Experiments
# pad batches to the crop (data_preprocessor.size = crop_size), as MMSeg's configs do.
dataset_type = 'A2D2Dataset'
data_root = 'data/a2d2'
crop_size = (256, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
# Evaluation on the whole 640x402 frame, the scale the network is trained at.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.txt',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val.txt',
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='PerClassIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
