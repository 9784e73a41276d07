"""The error a user can fix by editing a config, below every module that raises it (the config
module and the readers it calls, such as `digit_images`), so none of them imports another for it."""


class ConfigError(ValueError):
    """A config problem a user can fix; str() is one line naming the key."""
