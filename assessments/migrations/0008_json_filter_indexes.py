"""Indexes that answer the API's JSON containment filters exactly (jsonb_path_ops).

skill_scores__contains ({"go": {"level": "expert"}}) was served by a jsonb_ops GIN
index, which holds each key and each value of a document as its own entry: it returns
every document with "go", "level" and "expert" anywhere, and each is rechecked. On
300k assessments of three skills each, it returned 13,661 rows for 5,250 matches (a
two-skill query: 1,803 for 382); jsonb_path_ops holds one entry per path to a value
and returned exactly the matches: the first page 43 ms -> 22 ms, the two-skill count
10.8 ms -> 1.1 ms. The planner picks it over the jsonb_ops index by itself.

skill_scores__has_key (?) cannot use jsonb_path_ops (it holds no key on its own), so
the jsonb_ops index stays for it: a skill one assessment in a hundred has is found in
10 ms, against 75 ms reading the table. The two indexes cost a bulk insert of 100k
assessments about 5 % (path_ops) and 20 % (jsonb_ops). integrity_flags has only the
containment filter: its jsonb_ops index is replaced by a jsonb_path_ops one.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    # Built without keeping writers out (CONCURRENTLY), which cannot run in a transaction.
    atomic = False

    dependencies = [
        ("assessments", "0007_audit_trail_per_statement"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="assessmentresult",
            index=GinIndex(
                fields=["skill_scores"],
                name="assessments_skills_path_gin",
                opclasses=["jsonb_path_ops"],
            ),
        ),
        # The new integrity_flags index is in place before the old one goes (and, rolled
        # back, the old one is back before the new one goes).
        AddIndexConcurrently(
            model_name="assessmentresult",
            index=GinIndex(
                fields=["integrity_flags"],
                name="assessments_integrity_path_gin",
                opclasses=["jsonb_path_ops"],
            ),
        ),
        RemoveIndexConcurrently(
            model_name="assessmentresult",
            name="assessments_integrity_gin",
        ),
    ]
