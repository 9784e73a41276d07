"""What is asked of the networks: Boolean truth-table tasks and their goals."""
from evojax_mod.tasks.boolean import COMBINERS, combine, combiner_code
from evojax_mod.tasks.retina import RetinaTask, retina_task

__all__ = ["COMBINERS", "combine", "combiner_code", "RetinaTask", "retina_task"]
