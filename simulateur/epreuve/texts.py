"""The épreuve blanche's sentences (French), merged into simulateur.i18n.FR."""

FR_EPREUVE: dict[str, str] = {
    "epreuve.unknown_format": "format d'épreuve « {id} » inconnu ; possibles : {known}",
}
FR_EPREUVE.update({
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
})
