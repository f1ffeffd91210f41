"""The épreuve blanche's sentences (French), merged into simulateur.i18n.FR."""

FR_EPREUVE: dict[str, str] = {
    "epreuve.unknown_format": "format d'épreuve « {id} » inconnu ; possibles : {known}",
}
