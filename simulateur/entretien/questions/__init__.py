"""The entretien technique's question bank: YAML files, one per competence (a package so that
they are installed with it)."""
