"""Cost of reading a journal: classify 10,000 command lines, then score the journal facts on them.

    .venv/bin/python bench/classify_bench.py [--lines 10000] [--runs 3]

Every line is distinct (numbers, hosts and files vary), so no cache helps: the worst case of
a check. The mix is what trainees type: simple looks and tests, verbs that change, pipelines
and lists, `sh -c '…'`, `ssh HOST '…'`, heredocs, wrappers. The budget is one second for
10,000 lines; the script prints the median time of --runs cold runs, wall clock and CPU time of
this process (on a loaded machine the wall clock also counts the time others had the CPU).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulateur.journal import classify, shell
from simulateur.journal.store import Entry
from simulateur.scenario.models import JournalEvidence
from simulateur.scoring import journal_facts

TEMPLATES = [
    "ip a",
    "ip -br addr show dev eth{n}",
    "ip addr add 10.0.{n}.5/24 dev eth0",
    "ping -c1 10.0.0.{n}",
    "systemctl status cups{n}",
    "systemctl restart dnsmasq{n}",
    "cat /etc/dnsmasq.d/lan{n}.conf",
    "grep -E 'url|password' /etc/vdirsyncer/config{n}",
    "ps aux | grep dnsmasq{n}",
    "sed -i 's/10.0.0.{n}/10.0.0.1/' /etc/resolv.conf",
    "sed -n '{n},$p' /var/log/syslog",
    "echo nameserver 192.0.2.{n} > /etc/resolv.conf",
    "cp /etc/network/interfaces /root/interfaces.{n}.bak",
    "sh -c 'printf \"auto eth0\\niface eth0 inet dhcp # {n}\\n\" > /etc/network/interfaces'",
    "sh -c 'echo test {n} | lp -d Couloir'",
    "ssh poste{n} '/etc/init.d/cups start'",
    "ssh -p 22 root@poste 'lpstat -p Couloir{n} && lp -d Couloir /etc/hostname'",
    "apt-get -s upgrade # {n}",
    "apt-mark hold compta-pro{n}",
    "ifup -n eth{n}",
    "lpq -P Couloir{n}",
    "cat > /etc/dnsmasq.d/lan.conf <<EOF\ndhcp-range=10.0.0.{n},10.0.0.150\nEOF",
    "sudo -u lp env LANG=C timeout 5 lpstat -o Couloir{n}",
    "journalctl -u cups -n {n} --no-pager",
    "for h in srv{n} poste; do ping -c1 $h; done",
    "( cd /etc/cups && grep -n Couloir{n} printers.conf )",
    "echo $(hostname -I) {n} >> /tmp/etat",
    "find /var/spool/cups -name 'd{n}*' -exec rm {{}} \\;",
    "nft list ruleset | grep -c {n}",
    "sysctl -w net.ipv4.conf.eth{n}.forwarding=1",
]


def make_journal(n: int, seed: int = 15) -> list[Entry]:
    rng = random.Random(seed)
    hosts = ["poste", "srv", "technicien", "routeur"]
    entries = []
    for i in range(n):
        cmd = rng.choice(TEMPLATES).format(n=i)
        rc = rng.choice([0, 0, 0, 0, 1, 127])
        entries.append(Entry(t=1000.0 + i, host=rng.choice(hosts), cmd=cmd, rc=rc))
    return entries


def clear_caches() -> None:
    shell._script.cache_clear()
    classify._kinds.cache_clear()
    classify.read.cache_clear()


def _median(times: list[tuple[float, float]]) -> str:
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    return f"{wall:.3f} s ({cpu:.3f} s de processeur)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    entries = make_journal(args.lines)
    evidence = [
        JournalEvidence(journal="diagnosed_before_change", hosts=["poste"]),
        JournalEvidence(journal="tested_after_fix", hosts=["poste"]),
        JournalEvidence(journal="backup_before_edit", paths=["/etc/network/interfaces"]),
        JournalEvidence(journal="remote_changes", hosts=["poste"], origin="technicien"),
    ]
    lines = [e.cmd for e in entries]
    classify_times: list[tuple[float, float]] = []
    facts_times: list[tuple[float, float]] = []
    kinds: list[classify.Kind] = []
    for _ in range(args.runs):
        clear_caches()
        wall, cpu = time.perf_counter(), time.process_time()
        kinds = [classify.classify(line) for line in lines]
        classify_times.append((time.perf_counter() - wall, time.process_time() - cpu))
        clear_caches()
        wall, cpu = time.perf_counter(), time.process_time()
        for ev in evidence:
            journal_facts(ev, entries)
        facts_times.append((time.perf_counter() - wall, time.process_time() - cpu))
    counts = {k.value: kinds.count(k) for k in classify.Kind}
    print(f"{len(lines)} lignes distinctes : {counts}")
    print(f"classement : {_median(classify_times)} (médiane de {args.runs}, caches vidés)")
    print(
        f"faits du journal (4 preuves, dont la sauvegarde d'un fichier) : {_median(facts_times)} "
        f"(médiane de {args.runs}, caches vidés)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
