import os
import subprocess
import sys
from pathlib import Path


def test_xueshi_console_command_runs_anywhere(tmp_path):
    """`xueshi` is the project's manage.py, installed as a console script."""
    exe = Path(sys.executable).with_name("xueshi")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run([str(exe), "check"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
