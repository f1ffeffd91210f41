"""`simulateur serve`: the one privileged process of a lab machine during an examen blanc.

It owns the exam labs, their timers and journals; candidates, trainers and jury members use the
same CLI, unprivileged, which talks to it over a Unix socket (client.py). The kernel tells the
service who is asking (SO_PEERCRED), roles.py says what that person may do, service.py runs
what is allowed (in a worker process of its own, on the client's own terminal passed with
SCM_RIGHTS), holds every deadline and audits every request.
"""
