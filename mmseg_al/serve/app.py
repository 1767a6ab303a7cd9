"""The HTTP side of the Label Studio ML backend protocol (Label Studio 1.23).

Routes, as HumanSignal's ``label-studio-ml-backend`` serves them:

- ``GET /health`` (and ``GET /``) -> ``{"status": "UP", ...}``; Label Studio waits 1 s.
- ``POST /setup`` ``{"project": "<id>.<created>", "schema": "<View>...", ...}`` ->
  ``{"model_version": ...}``; Label Studio calls it before each batch of
  predictions and waits 3 s.
- ``POST /predict`` ``{"tasks": [...], "label_config": ..., ...}`` ->
  ``{"results": [one prediction per task]}``.
- ``POST /webhook`` Label Studio's webhook payload -> 201 for the training events,
  200 ``Unknown event`` for others.

Every route answers from what is at hand (the previous model, the files) and
never waits for training. Bodies larger than ``max_body`` are refused (413), a
body that is not a JSON object is answered 400, and with ``basic_auth`` every
route asks for it (401), as the official backend does with ``BASIC_AUTH_USER``
and ``BASIC_AUTH_PASS``.
"""
import hmac
import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from mmseg_al.serve.protocol import BadRequest, MLBackend

logger = logging.getLogger('mmseg_al.serve')
MAX_BODY = 64 * 1024 * 1024


def _same(given, expected):
    return hmac.compare_digest(given.encode(), expected.encode())


def create_app(loop, basic_auth=None, max_body=MAX_BODY):
    """The WSGI app of the backend.

    Args:
        loop (LiveLoop): the experiment served; :class:`MLBackend` answers from it.
        basic_auth (tuple[str, str], optional): (user, password) every request must send.
        max_body (int): the largest request body accepted, in bytes.
    """
    backend = MLBackend(loop)
    app = Flask('mmseg_al.serve')
    app.config['MAX_CONTENT_LENGTH'] = max_body

    @app.before_request
    def check_auth():
        if basic_auth is None:
            return None
        auth = request.authorization
        if (auth is None or auth.type != 'basic' or not _same(auth.username or '', basic_auth[0])
                or not _same(auth.password or '', basic_auth[1])):
            return Response('Unauthorized', 401, {'WWW-Authenticate': 'Basic realm="mmseg_al"'})
        return None

    def body():
        payload = request.get_json(force=True, silent=True)
        if not isinstance(payload, dict):
            raise BadRequest('the body must be a JSON object')
        return payload

    @app.errorhandler(BadRequest)
    def bad_request(err):
        logger.info(f'{request.method} {request.path} answered {err.status}: {err}')
        return jsonify(error=str(err)), err.status

    @app.errorhandler(HTTPException)
    def http_error(err):
        return jsonify(error=err.description), err.code

    @app.get('/')
    @app.get('/health')
    def health():
        return jsonify(backend.health())

    @app.get('/metrics')
    def metrics():
        return jsonify({})

    @app.post('/setup')
    def setup():
        return jsonify(backend.setup(body()))

    @app.post('/predict')
    def predict():
        return jsonify(results=backend.predict(body()))

    @app.post('/webhook')
    def webhook():
        status, answer = backend.webhook(body())
        return jsonify(answer), status

    return app
