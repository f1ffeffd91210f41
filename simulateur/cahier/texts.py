"""The cahier des charges' sentences (French), merged into simulateur.i18n.FR."""

FR_CAHIER: dict[str, str] = {
    "cahier.check.id": "l'id « {id} » doit être le nom du fichier (« {stem} »)",
    "cahier.check.dup_probe": "la sonde « {id} » apparaît deux fois : donnez-lui un autre id",
    "cahier.check.dup_requirement": "l'exigence « {id} » apparaît deux fois : donnez-lui un autre id",
    "cahier.check.unknown_probe": "sonde « {id} » inconnue (sondes du cahier : {known})",
    "cahier.check.unused_probe": "la sonde « {id} » ne juge aucune exigence : citez-la dans « probes » d'une exigence ou supprimez-la",
    "cahier.check.unknown_requirement": "exigence « {id} » inconnue (exigences du cahier : {known})",
    "cahier.check.self_need": "l'exigence « {id} » ne peut pas dépendre d'elle-même",
    "cahier.check.need_cycle": "dépendances circulaires entre exigences : {cycle}",
    "cahier.check.no_reference": "l'exigence « {id} » n'a pas de construction de référence : ajoutez « reference: {{{id}: [...]}} »",
    "cahier.check.criterion_referentiel": "le critère « {id} » n'appartient pas au référentiel {ref} du cahier",
    "cahier.unknown": "cahier des charges « {id} » inconnu ; existants : {known}",
}
