"""The few calls of Label Studio's REST API the backend makes: list, add and export tasks.

Label Studio 1.23 refuses legacy API tokens unless an organization allows them,
and hands out *personal access tokens* instead: a JWT refresh token, exchanged
at ``/api/token/refresh/`` for a short-lived access token that is sent as
``Authorization: Bearer``. Both kinds work here, told apart by their shape. The
token comes from the environment and appears in no message, log or ``repr``.
"""
import base64
import json
import logging
import os
import threading

import requests

logger = logging.getLogger('mmseg_al.serve')
URL_ENV = 'LABEL_STUDIO_URL'
# The official ML backend reads LABEL_STUDIO_API_KEY; the other name is accepted too.
TOKEN_ENVS = ('LABEL_STUDIO_API_KEY', 'LABEL_STUDIO_ACCESS_TOKEN')
PAGE_SIZE = 100


class LabelStudioError(RuntimeError):
    """Label Studio answered a call with an error (the message never holds the token)."""


def jwt_type(token):
    """``'refresh'`` or ``'access'`` for a Label Studio JWT, None for a legacy token."""
    parts = token.split('.')
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + '=' * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    return payload.get('token_type') if isinstance(payload, dict) else None


class LabelStudioAPI:
    """A Label Studio server, reached with one user's token.

    Args:
        url (str): the server, e.g. ``http://127.0.0.1:8080``.
        token (str): a personal access token (JWT refresh token), an access
            token, or a legacy API token.
        timeout (float): seconds per call.
    """

    def __init__(self, url, token, timeout=60):
        self.url = url.rstrip('/')
        self._token, self._kind = token, jwt_type(token)
        self._access = token if self._kind == 'access' else None
        self.timeout = timeout
        self._session = requests.Session()
        self._refreshing = threading.Lock()

    @classmethod
    def from_env(cls, environ=None):
        """The server named by ``LABEL_STUDIO_URL`` with the token of ``LABEL_STUDIO_API_KEY``.

        Returns None when no URL is set; raises when a URL is set without a token.
        """
        environ = os.environ if environ is None else environ
        url = environ.get(URL_ENV)
        if not url:
            return None
        token = next((environ[name] for name in TOKEN_ENVS if environ.get(name)), None)
        if not token:
            raise LabelStudioError(
                f'{URL_ENV} is set but no token: set {TOKEN_ENVS[0]} to a personal access '
                'token (Label Studio: Account & Settings -> Personal Access Token).')
        return cls(url, token)

    def __repr__(self):
        return f'LabelStudioAPI({self.url!r})'

    # -- authentication -------------------------------------------------------
    def _refresh(self):
        response = self._session.post(f'{self.url}/api/token/refresh/',
                                      json=dict(refresh=self._token), timeout=self.timeout)
        if response.status_code != 200:
            raise LabelStudioError(
                f'Label Studio at {self.url} refused the personal access token '
                f'(HTTP {response.status_code}); make a new one in Account & Settings.')
        self._access = response.json()['access']

    def _authorization(self, renew=False):
        if self._kind is None:
            return f'Token {self._token}'
        if self._kind == 'refresh':
            with self._refreshing:
                if renew or self._access is None:
                    self._refresh()
        return f'Bearer {self._access}'

    def call(self, method, path, **kwargs):
        """One API call; the parsed JSON answer. An expired access token is renewed once."""
        for attempt in range(2):
            headers = dict(Authorization=self._authorization(renew=attempt > 0))
            try:
                response = self._session.request(method, self.url + path, headers=headers,
                                                  timeout=self.timeout, **kwargs)
            except requests.RequestException as err:
                raise LabelStudioError(f'Label Studio at {self.url} cannot be reached '
                                       f'({type(err).__name__}).') from None
            if response.status_code == 401 and self._kind == 'refresh' and attempt == 0:
                continue
            break
        if response.status_code >= 400:
            text = response.text[:300]
            hint = (' Label Studio 1.23 refuses legacy tokens by default: use a personal access '
                    'token.' if 'legacy token' in text.lower() else '')
            raise LabelStudioError(f'Label Studio answered {method} {path} with HTTP '
                                   f'{response.status_code}: {text}{hint}')
        return response.json() if response.content else None

    # -- what the backend does ------------------------------------------------
    def project_tasks(self, project):
        """Every task of ``project`` (``id``, ``data``), page by page."""
        tasks, page = [], 1
        while True:
            answer = self.call('GET', '/api/tasks/', params=dict(
                project=project, page=page, page_size=PAGE_SIZE, fields='task_only'))
            found = answer['tasks'] if isinstance(answer, dict) else answer
            tasks.extend(found)
            total = answer.get('total', len(tasks)) if isinstance(answer, dict) else len(tasks)
            if not found or len(tasks) >= total:
                return tasks
            page += 1

    def import_tasks(self, project, tasks):
        """Add ``tasks`` (``[{"data": {...}}]``) to ``project``; returns how many were added."""
        answer = self.call('POST', f'/api/projects/{project}/import', json=tasks)
        return answer.get('task_count', len(tasks)) if isinstance(answer, dict) else len(tasks)

    def annotated_tasks(self, project):
        """The project's annotated tasks with their annotations (a JSON export)."""
        return self.call('GET', f'/api/projects/{project}/export',
                         params=dict(exportType='JSON'))
