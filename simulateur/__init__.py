"""simulateur — entraînement TAI / IDI sur de vrais laboratoires réseau."""

__version__ = "0.1.0"
