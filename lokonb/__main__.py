"""``python -m lokonb`` is the ``lokonb`` command."""

import sys

from lokonb.cli import main

sys.exit(main())
