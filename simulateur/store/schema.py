"""The store's tables, defined once (SQLAlchemy Core): SQLite and PostgreSQL alike.

The migrations (simulateur/store/migrations) create and change them; this module is what the code
reads and writes. JSON documents are kept as text (the same on both backends).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, MetaData, Table, Text

metadata = MetaData()

# An attempt: one trainee on one lab, every fact of it. Its journal (journal.jsonl, exec.jsonl),
# terminal recordings (terminals/*.cast) and sshd logs stay files in `attempt_dir`.
attempts = Table(
    "attempts",
    metadata,
    Column("id", Text, primary_key=True),  # the attempt directory's name
    Column("scenario", Text, nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("referentiel", Text, nullable=False, server_default=""),
    Column("competences", Text, nullable=False, server_default="[]"),  # JSON list
    Column("seed", BigInteger, nullable=False),
    Column("variant", Text),
    Column("candidate", Text),
    Column("mode", Text, nullable=False),
    Column("lab", Text),
    Column("attempt_dir", Text),
    Column("owner_pid", Integer),  # the process that runs the attempt's lab (orphans)
    Column("owner_start", Float),
    Column("owner_machine", Text),  # its machine and boot (store/machine.py; None: this one)
    Column("status", Text, nullable=False),
    Column("started", Float, nullable=False),
    Column("submitted", Float),
    Column("duration", Float),
    Column("qualification", Text),  # JSON ticket.Qualification
    Column("escalation", Text),  # JSON ticket.Escalation
    Column("score_acquis", Integer),  # the last check's score (criteria below)
    Column("score_evalues", Integer),
    Column("score_jury", Integer),
    Column("scenario_json", Text),  # the scenario as played (params drawn, variant merged)
    Column("checked", Float),  # when the last check ran (None: never checked)
    Column("probes", Text),  # JSON list of the last check's probe results
)
Index("attempts_started", attempts.c.started)

fiche = Table(
    "fiche",
    metadata,
    Column("attempt", Text, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated", Float, nullable=False),
)

# The last check's verdicts, one row per criterion.
criteria = Table(
    "criteria",
    metadata,
    Column("attempt", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("criterion", Text, primary_key=True),
    Column("label", Text, nullable=False),
    Column("competence", Text, nullable=False),
    Column("competence_label", Text, nullable=False),
    Column("verdict", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON list of strings
)

hints = Table(
    "hints",
    metadata,
    Column("attempt", Text, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("t", Float, nullable=False),
)

# --- examens blancs ---------------------------------------------------------------------------
exam_sessions = Table(
    "exam_sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("created", Float, nullable=False),
    Column("grp", Text),
    Column("spec", Text, nullable=False),  # JSON exam.models.ExamSession
)

exam_runs = Table(
    "exam_runs",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("candidate", Text, nullable=False),
    Column("started", Float, nullable=False),
    Column("deadline", Float, nullable=False),
    Column("finished", Float),
    Column("watchdog_pid", Integer),
    Column("watchdog_start", Float),
    Column("watchdog_machine", Text),  # its machine and boot (store/machine.py)
    Column("paused", Float),  # paused by the trainer since (None: running)
)

exam_items = Table(
    "exam_items",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("status", Text, nullable=False),
    Column("attempt", Text),
    Column("lab", Text),
    Column("started", Float),
    Column("ended", Float),
    Column("comment", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),  # what happened (lab gone…), not the jury's
)
Index("exam_items_attempt", exam_items.c.attempt)

exam_jury = Table(
    "exam_jury",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("criterion", Text, primary_key=True),
    Column("verdict", Text, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("t", Float, nullable=False),
    Column("by", Text, nullable=False, server_default=""),  # the jury member's login
)

# A candidate's grid signed by a jury member: frozen (no more marks nor comments).
exam_signatures = Table(
    "exam_signatures",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("by", Text, nullable=False),
    Column("t", Float, nullable=False),
)

# Every request to `simulateur serve` (who — the kernel's word, SO_PEERCRED —, when, what, outcome),
# and what it did on its own (a deadline held, a restart).
exam_audit = Table(
    "exam_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("t", Float, nullable=False),
    Column("uid", Integer, nullable=False),
    Column("login", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("verb", Text, nullable=False),
    Column("session", Text),
    Column("candidate", Text),
    Column("detail", Text, nullable=False, server_default=""),
    Column("outcome", Text, nullable=False),  # « ok », « code N », « refusé : … »
)
Index("exam_audit_session", exam_audit.c.session, exam_audit.c.t)

# --- several lab machines (one `simulateur serve` each, one PostgreSQL) ---------------------------
# Each running service: registered at its start, its heartbeat refreshed every few seconds, removed
# when it stops; a heartbeat too old is a machine « injoignable » (killed, crashed, cut off).
lab_machines = Table(
    "lab_machines",
    metadata,
    Column("name", Text, primary_key=True),  # what the trainer reads and pins with (hostname, --name)
    Column("machine", Text, nullable=False),  # its machine and boot (store/machine.py)
    Column("prefix", Text, nullable=False),  # its lab prefix (one service per prefix)
    Column("socket", Text, nullable=False),
    Column("capacity", Integer, nullable=False),  # candidates it runs at once
    Column("pid", Integer, nullable=False),
    Column("started", Float, nullable=False),
    Column("heartbeat", Float, nullable=False),
)

# Which machine runs a candidate's examen (taken by the service she asked, under a table lock: two
# candidates never take its last place). Her run counts against the machine's capacity until finished.
exam_placements = Table(
    "exam_placements",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("machine", Text, nullable=False),  # lab_machines.name
    Column("t", Float, nullable=False),
)
Index("exam_placements_machine", exam_placements.c.machine)

# --- the network API (`simulateur serve --api`) ---------------------------------------------------
# Trainer and jury accounts: a login and an argon2id hash of the password (never the password).
accounts = Table(
    "accounts",
    metadata,
    Column("login", Text, primary_key=True),
    Column("roles", Text, nullable=False),  # "formateur", "jury" or "formateur,jury"
    Column("hash", Text, nullable=False),  # argon2id, with its salt and parameters
    Column("created", Float, nullable=False),
    Column("changed", Float, nullable=False),  # the password's last change (tokens older are void)
)

# A login's bearer tokens: only their SHA-256 is kept (a token is 256 random bits: a fast hash is
# enough, a stolen table gives no token). A candidate's token names her session and her name.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("digest", Text, primary_key=True),
    Column("login", Text, nullable=False),  # the account's login, or « code » for a candidate
    Column("roles", Text, nullable=False),
    Column("session", Text),  # a candidate's: her session and her name
    Column("candidate", Text),
    Column("created", Float, nullable=False),
    Column("expires", Float, nullable=False),
    Column("address", Text, nullable=False, server_default=""),
)
Index("api_tokens_login", api_tokens.c.login)

# A candidate's code for the browser (printed by the trainer, handed on paper): its SHA-256 only;
# a new code for her voids the old one.
exam_codes = Table(
    "exam_codes",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("digest", Text, nullable=False, unique=True),
    Column("created", Float, nullable=False),
)

# --- the questionnaire professionnel (simulateur/quiz) ------------------------------------------
# A candidate's questionnaire: its seed draws the questions and the numeric ones' parameters (their
# answers are computed when marking, never stored); `questions` keeps the drawn questions as they
# were (JSON list), so that a later change of the bank does not change a paper already taken.
quiz_runs = Table(
    "quiz_runs",
    metadata,
    Column("id", Text, primary_key=True),  # q1, q2…
    Column("candidate", Text, nullable=False, server_default=""),
    Column("seed", BigInteger, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("started", Float, nullable=False),
    Column("deadline", Float, nullable=False),
    Column("submitted", Float),
    Column("questions", Text, nullable=False),  # JSON list of models.Question
)
Index("quiz_runs_started", quiz_runs.c.started)

# An answer as given (the last one for a question counts), and when.
quiz_answers = Table(
    "quiz_answers",
    metadata,
    Column("run", Text, primary_key=True),
    Column("question", Text, primary_key=True),
    Column("answer", Text, nullable=False),
    Column("t", Float, nullable=False),
)

# The jury's points for an open answer.
quiz_marks = Table(
    "quiz_marks",
    metadata,
    Column("run", Text, primary_key=True),
    Column("question", Text, primary_key=True),
    Column("points", Float, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("t", Float, nullable=False),
    Column("by", Text, nullable=False, server_default=""),  # the juror's login (0013)
)

# The questionnaire of a session's candidate (exam quiz-start): one per candidate and session.
exam_quizzes = Table(
    "exam_quizzes",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("candidate", Text, nullable=False),
    Column("run", Text, nullable=False, unique=True),  # quiz_runs.id
)

# A trainee's own verdict on the criteria a jury judges, after a training attempt (« auto-évalué »):
# never an exam's, never counted in the score.
self_marks = Table(
    "self_marks",
    metadata,
    Column("attempt", Text, primary_key=True),
    Column("criterion", Text, primary_key=True),
    Column("verdict", Text, nullable=False),  # acquis, non_acquis
    Column("t", Float, nullable=False),
)

# The entretien technique (simulateur/entretien): a candidate's guide d'entretien, frozen once her
# examen is over (the questions as drawn, JSON), and the jury's mark on each of its questions.
entretien_guides = Table(
    "entretien_guides",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("candidate", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("guide", Text, nullable=False),  # JSON: simulateur.entretien.guide.Guide
)

entretien_marks = Table(
    "entretien_marks",
    metadata,
    Column("session", Text, primary_key=True),
    Column("ckey", Text, primary_key=True),
    Column("question", Text, primary_key=True),  # the guide's question id
    Column("verdict", Text, nullable=False),  # acquis, non_acquis
    Column("comment", Text, nullable=False, server_default=""),
    Column("by", Text, nullable=False, server_default=""),
    Column("t", Float, nullable=False),
)

# An épreuve blanche complète (simulateur/epreuve): one candidate, one format (titre TAI, CCP, IDI),
# its phases in the RC's order and what each one opened (JSON: simulateur.epreuve.models.EpreuveState).
epreuves = Table(
    "epreuves",
    metadata,
    Column("id", Text, primary_key=True),  # ep1, ep2…
    Column("candidate", Text, nullable=False),
    Column("format", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("state", Text, nullable=False),
)
