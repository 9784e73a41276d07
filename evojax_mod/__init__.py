"""evojax_mod: evolve populations of small networks in JAX and measure why modularity evolves.

    import evojax_mod as em
    cfg = em.load_config("configs/clune2013/pcc.yaml", seeds=8, generations=2000)
    result = em.run(cfg, "runs/pcc")
    result.metrics["champion_q"]

`run`, `RunResult` and `modularity` are imported on first use (PEP 562), so that importing the
package or its config module does not import jax.
"""
from __future__ import annotations

import importlib
import typing

from evojax_mod.config import ConfigError, ExperimentConfig, config_from_dict, load_config

if typing.TYPE_CHECKING:
    from evojax_mod import modularity
    from evojax_mod.runner import RunResult, run

__all__ = ["ConfigError", "ExperimentConfig", "RunResult", "config_from_dict", "load_config",
           "modularity", "run"]
__version__ = "0.1.0"

# name -> (module, attribute of it; None = the module itself)
_LAZY = {"run": ("evojax_mod.runner", "run"), "RunResult": ("evojax_mod.runner", "RunResult"),
         "modularity": ("evojax_mod.modularity", None)}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'evojax_mod' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
