"""The returns round workflow: the APCC asks the 43 offices for their positions, offices answer,
reviewers accept or return, and only accepted returns are published (through `intake`).

- `access`: who may do what, from the access list the admin keeps
- `database`: the workflow's own tables (SQLAlchemy, Alembic migrations in `migrations/`)
- `guard`: every action checked on the server, refusals rate-limited, the append-only audit log
- `rounds`: opening, listing and closing rounds
- `submitting`: the office's pre-filled answers and workbook, drafts, submitting a return
- `review`: what a submission changes, returning it for changes, accepting (publishing) it
- `progress`: where each force stands in a round (the tracker)
- `report`: the round's report, the draft of the APCC's next collective response
"""
