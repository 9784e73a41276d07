"""Experiments: the interface (`base`), its implementations (`clune`, `elitist`) and the
registry that picks one for a config (`registry.experiment_for`)."""
