"""The segmentor that predicts, whatever wraps it: what acquisition and oracle query."""
from mmengine.model import is_model_wrapper


def inference_segmentor(model):
    """An SSL segmentor's ``inference_segmentor``, or the model itself; unwraps DDP first."""
    model = model.module if is_model_wrapper(model) else model
    return getattr(model, 'inference_segmentor', model)
