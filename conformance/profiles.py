"""Hypothesis settings profiles, named by purpose, registered in one place.

Selected with Hypothesis' own ``--hypothesis-profile``; ``dev`` when none
is given. Deadlines are off everywhere: each example talks to a server,
so its duration measures I/O jitter, not the code; timing lives in bench/.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

DEFAULT = "dev"
ENV_DB = "CONFORMANCE_HYPOTHESIS_DB"


def register(example_db: Path | str | None = None) -> None:
    """(Re-)register every profile, with the example database at ``example_db``.

    ``None`` means the environment variable, else Hypothesis' own default
    (``.hypothesis/examples`` in the working directory).
    """
    location = example_db or os.environ.get(ENV_DB)
    database = {"database": DirectoryBasedExampleDatabase(location)} if location else {}
    common = {
        "deadline": None,
        # Object graphs are built by several draws; big ones are the point.
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    settings.register_profile("dev", max_examples=20, **common, **database)
    # Reproducible: the same examples on every CI run. Hypothesis forbids an
    # example database with derandomize=True (it would make the run depend
    # on the cache), so the cacheable database serves dev and nightly.
    settings.register_profile(
        "ci", max_examples=200, derandomize=True, print_blob=True, **common
    )
    settings.register_profile("nightly", max_examples=20_000, **common, **database)
    # For judging mutant schemas: the same examples every time, and no
    # shrinking, since only whether a property fails matters there.
    settings.register_profile(
        "mutation",
        max_examples=20,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        **common,
    )


register()
