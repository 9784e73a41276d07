"""Typed, frozen experiment configs; YAML in and out; validation with one-line errors.

A config file is a YAML mapping whose sections mirror `ExperimentConfig`. Some sections are
tagged unions: `genome`, `selection`, `problem` and `schedule` pick their class by their own
``kind`` key (`GENOMES`, `SELECTIONS`, `PROBLEMS`, and the problem's schedules: `SCHEDULES`
of Boolean goals for the task problem, `GOAL_SCHEDULES` of continuous goals for data sets);
`mutation` follows the genome kind and `objectives` the selection kind, so neither has a kind
key. Every key is checked: an unknown key (for the chosen
kind), a wrong type or an out-of-range value raises `ConfigError` naming the dotted key and what
is allowed, before anything is written.

Fields that compiled code never reads are declared host-only where they are declared
(`host_only`); `ExperimentConfig.compiled_key` resets them, so configs that differ only there
share compiled programs. This package imports neither jax nor the engine's modules.

One module a section, each importing only those before it: `checks` (the shared validation
helpers), `tasks`, `schedules` (Boolean goals), `goals` (continuous goals), `problems`,
`mutation`, `objectives`, `selection`, `genomes`, `experiment` (run, sweep, `ExperimentConfig`
and how its sections fit together) and `reading` (mappings, YAML, overrides). A new kind of a
section is one dataclass in that section's module plus its entry in the module's registry
(`GENOMES`, `SELECTIONS`, `PROBLEMS`, `SCHEDULES`, `GOAL_SCHEDULES`), and its re-export here
where other modules import it by name.
"""
from evojax_mod.config.checks import host_only
from evojax_mod.config.experiment import KERNELS, ExperimentConfig, RunConfig, SweepConfig, traced_keys
from evojax_mod.config.genomes import (CIRCUIT_MAX_INPUTS, CIRCUIT_WIRINGS, CLUNE_LAYERS, CLUNE_X, CLUNE_Y,
                                       FIRING_RULES, GENOMES, LAYOUTS, MLP_ACTIVATIONS, MLP_INITIALISERS,
                                       WEIGHT_SETS, CircuitGenomeConfig, CnnGenomeConfig, GenomeConfig,
                                       LayeredGenomeConfig, MlpGenomeConfig, ThresholdGenomeConfig,
                                       layer_coordinates)
from evojax_mod.config.goals import (GOAL_SCHEDULES, FixedGoalConfig, MvgGoalConfig, RmvgGoalConfig, ScheduleConfig,
                                     integer_goals)
from evojax_mod.config.mutation import (BIAS_MUTATIONS, LayeredMutationConfig, MutationConfig, NoMutationConfig,
                                        PointMutationConfig)
from evojax_mod.config.objectives import (COST_KINDS, WIRING_DISTANCES, FitnessConfig, LossConfig, ObjectivesConfig,
                                          ParetoObjectivesConfig)
from evojax_mod.config.problems import (DIGIT_LAYOUTS, DIGIT_SOURCES, DIGIT_TARGETS, FORMULAS, PROBLEMS,
                                        DigitPairsConfig, FormulaConfig, ProblemConfig, TaskProblemConfig)
from evojax_mod.config.reading import (FLOAT32_MAX, INT32_RANGE, config_differences, config_from_dict, dump_config,
                                       load_config, parse_override, to_dict)
from evojax_mod.config.schedules import (MAX_FAMILY_SUB_GOALS, SCHEDULES, FixedScheduleConfig, MvgScheduleConfig,
                                         RandomScheduleConfig, RmvgScheduleConfig, SwitchScheduleConfig)
from evojax_mod.config.selection import (ELITIST_SCHEMES, EVOSAX_STRATEGIES, NSGA2_CHAMPIONS, NSGA2_MAX_POPULATION,
                                         OPTAX_RULES, SELECTIONS, ElitistSelectionConfig, EvosaxSelectionConfig,
                                         Nsga2Config, OptaxSelectionConfig, SelectionConfig)
from evojax_mod.config.tasks import TaskConfig
from evojax_mod.errors import ConfigError
