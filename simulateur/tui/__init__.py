"""The terminal app (Textual). Presentation only: every action goes through the same core as the CLI.

The core never imports this package; this package is the only one that imports textual.
"""

from __future__ import annotations


def run() -> int:
    """Run the app on this terminal; whatever ends it, no lab of an unfinished attempt is left behind."""
    from simulateur.tui.app import SimulateurApp

    app = SimulateurApp()
    try:
        app.run()
    finally:
        app.shutdown()
    return int(app.return_code or 0)
