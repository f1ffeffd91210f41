"""Le questionnaire professionnel (RC TAI, épreuve de synthèse : 45 min, écrit, sous surveillance) :
a question bank in YAML files (questions/), a questionnaire drawn per candidate by a seed, timed,
auto-marked where the answer is exact and left to the jury otherwise.

Modules, one job each: models (the files' schema), bank (loading and checking the files, file:line
errors), compute (numeric questions: parameters drawn from the seed, answers computed), draw (a
questionnaire from the bank), marking (points per answer, per competence), records and db (the
store), cli (the commands), texts (the French sentences).
"""
