"""The entretien technique (RC: 20 minutes, the jury's guide d'entretien): a bank of interview
questions (bank.py, questions/), a guide drawn per candidate of an examen blanc with questions on
what her journal shows she did (journal.py, guide.py), the jury's marks (db.py, marking.py) and the
report's section (simulateur.report.model)."""
