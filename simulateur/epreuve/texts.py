"""The épreuve blanche's sentences (French), merged into simulateur.i18n.FR."""

FR_EPREUVE: dict[str, str] = {
    "epreuve.unknown_format": "format d'épreuve « {id} » inconnu ; possibles : {known}",
}
FR_EPREUVE.update(
    {
        "epreuve.no_minutes": "le texte source du format « {format} » ne donne pas la durée de la phase « {phase} » : "
        "donnez-la avec --minutes {phase}=N",
        "epreuve.plan_no_candidates": "aucun candidat dans la liste : une ligne par candidat (colonne « nom »)",
        "epreuve.plan_duplicate": "un candidat apparaît deux fois dans la liste",
        "epreuve.plan_bad_platforms": "--platforms {n} : donnez entre 1 et 50 plates-formes",
        "epreuve.plan_bad_hours": "l'heure de début doit précéder l'heure de fin de journée",
        "epreuve.plan_no_jury": "le format « {format} » n'a aucune phase devant le jury",
        "epreuve.plan_block_too_long": "les {minutes} min d'un candidat devant le jury ne tiennent pas dans la journée : "
        "avancez --start ou reculez --end",
        "epreuve.plan_room_too_long": "les phases en salle ne tiennent pas dans la journée du {day} : avancez --start ou reculez --end",
        "epreuve.plan_platform": "plate-forme {n}",
        "epreuve.plan_head": "Planning « {format} » : {platforms} plate(s)-forme(s), {per} candidat(s) par plate-forme et par jour, {days} jour(s)",
        "epreuve.plan_day": "Journée du {day}",
        "epreuve.plan_check_phases": "{candidate} : phases planifiées ({got}) différentes de celles du format",
        "epreuve.plan_check_duration": "{candidate} : la phase « {phase} » n'a pas la durée du référentiel",
        "epreuve.plan_check_two_places": "{candidate} est à deux endroits à la fois ({a} et {b})",
        "epreuve.plan_check_prep_first": "{candidate} passe devant le jury avant la fin de sa phase préparatoire",
        "epreuve.plan_check_split": "{candidate} : son passage devant le jury est coupé sur deux jours",
        "epreuve.plan_check_platform": "{place}, le {day} : {a} et {b} y sont en même temps",
        "epreuve.plan_check_capacity": "{place}, le {day} : {n} candidats pour {max} au plus",
        "epreuve.plan_check_hours": "{candidate} : la phase « {phase} » sort des heures ou des jours ouvrés",
        "epreuve.phase.preparation": "phase préparatoire",
        "epreuve.phase.interventions": "interventions",
        "epreuve.phase.evaluation": "évaluation des interventions",
        "epreuve.phase.questionnaire": "questionnaire professionnel",
        "epreuve.phase.entretien_technique": "entretien technique",
        "epreuve.phase.entretien_final": "entretien final",
        "epreuve.presence.surveillant": "surveillant",
        "epreuve.presence.jury": "jury",
    }
)
FR_EPREUVE.update(
    {
        "epreuve.unknown": "épreuve « {id} » inconnue ; existantes : {known}",
        "epreuve.bad_minutes": "--minutes « {item} » : écrivez PHASE=N (N minutes, de 1 à 480), par exemple interventions=90",
        "epreuve.minutes_unknown_phase": "--minutes : phase(s) {phases} absente(s) de ce format ; ses phases : {known}",
        "epreuve.bad_scale": "--scale {scale} : donnez un facteur entre 0 (exclu) et 1 (les durées du référentiel)",
        "epreuve.bad_count": "--interventions {count} : donnez entre 1 et {max} interventions",
        "epreuve.need_cahier": "le format « {format} » commence par la phase préparatoire : donnez son cahier des charges (--cahier ID)",
        "epreuve.no_preparation": "le format « {format} » n'a pas de phase préparatoire : --cahier est de trop",
        "epreuve.over": "l'épreuve {id} est terminée : voyez « simulateur epreuve report {id} »",
        "epreuve.no_final": "l'épreuve {id} (format {format}) n'a pas d'entretien final",
        "epreuve.final_not_open": "l'entretien final de l'épreuve {id} n'est pas encore ouvert : « simulateur epreuve next {id} »",
        "epreuve.final_empty": "--comment vide : écrivez l'observation du jury",
        "epreuve.no_exam_session": "l'épreuve {id} n'a pas encore d'interventions : l'entretien technique porte sur elles",
        "epreuve.group": "épreuve {id}",
        "epreuve.note.preparation": "cahier des charges {cahier} : laboratoire {lab} (« simulateur cahier show {cahier} » pour le document)",
        "epreuve.note.preparation_done": "recette : {pct} % ; laboratoire sauvegardé ({save}) et arrêté",
        "epreuve.note.interventions": "examen blanc {session} : {count} intervention(s) ; laboratoire en cours {lab} ; "
        'candidat : « simulateur exam status {session} --candidate "{candidate}" »',
        "epreuve.note.interventions_failed": "examen blanc {session} : {why}",
        "epreuve.note.interventions_done": "examen blanc {session} : {done}/{count} intervention(s) remise(s)",
        "epreuve.note.evaluation": 'jury : « simulateur exam jury {session} --candidate "{candidate}" » pour évaluer ses interventions',
        "epreuve.note.questionnaire": "questionnaire {run} : « simulateur quiz show --run {run} », « simulateur quiz answer N RÉPONSE --run {run} »",
        "epreuve.note.questionnaire_done": "questionnaire {run} remis",
        "epreuve.note.entretien": 'guide d\'entretien ({n} questions) : « simulateur exam entretien {session} --candidate "{candidate}" »',
        "epreuve.note.final": 'jury : « simulateur epreuve final {id} --comment "…" » (observation ; le RC n\'y évalue aucun critère)',
        "epreuve.status_head": "Épreuve {id} — {candidate} — {title}",
        "epreuve.status_scale": "(durées du référentiel × {scale})",
        "epreuve.state.todo": "à venir",
        "epreuve.state.open": "en cours, reste {left}",
        "epreuve.state.over_time": "en cours, dépassée de {over}",
        "epreuve.state.done": "terminée en {took}",
        "epreuve.finished": "Épreuve terminée : « simulateur epreuve report {id} »",
        "epreuve.started": "Épreuve {id} créée pour {candidate} ({format}) ; phase ouverte : {phase}",
        "epreuve.advanced": "Phase ouverte : {phase} ({minutes}) — {note}",
        "epreuve.closed": "Phase terminée : {phase} en {took}",
        "epreuve.final_saved": "Entretien final : observation du jury enregistrée ({by})",
        "epreuve.final_line": "Entretien final — observation du jury ({by}) : {comment}",
        "epreuve.list_empty": "aucune épreuve",
        "epreuve.plan_written": "planning écrit dans {path}",
        "epreuve.plan_bad_date": "--date « {value} » : écrivez AAAA-MM-JJ",
        "epreuve.plan_bad_time": "« {value} » : écrivez l'heure HH:MM",
        "epreuve.plan_invalid": "planning incohérent : {problems}",
    }
)
FR_EPREUVE.update(
    {
        "epreuve.verdict.acquis": "acquis",
        "epreuve.verdict.non_acquis": "non acquis",
        "epreuve.verdict.jury": "à évaluer par le jury",
        "epreuve.verdict.en_attente": "en attente",
        "epreuve.verdict.non_evalue": "non évalué",
        "epreuve.grid.src_interventions": "interventions : {verdict}",
        "epreuve.grid.src_recette": "recette du cahier des charges : {pct} %",
        "epreuve.grid.src_quiz": "questionnaire : {points}/{max} points (compétence), {pending} réponse(s) ouverte(s) à noter",
        "epreuve.grid.src_entretien": "entretien technique : {acquis} acquis, {non_acquis} non acquis sur {questions} question(s)",
        "epreuve.grid.no_phase": "aucune phase de ce format ne l'évalue",
        "epreuve.grid.waiting": "phase à venir ou en cours : {phases}",
        "epreuve.grid.no_probe": "aucune sonde ni note ne l'a jugé",
        "epreuve.grid.no_criteria": "(aucun critère d'évaluation dans le texte source : la compétence elle-même)",
        "epreuve.grid.exercised": "exercée par ses interventions ; le texte source ne donne pas de critère",
        "epreuve.grid.title": "Grille du référentiel — {title} ({id})",
        "epreuve.grid.legend": "Modalité(s) : colonnes cochées par les phases de ce format (RC). Questionnaire : acquis à partir de la moitié des points de la compétence.",
        "epreuve.grid.counts": "Bilan : {acquis} acquis, {non_acquis} non acquis, {jury} à évaluer par le jury, {en_attente} en attente, {non_evalue} non évalué(s)",
        "epreuve.grid.phases": "Phases",
        "epreuve.grid.col_criterion": "Critère",
        "epreuve.grid.col_verdict": "Verdict",
        "epreuve.grid.col_sources": "D'où",
    }
)
FR_EPREUVE.update(
    {
        "tui.cmd.epreuve": "Épreuve blanche complète",
        "tui.cmd.epreuve.help": "L'épreuve en cours : ses phases, la suivante, la grille du RC (créée par « simulateur epreuve start »)",
        "tui.epreuve.title": "Épreuve blanche complète",
        "tui.epreuve.help": "Les phases de l'épreuve dans l'ordre du RC, le temps pris ou restant.\n"
        "n : termine la phase en cours et ouvre la suivante (laboratoires construits).\n"
        "g : la grille complète du référentiel, chaque critère avec sa modalité et son verdict.",
        "tui.epreuve.key.next": "Phase suivante",
        "tui.epreuve.key.grid": "Grille du RC",
        "tui.epreuve.opening": "Ouverture de la phase suivante…",
        "tui.epreuve.opened": "Phase ouverte : {phase}",
        "tui.epreuve.none": "Aucune épreuve en cours : « simulateur epreuve start --format … --candidate … »",
        # which scenarios fit her cahier's network (simulateur/epreuve/fit.py)
        "epreuve.fit.topology": "topologie {topology}, le cahier construit {cahier}",
        "epreuve.fit.hosts": "hôtes que le cahier ne construit pas : {hosts}",
        "epreuve.too_few_fitting": "--interventions {count} : {n} scénario(s) seulement vont dans le réseau du cahier « {cahier} » ({fit}) ; demandez-en {n} au plus (--interventions), ou prenez un autre cahier",
        "epreuve.fit.stopped": "services que le cahier laisse arrêtés : {services}",
    }
)
