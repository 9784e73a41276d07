"""evojax_mod: evolve populations of small networks in JAX and measure why modularity evolves.

    import evojax_mod as em
    cfg = em.load_config("configs/clune2013/pcc.yaml", seeds=8, generations=2000)
    result = em.run(cfg, "runs/pcc")
    result.metrics["champion_q"]
"""
from evojax_mod import modularity
from evojax_mod.config import ConfigError, ExperimentConfig, config_from_dict, load_config
from evojax_mod.runner import RunResult, run

__all__ = ["ConfigError", "ExperimentConfig", "RunResult", "config_from_dict", "load_config",
           "modularity", "run"]
__version__ = "0.1.0"
