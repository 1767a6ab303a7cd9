"""The live loop: a Label Studio ML backend over a human-oracle run (tools/al_serve.py).

``app`` serves the protocol over HTTP, ``protocol`` answers its calls, ``live_loop``
decides what happens next from the work dir, ``live_batch`` keeps the annotations
of the waiting batch, ``predictor`` serves the current model, ``worker`` runs the
driver's next cycle in a child process and ``label_studio_api`` adds batches to
the project.
"""
from mmseg_al.serve.app import create_app
from mmseg_al.serve.label_studio_api import LabelStudioAPI, LabelStudioError
from mmseg_al.serve.live_batch import LiveBatch
from mmseg_al.serve.live_loop import LiveLoop
from mmseg_al.serve.predictor import Predictor, brush_schema, model_version
from mmseg_al.serve.protocol import BadRequest, MLBackend
from mmseg_al.serve.server import build_live_loop, serve
from mmseg_al.serve.worker import CycleWorker

__all__ = ['BadRequest', 'CycleWorker', 'LabelStudioAPI', 'LabelStudioError', 'LiveBatch',
           'LiveLoop', 'MLBackend', 'Predictor', 'brush_schema', 'build_live_loop', 'create_app',
           'model_version', 'serve']
