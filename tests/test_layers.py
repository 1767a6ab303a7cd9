"""Imports only point down the floors of the house, and no two rooms import each other.

Every import of ``mmseg_al`` is read from the source (function-level ones too), so an
arrow hidden in a function body to dodge an import cycle is found like any other.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = 'mmseg_al'
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
# A room's floor; a room imports only rooms on lower floors or its own. Top-level
# modules (registry, compat, fileio and other leaves) are floor 0 and import no room.
FLOORS = dict(acquisition=1, datasets=1, models=1, annotation=1, evaluation=1, analysis=2,
              oracle=2, recommend=3, engine=4, serve=5, study=5)


def room_of(module):
    """The subpackage (or top-level module) a dotted ``mmseg_al`` module name is in."""
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else PACKAGE


def floor_of(room):
    return FLOORS.get(room, 0)


def module_name(path, root=ROOT):
    """The dotted name of the module at ``path`` (a package's ``__init__.py``: the package)."""
    parts = list(path.relative_to(root.parent).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_modules(tree, module, is_package, root=ROOT):
    """``(line, dotted name)`` of every module a parsed file imports.

    ``from a.b import c`` names the module ``a.b.c`` when ``c`` is one, else ``a.b``.
    """
    package = module if is_package else module.rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.split('.')[:len(package.split('.')) - node.level + 1]
                base = '.'.join(anchor + ([base] if base else []))
            for alias in node.names:
                candidate = root.parent.joinpath(*f'{base}.{alias.name}'.split('.'))
                is_module = candidate.with_suffix('.py').is_file() or candidate.is_dir()
                yield node.lineno, f'{base}.{alias.name}' if is_module else base


def arrows(root=ROOT):
    """Sorted ``(file, line, from room, to room)`` of every import between two rooms."""
    found = set()
    for path in sorted(root.rglob('*.py')):
        module = module_name(path, root)
        source = room_of(module)
        tree = ast.parse(path.read_text(), str(path))
        for line, name in imported_modules(tree, module, path.name == '__init__.py', root):
            if name.split('.')[0] == PACKAGE and room_of(name) != source:
                found.add((str(path.relative_to(root.parent)), line, source, room_of(name)))
    return sorted(found)


def upward(found):
    """The arrows that point to a higher floor."""
    return [a for a in found if floor_of(a[3]) > floor_of(a[2])]


def room_cycles(found):
    """Strongly connected groups (more than one room) of the room import graph."""
    graph = {}
    for _, _, source, target in found:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):  # Tarjan: every room in a cycle ends in one group
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _describe(found):
    return '\n'.join(f'  {path}:{line}: {source} -> {target}' for path, line, source, target
                     in found)


def test_every_room_has_a_floor():
    rooms = sorted(p.name for p in ROOT.iterdir() if (p / '__init__.py').is_file())
    assert [r for r in rooms if r not in FLOORS] == [], 'give each new room a floor in FLOORS'


def test_imports_point_down():
    found = upward(arrows())
    assert not found, 'imports that point up a floor:\n' + _describe(found)


def test_no_cycle_between_rooms():
    found = arrows()
    cycles = room_cycles(found)
    members = {room for group in cycles for room in group}
    assert not cycles, f'rooms that import each other: {cycles}\n' + _describe(
        [a for a in found if a[2] in members and a[3] in members])


TRAINING_IMPORTS = """
import sys
from mmengine.registry import init_default_scope
import mmseg_al.engine.al_loop
from mmseg_al.registry import ACQUISITIONS, DATASETS, HOOKS, METRICS, MODELS
init_default_scope('mmseg_al')
for registry, name in ((ACQUISITIONS, 'CoresetAcquisition'), (HOOKS, 'EMATeacherHook'),
                       (DATASETS, 'DigitScenesDataset'), (METRICS, 'PerClassIoUMetric'),
                       (MODELS, 'S4GANSegmentor')):
    assert registry.get(name) is not None, name
print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))
"""


def test_training_imports_no_matplotlib():
    """pyplot costs most of a second of every run's start-up; only analyses draw."""
    out = subprocess.run([sys.executable, '-c', TRAINING_IMPORTS], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == '[]'


@pytest.fixture
def tiny_package(tmp_path):
    """A package laid out like mmseg_al with one arrow of each kind."""
    files = {
        'registry.py': '',
        'fileio.py': 'from mmseg_al.engine import x\n',
        'acquisition/__init__.py': '',
        'acquisition/coreset.py': 'def f():\n    from mmseg_al.analysis.tsne import g\n',
        'analysis/__init__.py': '',
        'analysis/tsne.py': 'import mmseg_al.acquisition.coreset\nfrom mmseg_al import registry\n',
        'engine/__init__.py': 'from .loop import run\n',
        'engine/loop.py': 'from ..analysis import tsne\n',
    }
    for name, text in files.items():
        (tmp_path / PACKAGE / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / PACKAGE / name).write_text(text)
    return tmp_path / PACKAGE


def test_arrows_are_found_with_their_lines(tiny_package):
    found = arrows(tiny_package)
    assert set(found) == {
        ('mmseg_al/acquisition/coreset.py', 2, 'acquisition', 'analysis'),  # in a function
        ('mmseg_al/analysis/tsne.py', 1, 'analysis', 'acquisition'),
        ('mmseg_al/analysis/tsne.py', 2, 'analysis', 'registry'),
        ('mmseg_al/engine/loop.py', 1, 'engine', 'analysis'),  # relative
        ('mmseg_al/fileio.py', 1, 'fileio', 'engine'),
    }  # and none for engine/__init__.py: an import within one room
    assert set(upward(found)) == {('mmseg_al/acquisition/coreset.py', 2, 'acquisition',
                                   'analysis'), ('mmseg_al/fileio.py', 1, 'fileio', 'engine')}
    assert room_cycles(found) == [['acquisition', 'analysis']]
    assert 'mmseg_al/fileio.py:1: fileio -> engine' in _describe(upward(found))
