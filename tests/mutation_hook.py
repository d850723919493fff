"""pytest plugin for `make mutation`: load one engine module with one mutation applied.

Active only when MUTANT=<path>:<index> is set (tests/mutation.py sets it for each run)."""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys

from tests.mutation import mutated_source


class _MutantLoader(importlib.abc.SourceLoader):
    def __init__(self, path: str, index: int):
        self.path, self.index = path, index

    def get_filename(self, fullname: str) -> str:
        return self.path

    def get_data(self, path: str) -> bytes:
        return mutated_source(self.path, self.index).encode()


class _MutantFinder(importlib.abc.MetaPathFinder):
    def __init__(self, path: str, index: int):
        self.module = path.removesuffix(".py").replace("/", ".")
        self.loader = _MutantLoader(path, index)

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.module:
            return None
        return importlib.util.spec_from_loader(fullname, self.loader)


# Installed on import, which `-p` does before pytest-django sets Django up (and with it
# imports the engine through the models).
if os.environ.get("MUTANT"):
    _path, _index = os.environ["MUTANT"].rsplit(":", 1)
    sys.meta_path.insert(0, _MutantFinder(_path, int(_index)))
