"""Every environment variable the project reads is documented, and nothing else is.

An operator configures the project from `.env.example` and the README's table of
settings; a variable read in code but missing from either is a setting nobody can
find, and one documented but never read is a setting that silently does nothing.
"""

import re

from tests.dbutils import checkout, documented_variables

#: The sources as committed (under `make mutate` the project runs from a mutated copy,
#: whose altered string literals would read as variables).
BASE_DIR = checkout()
#: The code that reads the environment when the project runs (the tests' own
#: variables, such as TEST_DATABASE_TEMPLATE, are not settings).
READERS = ["config/settings.py", "gunicorn.conf.py", "ops/serving.py"]
READ = re.compile(
    r"""\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"  # django-environ: env("X"), env.int("X")
      | os\.environ(?:\.get)?[(\[]\s*"([A-Z][A-Z0-9_]*)"  # os.environ.get("X"), ["X"]
    """,
    re.VERBOSE,
)


def variables_read() -> set[str]:
    found = set()
    for reader in READERS:
        for match in READ.finditer((BASE_DIR / reader).read_text()):
            found.add(match[1] or match[2])
    return found


def readme_table() -> set[str]:
    """The variables named in the first column of the README's table of settings."""
    readme = (BASE_DIR / "README.md").read_text()
    section = readme.split("### Every setting", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])}


def test_the_readers_are_found():
    # Guards the pattern above: a few variables each reader is known to read.
    assert {"DEBUG", "DATABASE_URL", "CACHE_URL", "PROMETHEUS_MULTIPROC_DIR", "WEB_THREADS"} <= (
        variables_read()
    )


def test_env_example_documents_exactly_what_is_read():
    assert documented_variables() == variables_read()


def test_the_readme_table_documents_exactly_what_is_read():
    assert readme_table() == variables_read()
