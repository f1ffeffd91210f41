"""The questionnaire professionnel (simulateur/quiz): the bank's files and their errors, the numeric
questions' computed answers for many seeds, marking (tolerance, partial credit, the jury's open
answers), the draw, the clock, and the commands end to end."""

from __future__ import annotations

import ipaddress
import re
import time
from pathlib import Path

import pytest

from simulateur.cli import main
from simulateur.errors import ScenarioError, UsageError
from simulateur.quiz import compute, draw, marking, paper
from simulateur.quiz.bank import load_bank, load_file, questionnaire_competences
from simulateur.quiz.db import QuizDB
from simulateur.quiz.models import MultipleChoice, Numeric, Open, SingleChoice
from simulateur.session.store import Store

SEEDS = range(400)


@pytest.fixture(scope="module")
def bank():
    return load_bank()


# --- the bank ----------------------------------------------------------------------------------
def test_the_rc_evaluates_cp5_cp6_cp9_by_the_questionnaire():
    assert questionnaire_competences() == ["TAI.CP5", "TAI.CP6", "TAI.CP9"]


def test_bank_size_and_coverage(bank):
    assert len(bank.questions) >= 60
    by_comp = bank.by_competence()
    assert sorted(by_comp) == ["TAI.CP5", "TAI.CP6", "TAI.CP9"]
    for comp, qs in by_comp.items():
        assert len(qs) >= 15, comp
        assert {q.kind for q in qs} >= {"single", "multiple", "open"}, comp
    assert {q.spec.ask for q in bank.questions.values() if isinstance(q, Numeric) and q.spec.compute == "subnet"} == {
        "network",
        "broadcast",
        "first_host",
        "last_host",
        "mask",
        "hosts",
        "prefix_for_hosts",
    }
    # every criterion of the three competences has a question
    from simulateur import referentiel

    wanted = {c.id for comp in ("TAI.CP5", "TAI.CP6", "TAI.CP9") for c in referentiel.find_competence(comp).criteria}
    assert wanted - {q.criterion for q in bank.questions.values()} == set()


def test_open_questions_carry_their_expected_elements(bank):
    for q in bank.questions.values():
        if isinstance(q, Open):
            assert len(q.expected) >= 2 and all(e.strip() for e in q.expected), q.id


# --- file errors (file:line) -------------------------------------------------------------------
HEAD = 'title: "Essai"\nquestions:\n'
GOOD = """  - id: bonne
    criterion: TAI.CP5.3
    kind: single
    text: "Question"
    choices: ["a", "b"]
    answer: 1
"""


def _errors(tmp_path: Path, body: str, name: str = "essai.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(HEAD + GOOD + body)
    with pytest.raises(ScenarioError) as exc:
        load_file(path)
    for p in exc.value.problems:
        assert p.startswith(f"{path}:"), p
        assert "\n" not in p and "Traceback" not in p
    return exc.value.problems


def _line(problem: str) -> int:
    return int(re.match(r"^[^:]+:(\d+):", problem).group(1))


def test_a_good_file_loads(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(HEAD + GOOD)
    assert [q.id for q in load_file(path).questions] == ["bonne"]


@pytest.mark.parametrize(
    "body, line, words",
    [
        # the answer is not one of the choices: the question's line
        (
            '  - id: hors\n    criterion: TAI.CP5.1\n    kind: single\n    text: "Q"\n    choices: ["a", "b"]\n    answer: 3\n',
            9,
            "choix",
        ),
        # a criterion that does not exist: its own line
        (
            '  - id: inconnu\n    criterion: TAI.CP5.9\n    kind: single\n    text: "Q"\n    choices: ["a", "b"]\n    answer: 1\n',
            10,
            "inconnu",
        ),
        # a criterion of a competence the RC evaluates otherwise (mise en situation)
        (
            '  - id: autre\n    criterion: TAI.CP14.1\n    kind: single\n    text: "Q"\n    choices: ["a", "b"]\n    answer: 1\n',
            10,
            "questionnaire professionnel",
        ),
        # a missing field
        (
            '  - id: sans-choix\n    criterion: TAI.CP6.2\n    kind: multiple\n    text: "Q"\n    answers: [1]\n',
            9,
            "choices",
        ),  # missing: the question's line
        # an unknown kind
        ('  - id: drole\n    criterion: TAI.CP6.2\n    kind: vrai-faux\n    text: "Q"\n', 11, "vrai-faux"),
        # a numeric question may not hold its answer: computed, never written
        (
            (
                '  - id: stockee\n    criterion: TAI.CP9.2\n    kind: numeric\n    text: "{cidr}"\n'
                '    spec: {compute: subnet, ask: network}\n    answer: "10.0.0.0"\n'
            ),
            14,
            "answer",
        ),
        # a hole the computation does not fill
        (
            (
                '  - id: trou\n    criterion: TAI.CP9.2\n    kind: numeric\n    text: "Réseau de {adresse} ?"\n'
                "    spec: {compute: subnet, ask: network}\n"
            ),
            12,
            "adresse",
        ),
        # a tolerance on an address
        (
            (
                '  - id: tolere\n    criterion: TAI.CP9.2\n    kind: numeric\n    text: "{cidr}"\n'
                "    spec: {compute: subnet, ask: broadcast}\n    tolerance: 5\n"
            ),
            14,
            "tolérance",
        ),
        # the same id twice
        (
            '  - id: bonne\n    criterion: TAI.CP5.3\n    kind: open\n    text: "Q"\n    expected: ["x"]\n',
            9,
            "deux fois",
        ),
        # YAML syntax
        ('  - id: casse\n    text: "pas fermé\n', 11, "commencé ligne 10"),
    ],
)
def test_a_bad_file_is_named_with_its_line(tmp_path, body, line, words):
    problems = _errors(tmp_path, body)
    assert any(_line(p) == line and words in p for p in problems), problems


def test_an_id_used_in_two_files_names_both(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(HEAD + GOOD)
    b.write_text(HEAD + "\n" + GOOD)
    with pytest.raises(ScenarioError) as exc:
        load_bank([a, b])
    assert exc.value.problems == [f"{b}:4: " + exc.value.problems[0].split(": ", 1)[1]]
    assert f"{a}:3" in exc.value.problems[0]


def test_validate_command_says_file_and_line(tmp_path, capsys):
    path = tmp_path / "faux.yaml"
    path.write_text(HEAD + GOOD.replace("answer: 1", "answer: 7"))
    assert main(["quiz", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:3: ") and "Traceback" not in err
    ok = tmp_path / "ok.yaml"
    ok.write_text(HEAD + GOOD)
    assert main(["quiz", "validate", str(ok)]) == 0
    assert "1 question valide" in capsys.readouterr().out


# --- numeric questions: computed per seed -------------------------------------------------------
def _subnet(ask: str, lo: int = 8, hi: int = 30) -> Numeric:
    return Numeric.model_validate(
        {
            "id": f"t-{ask.replace('_', '-')}",
            "criterion": "TAI.CP9.2",
            "kind": "numeric",
            "text": "{cidr}",
            "spec": {"compute": "subnet", "ask": ask, "min_prefix": lo, "max_prefix": hi},
        }
    )


PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


@pytest.mark.parametrize(
    "ask", ["network", "broadcast", "first_host", "last_host", "mask", "hosts", "prefix_for_hosts"]
)
def test_subnet_answers_for_many_seeds(ask):
    q = _subnet(ask)
    drawn = set()
    for seed in SEEDS:
        v = compute.draw(q, seed)
        assert compute.draw(q, seed) == v  # the seed decides
        drawn.add(v["cidr"])
        iface = ipaddress.ip_interface(v["cidr"])
        net = iface.network
        prefix = int(v["prefix"])
        assert 8 <= prefix <= 30 and str(net.netmask) == v["mask"] and v["address"] == str(iface.ip)
        assert any(net.subnet_of(p) for p in PRIVATE)  # a private range
        assert iface.ip not in (net.network_address, net.broadcast_address)  # a host's address
        right = {
            "network": str(net.network_address),
            "broadcast": str(net.broadcast_address),
            "first_host": str(next(net.hosts())),
            "mask": str(net.netmask),
            "hosts": str(net.num_addresses - 2),
        }
        if ask == "last_host":
            last = ipaddress.ip_address(compute.expected(q, seed).shown)
            assert last in net and last + 1 == net.broadcast_address
            right["last_host"] = str(last)
        if ask == "prefix_for_hosts":
            n = int(v["hosts_needed"])
            p = int(compute.expected(q, seed).value)
            assert 2 ** (32 - p) - 2 >= n > 2 ** (31 - p) - 2  # fits, and the next smaller does not
            right[ask] = f"/{p}"
        given = right[ask]
        assert compute.judge(q, seed, given) is True, (seed, v, given)
        assert compute.judge(q, seed, f"  {given} ") is True
        assert compute.judge(q, seed, "n'importe quoi") is None
        assert compute.judge(q, seed, "10.255.255.254" if given != "10.255.255.254" else "10.0.0.1") in (False, None)
    assert len(drawn) > len(SEEDS) * 0.9  # seeds draw different parameters


def test_mask_answers_in_both_notations():
    q = _subnet("mask", 26, 26)
    assert compute.judge(q, 1, "255.255.255.192") and compute.judge(q, 1, "/26") and compute.judge(q, 1, "26")
    assert compute.judge(q, 1, "255.255.255.128") is False and compute.judge(q, 1, "255.0.255.0") is None


def test_transfer_tolerance():
    q = Numeric.model_validate(
        {
            "id": "t-tr",
            "criterion": "TAI.CP9.4",
            "kind": "numeric",
            "text": "{size} {rate}",
            "spec": {"compute": "transfer", "sizes_mo": [500], "rates_mbits": [100]},
            "tolerance": 5,
        }
    )
    assert compute.expected(q, 3).value == 40.0  # 500 Mo × 8 / 100 Mbit/s
    for given, ok in [("40", True), ("40 s", True), ("41,9", True), ("38,1", True), ("42,5", False), ("37", False)]:
        assert compute.judge(q, 3, given) is ok, given
    exact = q.model_copy(update={"tolerance": 0.0})
    assert compute.judge(exact, 3, "40,0") is True and compute.judge(exact, 3, "40,1") is False


def test_host_count_is_exact_without_tolerance():
    q = _subnet("hosts", 24, 24)
    assert compute.judge(q, 5, "254") and compute.judge(q, 5, "256") is False and compute.judge(q, 5, "253") is False


def test_bank_numeric_questions_render_for_many_seeds(bank):
    for q in bank.questions.values():
        if isinstance(q, Numeric):
            for seed in range(100):
                text = compute.text(q, seed)
                assert "{" not in text and compute.judge(
                    q, seed, compute.expected(q, seed).shown.split(" (")[0].replace(" s", "")
                ), (q.id, seed)


# --- marking -------------------------------------------------------------------------------------
def _multiple(answers: list[int], n: int = 5) -> MultipleChoice:
    return MultipleChoice(
        id="m",
        criterion="TAI.CP5.3",
        kind="multiple",
        text="Q",
        choices=[f"c{i}" for i in range(n)],
        answers=answers,
        points=3,
    )


@pytest.mark.parametrize(
    "given, points, verdict",
    [
        ("a, c, e", 3.0, "juste"),
        ("a c", 2.0, "partiel"),
        ("A,C,E", 3.0, "juste"),
        ("1 3 5", 3.0, "juste"),
        ("a, c, b", 1.0, "partiel"),
        ("a, b, d", 0.0, "faux"),
        ("a b c d e", 1.0, "partiel"),
        ("b d", 0.0, "faux"),
        ("", 0.0, "sans_reponse"),
        ("z", 0.0, "faux"),
    ],
)
def test_multiple_choice_partial_credit(given, points, verdict):
    m = marking.mark(_multiple([1, 3, 5]), 0, given)
    assert (m.points, m.verdict, m.max) == (pytest.approx(points), verdict, 3)


def test_single_choice():
    q = SingleChoice(id="s", criterion="TAI.CP6.2", kind="single", text="Q", choices=["x", "y", "z"], answer=2)
    assert marking.mark(q, 0, "b").points == 1 and marking.mark(q, 0, "2").verdict == "juste"
    assert marking.mark(q, 0, "a").points == 0 and marking.mark(q, 0, None).verdict == "sans_reponse"
    with pytest.raises(UsageError):
        marking.check_answer(q, "a b")
    with pytest.raises(UsageError):
        marking.check_answer(q, "d")


def test_open_answers_are_left_to_the_jury():
    q = Open(id="o", criterion="TAI.CP5.5", kind="open", text="Q", expected=["un", "deux"], points=2)
    m = marking.mark(q, 0, "ma réponse")
    assert m.points is None and m.verdict == "jury" and m.expected == "un ; deux"
    assert marking.mark(q, 0, "ma réponse", jury_points=1.5).points == 1.5
    result = marking.per_competence([(q, m)])["TAI.CP5"]
    assert (result.pending, result.pending_max, result.marked_max, result.ratio) == (1, 2, 0, None)


# --- the draw ------------------------------------------------------------------------------------
def test_draw_is_seeded_and_covers_each_competence_and_kind(bank):
    papers = {seed: draw.draw(bank, seed) for seed in range(60)}
    for seed, ids in papers.items():
        assert ids == draw.draw(bank, seed)
        assert len(ids) == draw.DEFAULT_COUNT == len(set(ids))
        qs = [bank.questions[i] for i in ids]
        for comp in ("TAI.CP5", "TAI.CP6", "TAI.CP9"):
            mine = [q for q in qs if q.competence == comp]
            assert len(mine) == 7
            assert {q.kind for q in mine} == {q.kind for q in bank.by_competence()[comp]}
    assert len({tuple(ids) for ids in papers.values()}) == len(papers)
    with pytest.raises(UsageError):
        draw.draw(bank, 1, count=2)


# --- the timed questionnaire in the store ---------------------------------------------------------
def test_a_questionnaire_past_its_time_is_refused(store_url, bank):
    db = QuizDB(Store(url=store_url))
    t0 = time.time() - 3600
    run = paper.start(db, seed=11, minutes=45, bank=bank, candidate="Alice", now=t0)
    assert run.id == "q1" and run.deadline == t0 + 45 * 60 and not run.open()
    with pytest.raises(UsageError, match="temps écoulé"):
        paper.answer(db, run, 1, "a", now=t0 + 45 * 60 + 1)
    paper.answer(db, run, 1, "a", now=t0 + 60)  # in time
    assert db.submit(run.id) == run.deadline  # handed in late: closed at its deadline
    with pytest.raises(UsageError, match="déjà remis"):
        paper.answer(db, run, 2, "a", now=t0 + 120)
    assert db.answers(run.id)[run.questions[0].id].answer == "a"


def test_answers_marks_and_result(store_url, bank):
    db = QuizDB(Store(url=store_url))
    run = paper.start(db, seed=5, bank=bank)
    assert run.open() and run.minutes == 45
    opened = [n for n, q in enumerate(run.questions, 1) if isinstance(q, Open)]
    numeric = [n for n, q in enumerate(run.questions, 1) if isinstance(q, Numeric)]
    assert opened and numeric
    n_open, n_num = opened[0], numeric[0]
    paper.answer(db, run, n_open, "ma réponse écrite")
    good = compute.expected(run.questions[n_num - 1], run.seed).shown.split(" (")[0].replace(" s", "")
    paper.answer(db, run, n_num, good)
    with pytest.raises(UsageError, match="en cours"):
        paper.mark_open(db, run, n_open, 1)
    db.submit(run.id)
    run = db.run(run.id)
    with pytest.raises(UsageError, match="pas une réponse ouverte"):
        paper.mark_open(db, run, n_num, 1)
    with pytest.raises(UsageError, match="entre 0"):
        paper.mark_open(db, run, n_open, 99)
    lines = paper.lines(db, run)
    assert lines[n_num - 1].mark.verdict == "juste" and lines[n_open - 1].mark.verdict == "jury"
    paper.mark_open(db, run, n_open, 1, "incomplet")
    assert paper.lines(db, run)[n_open - 1].mark.points == 1
    assert db.marks(run.id)[run.questions[n_open - 1].id].comment == "incomplet"


def test_commands_end_to_end(capsys):
    assert main(["quiz", "start", "--seed", "4", "--minutes", "30", "--candidate", "Bob"]) == 0
    out = capsys.readouterr().out
    assert "q1" in out and "30 min" in out and "graine 4" in out and "21. [TAI.CP9]" in out
    opened = re.findall(r"^(\d+)\. \[[^]]+\] .*\n   \(réponse courte rédigée", out, re.MULTILINE)
    assert opened
    assert main(["quiz", "answer", opened[0], "Une", "réponse", "écrite"]) == 0
    assert main(["quiz", "answer", "1", "a"]) == 0
    assert main(["quiz", "answer", "1", "zz"]) == 2
    assert "choix « zz » inconnu" in capsys.readouterr().err
    assert main(["quiz", "submit"]) == 0
    out = capsys.readouterr().out
    assert "Résultat par compétence" in out and "TAI.CP6 — Apporter un support technique" in out
    assert "À évaluer par le jury" in out and "éléments attendus" in out
    assert main(["quiz", "show", "--run", "q9"]) == 2
    assert "questionnaire « q9 » inconnu" in capsys.readouterr().err
    for argv, said in [
        (["--seed", str(2**70)], "graine"),
        (["--minutes", "0"], "durée"),
        (["--count", "0"], "question"),
    ]:
        assert main(["quiz", "start", *argv]) == 2
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err
    assert main(["quiz", "validate", "/nonexistent/q.yaml"]) == 1
    assert "introuvable" in capsys.readouterr().err
