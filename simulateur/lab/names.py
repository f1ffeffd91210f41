"""Name patterns shared by topologies, actions and probes."""

HOST_RE = r"^[a-z][a-z0-9]{0,11}$"
IFACE_RE = r"^[a-z][a-z0-9]{0,14}$"
UNIT_RE = r"^[a-z][a-z0-9-]{0,31}$"
