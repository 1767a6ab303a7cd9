# Digit scenes: the embedded default (generated on first use by tools/al_train.py).
# The train set is an active-learning *pool*: its ann_file is a pool file.
dataset_type = 'DigitScenesDataset'
data_root = 'data/digit_scenes'
# Each labeled frame is read many times a cycle: decode it once (mmseg_al/datasets/
# cached_loading.py; the same arrays as LoadImageFromFile / LoadAnnotations).
train_pipeline = [
    dict(type='CachedLoadImageFromFile'),
    dict(type='CachedLoadAnnotations'),
    # No RandomFlip: a mirrored digit is not the same digit (a mirrored 2 looks like
    # a 5), so flipping is not a label-preserving augmentation here.
    dict(type='PhotoMetricDistortion', brightness_delta=16, contrast_range=(0.8, 1.2),
         saturation_range=(0.8, 1.2), hue_delta=8),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='pools/pool11f.txt',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
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
