"""Examen blanc: a mock exam modelled on the TAI *mise en situation* phase 2.

A trainer creates a session (interventions drawn from a filtered pool, with a seed), candidates
run it one intervention after another under one countdown, the time-out is enforced by a
watchdog process, the jury ticks what no probe can judge, and reports merge both.

Kept light: the watchdog imports this package before it detaches.
"""
