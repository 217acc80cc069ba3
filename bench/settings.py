"""The production settings with one extra route, /bench/ok/: a plain view that answers
"ok" through the whole middleware stack, the yardstick of the pages benchmark."""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
