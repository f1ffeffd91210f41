# simulateur — the two commands of the README do the whole set-up on a fresh Debian machine (root):
#   make run    installs what is missing (Debian packages, a venv), then starts the app
#   make test   the same install, then the whole test suite (integration tests build real labs)
# Installs are idempotent and quiet when already done.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The messages' catalogue: the .po is the source (committed), the .mo its compiled form (not committed)
LOCALE := simulateur/locale
MO := $(LOCALE)/fr/LC_MESSAGES/simulateur.mo

DEB_PACKAGES := python3 python3-venv iproute2 util-linux procps psmisc dnsmasq-base isc-dhcp-client \
	iputils-ping bind9-dnsutils nftables tmux ifupdown cups cups-daemon cups-client cups-ipp-utils cups-filters \
	ghostscript dbus radicale vdirsyncer apache2-utils openssh-server openssh-client sshpass traceroute \
	curl ed samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind krb5-user \
	ldap-utils ldb-tools smbclient qemu-system-x86 python3-seccomp gcc libc6-dev openssl

# `make test` only: PostgreSQL's server, for the store's tests on their own throwaway cluster
# (tests/pgcluster.py: initdb in a temp dir, Unix socket only, removed at the end). `make run` needs
# none (SQLite in the data dir; psycopg, the client, is a Python dependency). Debian's package would
# create and start a 15/main cluster on port 5432: before installing it, a drop-in read through the
# include_dir of /etc/postgresql-common/createcluster.conf says create_main_cluster = false.
# And Debian's chromium, the real browser the web pages' tests drive (Playwright, pointed at
# /usr/bin/chromium: no browser download); poppler-utils: pdftotext reads the exported PDFs back.
TEST_DEB_PACKAGES := postgresql chromium poppler-utils
PG_DROPIN := /etc/postgresql-common/createcluster.d/simulateur.conf

# `make bench` only: Mininet for the side-by-side (no recommends: no Open vSwitch, no service started)
BENCH_DEB_PACKAGES := mininet bridge-utils
BENCH_RUNS ?= 5

.PHONY: run test lint test-debs deps debs venv vm-image clean-labs bench docs

run: deps
	@$(VENV)/bin/simulateur

# The suite runs in TEST_JOBS processes (pytest-xdist; each has lab ids of its own: tests/labprefix.py),
# then the few tests marked `alone` one at a time (they break a lab on purpose and watch what `clean`
# does with it: another test's start would reap it first). Both parts always run.
# The 25 slowest tests are listed at the end: where the suite's time goes, in CI's own log.
TEST_JOBS ?= 4

test: deps test-debs
	@$(MAKE) --no-print-directory lint
	@rc=0; $(VPY) -m pytest -q -n $(TEST_JOBS) --dist worksteal --durations=25 -m "not alone" || rc=$$?; \
	$(VPY) -m pytest -q -m alone || rc=$$?; exit $$rc

# Format, lint and types (pyproject: [tool.ruff], [tool.mypy]); the first that fails stops here with
# its findings. make test runs it first.
lint: venv
	@$(VPY) -m ruff format --check --quiet . || { echo "simulateur : ruff format --check a échoué (corrigez avec : $(VPY) -m ruff format .)" >&2; exit 1; }
	@$(VPY) -m ruff check --quiet .
	@$(VPY) -m mypy

bench: deps
	@$(MAKE) --no-print-directory debs DEB_PACKAGES="$(BENCH_DEB_PACKAGES)"
	@$(VPY) bench/bench.py --runs $(BENCH_RUNS) --markdown

deps: debs venv vm-image

test-debs:
	@if ! dpkg-query -W -f='$${Status}\n' postgresql 2>/dev/null | grep -q '^install ok installed$$' \
		&& [ "$$(id -u)" = 0 ] && [ ! -e $(PG_DROPIN) ]; then \
		mkdir -p $(dir $(PG_DROPIN)) && printf '%s\n' "# simulateur (Makefile): no 15/main cluster started by installing postgresql;" \
			"# the tests start a throwaway cluster of their own (tests/pgcluster.py)." "create_main_cluster = false" > $(PG_DROPIN) \
		|| { echo "simulateur : impossible d'écrire $(PG_DROPIN)" >&2; exit 2; }; \
	fi
	@$(MAKE) --no-print-directory debs DEB_PACKAGES="$(TEST_DEB_PACKAGES)"

# The VM hosts' guest image (Debian packages only, `apt-get download`): built once into the cache,
# rebuilt when its recipe changes; quiet when already there.
vm-image: debs venv
	@$(VPY) -m simulateur.vm.backend

debs:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "simulateur : paquets Debian manquants ($$missing) : relancez en root (sudo make …)" >&2; exit 2; fi; \
		echo "Installation des paquets Debian : $$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
		|| { echo "simulateur : échec de l'installation de $$missing (apt-get)" >&2; exit 2; }; \
	fi

venv: $(STAMP) $(MO)

$(MO): $(LOCALE)/fr/LC_MESSAGES/simulateur.po $(STAMP)
	@$(VENV)/bin/pybabel -q compile -D simulateur -d $(LOCALE) \
		|| { echo "simulateur : échec de la compilation du catalogue des messages (pybabel compile)" >&2; exit 2; }

$(STAMP): pyproject.toml
	@if [ ! -x $(VPY) ]; then echo "Création de l'environnement Python ($(VENV))"; $(PYTHON) -m venv $(VENV) \
		|| { echo "simulateur : python3 -m venv a échoué (paquet python3-venv ?)" >&2; exit 2; }; fi
	@echo "Installation des dépendances Python"
	@$(VPY) -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
	@$(VPY) -c "import simulateur, textual, pyroute2, scapy, psutil, pydantic, yaml, pytest, xdist, pytest_textual_snapshot, mypy, tree_sitter, tree_sitter_bash, braceexpand, pyte, sqlalchemy, psycopg, alembic, babel" \
		|| { echo "simulateur : dépendances Python incomplètes" >&2; exit 2; }
	@touch $(STAMP)

clean-labs: deps
	@$(VENV)/bin/simulateur clean --all

# Docs generated from the code and the scenario files (a unit test fails when they are stale):
# docs/catalogue-actions-sondes.md and the coverage table of README.md. And the messages' template
# simulateur/locale/simulateur.pot (every key the code asks for: the start of another language's .po).
docs: deps
	@$(VPY) -m simulateur.docgen
	@$(VENV)/bin/pybabel -q extract -F babel.cfg --no-default-keywords -k tr -k trn:1,1 -k N_ --no-location \
		--sort-output --project simulateur -o $(LOCALE)/simulateur.pot simulateur \
		&& sed -i '/^"POT-Creation-Date: /d' $(LOCALE)/simulateur.pot
