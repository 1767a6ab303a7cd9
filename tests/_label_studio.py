"""A real Label Studio 1.23 on 127.0.0.1 for tests: installed once, started, signed in to.

Label Studio is installed once into its own virtual environment (its pins clash
with ours), cached in ``$MMSEG_AL_LABEL_STUDIO_VENV`` (default
``~/.cache/mmseg_al/label-studio-1.23``).
"""
import contextlib
import os
import os.path as osp
import shutil
import signal
import socket
import subprocess
import sys
import time

LABEL_STUDIO = 'label-studio==1.23.2'
USER, PASSWORD = 'annotator@example.com', 'not-a-secret-42'
# The server must not call out: no error reports, analytics or version checks.
QUIET = dict(SENTRY_DSN='', FRONTEND_SENTRY_DSN='', COLLECT_ANALYTICS='false',
             LATEST_VERSION_CHECK='false')


def label_studio_venv():
    """The cached virtual environment with Label Studio, installed on first use."""
    cache = os.environ.get('XDG_CACHE_HOME') or osp.expanduser(osp.join('~', '.cache'))
    root = os.environ.get('MMSEG_AL_LABEL_STUDIO_VENV') or osp.join(
        cache, 'mmseg_al', 'label-studio-1.23')
    marker = osp.join(root, '.installed')
    if not (osp.isfile(marker) and open(marker).read() == LABEL_STUDIO):
        shutil.rmtree(root, ignore_errors=True)  # a half-finished install
        subprocess.run([sys.executable, '-m', 'venv', root], check=True)
        subprocess.run([osp.join(root, 'bin', 'python'), '-m', 'pip', 'install', '-q',
                        LABEL_STUDIO], check=True, timeout=3600)
        with open(marker, 'w') as f:
            f.write(LABEL_STUDIO)
    return root


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def label_studio_server(venv, data_dir, document_root, **extra_env):
    """Start Label Studio on 127.0.0.1 with a preset user; stop it by its pid."""
    import requests
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(QUIET, LABEL_STUDIO_USERNAME=USER, LABEL_STUDIO_PASSWORD=PASSWORD,
               LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED='true',
               LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=document_root,
               LABEL_STUDIO_BASE_DATA_DIR=data_dir, **extra_env)
    log = open(osp.join(data_dir, 'server.log'), 'w')
    server = subprocess.Popen(
        [osp.join(venv, 'bin', 'label-studio'), 'start', '--no-browser', '--host', '127.0.0.1',
         '--internal-host', '127.0.0.1', '-p', str(port), '--data-dir', data_dir], env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.time() + 600  # the first start migrates its database
        while True:
            assert server.poll() is None, open(log.name).read()[-3000:]
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(url + '/health', timeout=5).json().get('status') == 'UP':
                    break
            assert time.time() < deadline, 'Label Studio did not start'
            time.sleep(2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the server and its children
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def personal_access_token(url):
    """Sign in as the browser does and make a personal access token (a JWT refresh token)."""
    import requests
    browser = requests.Session()
    browser.get(url + '/user/login/')
    login = browser.post(url + '/user/login/', allow_redirects=False,
                         data=dict(email=USER, password=PASSWORD,
                                   csrfmiddlewaretoken=browser.cookies['csrftoken']),
                         headers=dict(Referer=url + '/user/login/'))
    assert login.status_code == 302, login.text[:500]
    created = browser.post(url + '/api/token/', headers={
        'X-CSRFToken': browser.cookies['csrftoken'], 'Referer': url})
    assert created.status_code == 201, created.text
    return created.json()['token']


def access_token(url):
    """Sign in as the browser does, make a personal access token, refresh it to a JWT."""
    import requests
    refreshed = requests.post(url + '/api/token/refresh/', json=dict(
        refresh=personal_access_token(url)))
    assert refreshed.status_code == 200, refreshed.text
    return refreshed.json()['access']
