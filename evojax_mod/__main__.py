import sys

from evojax_mod.cli import main

sys.exit(main())
