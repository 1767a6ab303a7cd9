_base_ = ['./digit_scenes.py']
train_dataloader = dict(dataset=dict(ann_file='pools/pool5f.txt'))
