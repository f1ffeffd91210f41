from simulateur.ticket import IMPACTS, URGENCIES, priority


def test_glpi_default_matrix_corners_and_monotony():
    assert priority("tres_bas", "tres_basse") == 1
    assert priority("tres_haut", "tres_haute") == 5
    assert priority("moyen", "haute") == 4
    assert priority("moyen", "moyenne") == 3
    for i in IMPACTS:
        values = [priority(i, u) for u in URGENCIES]
        assert values == sorted(values)
