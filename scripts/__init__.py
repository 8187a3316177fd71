"""Developer scripts: devrun.py is what `make run` starts (the supervisor of every process)."""
