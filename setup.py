"""Install mmseg_al; pins and their reasons live in requirements/*.txt."""
from pathlib import Path

from setuptools import find_packages, setup


def read_requirements(name):
    lines = (Path(__file__).parent / 'requirements' / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith('#')]


setup(
    name='mmseg_al',
    version='0.1.0',
    description='Active learning for semantic segmentation on MMSegmentation 1.x',
    long_description=Path(__file__).with_name('README.md').read_text(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmseg_al', 'mmseg_al.*']),
    # The recommender's default evidence (studies shipped with the package).
    package_data={'mmseg_al.recommend': ['data/*.csv', 'data/*.json']},
    python_requires='>=3.10',
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'faiss': read_requirements('faiss.txt'),
        'dev': read_requirements('tests.txt'),
    },
)
