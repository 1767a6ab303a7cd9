"""Label Studio's API client: personal access tokens, legacy tokens, paging; no token in text.

A stand-in server on 127.0.0.1 answers as Label Studio 1.23 does: a personal
access token (JWT refresh token) is exchanged for access tokens, an expired one
is answered 401, and legacy tokens are refused.
"""
import base64
import json

import pytest
from flask import Flask, jsonify, request
from serve_helpers import served

from mmseg_al.serve import LabelStudioAPI, LabelStudioError
from mmseg_al.serve.label_studio_api import jwt_type


def jwt(token_type, serial):
    payload = base64.urlsafe_b64encode(json.dumps(dict(
        token_type=token_type, jti=serial)).encode()).decode().rstrip('=')
    return f'eyJhbGciOiJIUzI1NiJ9.{payload}.c2lnbmF0dXJl'


PAT = jwt('refresh', 'personal')


def stand_in():
    app = Flask('label_studio_stand_in')
    issued, tasks = [], [dict(id=i, data=dict(sample_id=f's{i}', al_cycle=0)) for i in range(5)]

    @app.post('/api/token/refresh/')
    def refresh():
        if request.json.get('refresh') != PAT:
            return jsonify(detail='Token is invalid'), 401
        issued.append(jwt('access', len(issued)))
        return jsonify(access=issued[-1])

    def authorised():
        given = request.headers.get('Authorization', '')
        if given.startswith('Token '):
            return jsonify(detail='legacy token authentication has been disabled for this '
                           'organization'), 401
        # Only the newest access token is valid: the earlier ones have expired.
        return None if issued and given == f'Bearer {issued[-1]}' else (
            jsonify(detail='Given token not valid for any token type'), 401)

    @app.get('/api/tasks/')
    def list_tasks():
        refused = authorised()
        if refused:
            return refused
        page, size = int(request.args['page']), int(request.args['page_size'])
        return jsonify(tasks=tasks[(page - 1) * size:page * size], total=len(tasks))

    @app.post('/api/projects/<int:project>/import')
    def add_tasks(project):
        refused = authorised()
        if refused:
            return refused
        tasks.extend(dict(id=len(tasks), data=t['data']) for t in request.json)
        return jsonify(task_count=len(request.json)), 201

    app.issued = issued
    return app


def test_token_kinds():
    assert (jwt_type(PAT), jwt_type(jwt('access', 1))) == ('refresh', 'access')
    assert jwt_type('0123456789abcdef0123456789abcdef01234567') is None
    assert jwt_type('a.b.c') is None


def test_personal_access_token_is_exchanged_and_renewed():
    app = stand_in()
    with served(app) as url:
        api = LabelStudioAPI.from_env(dict(LABEL_STUDIO_URL=url + '/',
                                           LABEL_STUDIO_API_KEY=PAT))
        api.timeout = 10
        assert [t['data']['sample_id'] for t in api.project_tasks(1)] == [
            f's{i}' for i in range(5)]
        app.issued.append(jwt('access', 'someone else'))  # ours has expired meanwhile
        assert api.import_tasks(1, [dict(data=dict(sample_id='s5', al_cycle=1))]) == 1
        assert len(api.project_tasks(1)) == 6
        assert PAT not in repr(api)


def test_refused_tokens_are_reported_without_the_token():
    with served(stand_in()) as url:
        legacy = '0123456789abcdef0123456789abcdef01234567'
        with pytest.raises(LabelStudioError, match='use a personal access token') as err:
            LabelStudioAPI(url, legacy, timeout=10).project_tasks(1)
        assert legacy not in str(err.value)
        stale = jwt('refresh', 'revoked')
        with pytest.raises(LabelStudioError, match='refused the personal access token') as err:
            LabelStudioAPI(url, stale, timeout=10).project_tasks(1)
        assert stale not in str(err.value)
    assert LabelStudioAPI.from_env({}) is None
    with pytest.raises(LabelStudioError, match='LABEL_STUDIO_API_KEY'):
        LabelStudioAPI.from_env(dict(LABEL_STUDIO_URL='http://127.0.0.1:1'))
