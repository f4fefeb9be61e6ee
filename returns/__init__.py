"""The admin's command line for returns: `python -m returns` (see __main__.py).

The work is done below it, in two packages: `intake` (a return's file, from reading and
checking to storing it and rebuilding the database) and `workflow` (returns rounds:
who may do what, drafts, submissions, review, the tracker and the round's report).
"""
