"""French texts of the VM backend and of its scenario (merged into simulateur.i18n.FR)."""

FR_VM: dict[str, str] = {
    "vm.image_failed": "construction de l'image de la machine virtuelle impossible : {why}",
    "vm.disk_failed": "création du disque de la machine virtuelle impossible : {why}",
    "vm.tap_failed": "interface {tap} de la machine virtuelle impossible à créer : {why}",
    "vm.qemu_failed": "qemu n'a pas démarré : {why}",
    "vm.qmp_failed": "qemu (QMP) ne répond pas : {why}",
    "vm.boot_failed": "la machine virtuelle {host} n'a pas démarré en {seconds} s (console : {log})",
    "vm.no_files": "{host} est une machine virtuelle : ses fichiers ne sont lisibles que par son agent",
    "vm.not_booted": "la machine virtuelle {host} n'est pas encore démarrée",
    "vm.bad_spec": "{host} : une machine virtuelle (kind: vm) a une seule interface, sans adresse fixe ni service",
    "vm.console_banner": "Console série de {host} (machine virtuelle) — « exit » pour revenir (Ctrl-] : revenir sans fermer le shell).",
    "vm.not_staged": "{host} : cette panne s'écrit dans une machine virtuelle avant son premier démarrage",
    "vm.not_vm": "{host} n'est pas une machine virtuelle (kind: vm dans la topologie)",
    "progress.vms": "Démarrage des machines virtuelles…",
}
