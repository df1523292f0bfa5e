"""The team database on PostgreSQL: roles and grants (`team init`), the sync with
reps' laptops (push the outbox, pull the accounts) and assignment.

grants.sql is the one reviewed file of privileges and row-level security;
REP_EDITABLE below must name the same columns as its column-level UPDATE
grant (a test keeps them equal).
"""

from __future__ import annotations

# The account fields a rep may change (in the app, pushed by sync): what a rep
# learns at the customer. Ownership, the reason and do-not-contact are the lead's.
REP_EDITABLE: frozenset[str] = frozenset(
    {
        "contact_name",
        "contact_title",
        "phone",
        "email",
        "notes",
        "closed_weekdays",
        "opens_at",
        "closes_at",
        "competitor_status",
        "competitor_name",
        "digital_responsiveness",
        "reason_solvable",
        "lat",
        "lon",
        "geo_precision",
        "geo_source",
    }
)
