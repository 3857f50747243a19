"""`make bench`: the API's hot paths under load beside pgbench on the same SQL (bench/run.py)."""
