# s4GAN at digit-scene scale: the discriminator at half width (32..256), matching the
# quarter-width segmentor; at full width it costs more than the segmentor it judges.
_base_ = ['./s4gan.py']
ssl = dict(model=dict(discriminator=dict(channels=(32, 64, 128, 256))))
