"""The entretien technique's sentences (French), merged into simulateur.i18n.FR."""

FR_ENTRETIEN: dict[str, str] = {
    "entretien.check.dup_id": "la question « {id} » apparaît deux fois dans ce fichier : donnez-lui un autre id",
    "entretien.check.dup_id_elsewhere": "la question « {id} » existe déjà ({other}) : donnez-lui un autre id",
    "entretien.check.unknown_criterion": "critère « {id} » inconnu (voir « simulateur referentiel »)",
    "entretien.check.not_entretien": "le critère {id} relève de {comp}, qu'aucun entretien technique du RC n'évalue, ni celui du titre ni celui d'un CCP (possibles : {allowed})",
    # questions on her journal: what she did and when, never what was expected of her
    "entretien.q.on_host": " sur {host}",
    "entretien.q.times": " ({n} fois en tout)",
    "entretien.q.file": "Vous avez modifié {subject}{where} à {at}{times} : pourquoi ? Qu'y avez-vous changé ?",
    "entretien.q.service": "Vous avez relancé le service {subject}{where} à {at}{times} : pourquoi, et comment avez-vous vérifié le résultat ?",
    "entretien.q.test": "Vous avez lancé « {subject} »{where} à {at} : qu'attendiez-vous de cette commande, et que vous a-t-elle montré ?",
    "entretien.q.untested": "Votre dernière modification{where} date de {at} (« {subject} ») : comment vous êtes-vous assuré(e) ensuite que l'utilisateur retrouvait un service qui fonctionne ?",
    "entretien.expected.file": "le constat qui a mené à cette modification (symptôme observé, diagnostic)\n"
    "ce qui a été changé dans le fichier et ce que ce réglage commande\n"
    "la précaution prise avant (copie du fichier) et le moyen de revenir en arrière\n"
    "la prise en compte de la modification (service rechargé) et sa vérification",
    "entretien.expected.service": "pourquoi le service devait être relancé (configuration modifiée, service arrêté ou en échec)\n"
    "la vérification de son état (état du service, son journal, le port en écoute)\n"
    "un test du point de vue de l'utilisateur (le service rendu fonctionne)",
    "entretien.expected.test": "ce que la commande vérifie, et pourquoi à ce moment-là\n"
    "le résultat attendu et le résultat obtenu, lus correctement\n"
    "ce qu'un autre résultat aurait signifié, et la suite qu'il aurait fallu donner",
    "entretien.expected.untested": "les tests de fonctionnement qui valident l'intervention (depuis le poste de l'utilisateur)\n"
    "la recette avec l'utilisateur ou le demandeur\n"
    "la trace de ces tests dans la fiche d'intervention",
    "entretien.bank.line": "{comp} — {label} : {count} question(s), {criteria} critère(s)",
    "entretien.no_such_file": "fichier « {path} » introuvable : donnez le chemin d'un fichier de questions d'entretien .yaml",
    "entretien.valid": "{path} : {count} question(s), valide",
    # the jury's command
    "entretien.not_over": "l'examen de {candidate} (session {id}) n'est pas terminé : le guide d'entretien est figé à sa fin, les réponses se notent ensuite",
    "entretien.unknown_question": "question « {question} » inconnue : donnez son numéro (1 à {n}) ou son identifiant",
    "entretien.need_question": "--verdict et --comment notent une question : donnez-la avec --question N",
    "entretien.need_verdict": "donnez --verdict acquis ou --verdict non_acquis (un --comment seul ne modifie qu'une question déjà notée)",
    "entretien.bad_verdict": "verdict « {verdict} » inconnu : acquis ou non_acquis",
    "entretien.head": "Guide d'entretien technique — {candidate}, session {id} ({minutes} minutes, {n} questions)",
    "entretien.preview": "Aperçu : l'examen n'est pas terminé, les questions sur son travail peuvent encore changer ; le guide sera figé à sa fin.",
    "entretien.rc": "Le jury questionne le candidat sur les travaux réalisés et sur les compétences non mises en œuvre précédemment (RC).",
    "entretien.from_journal": "sur son travail, intervention n° {index}",
    "entretien.from_bank": "banque",
    "entretien.informs": "Informe",
    "entretien.informs_competences": "compétences de l'intervention : {comps}",
    "entretien.expected": "Éléments attendus",
    "entretien.follow_up": "Relance",
    "entretien.mark": "Note",
    "entretien.unmarked": "non noté",
    "entretien.tally": "Par compétence",
    "entretien.tally_line": "{id} — {label} : {acquis} acquis, {non_acquis} non acquis, {pending} non noté(s) sur {questions}",
    "entretien.how": 'Noter : simulateur exam entretien {id} --candidate "{candidate}" --question N --verdict acquis|non_acquis [--comment "…"]',
    "entretien.saved": "Question {number} ({id}) : {verdict} — enregistré.",
    "entretien.verdict.acquis": "acquis",
    "entretien.verdict.non_acquis": "non acquis",
    # the report's section
    "report.entretien": "Entretien technique",
    "report.entretien_none": "Pas de guide d'entretien pour ce candidat (« simulateur exam entretien » l'établit une fois l'examen terminé).",
    "report.entretien_intro": "{n} questions, {minutes} minutes (RC). Guide établi le {when}.",
    "report.col.question": "Question",
    "report.col.informs": "Critère",
    "report.col.jury_mark": "Note du jury",
    "report.col.comment": "Commentaire",
}
