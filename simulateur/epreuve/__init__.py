"""The épreuve blanche complète (issue 19 item 4): the RC's formats as data (formats.yaml, models.py),
a candidate's chained épreuve (core.py, db.py, phases.py), the jury's day planner (planner.py) and
the RC's whole grid as the report (grid.py)."""
