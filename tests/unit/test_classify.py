import pytest

from simulateur.journal.classify import Kind, classify

CASES = [
    ("ip a", Kind.DIAGNOSTIC),
    ("ip -br addr show", Kind.DIAGNOSTIC),
    ("ip route", Kind.DIAGNOSTIC),
    ("ip addr add 10.0.0.5/24 dev eth0", Kind.CHANGE),
    ("ip link set eth0 up", Kind.CHANGE),
    ("ping -c 3 192.168.1.1", Kind.TEST),
    ("dig www.exemple.fr", Kind.TEST),
    ("systemctl status dnsmasq", Kind.DIAGNOSTIC),
    ("systemctl restart dnsmasq", Kind.CHANGE),
    ("journalctl -xeu dnsmasq", Kind.DIAGNOSTIC),
    ("dhclient -v eth0", Kind.CHANGE),
    ("cat /etc/resolv.conf", Kind.DIAGNOSTIC),
    ("echo nameserver 1.1.1.1 > /etc/resolv.conf", Kind.CHANGE),
    ("ping -c1 x > /dev/null", Kind.TEST),
    ("nano /etc/dnsmasq.conf", Kind.CHANGE),
    ("sed -n 1,5p /etc/dnsmasq.conf", Kind.DIAGNOSTIC),
    ("sed -i s/a/b/ /etc/dnsmasq.conf", Kind.CHANGE),
    ("ps aux | grep dnsmasq", Kind.DIAGNOSTIC),
    ("systemctl start dnsmasq && ping -c1 srv", Kind.CHANGE),
    ("lpstat -v", Kind.DIAGNOSTIC),
    ("lpoptions -p Couloir", Kind.DIAGNOSTIC),
    ("lpoptions -p Couloir -o sides=two-sided-long-edge", Kind.CHANGE),
    ("lpoptions -d Couloir", Kind.CHANGE),
    ("lpadmin -p Couloir -E -v ipp://10.0.0.5/ipp/print -m everywhere", Kind.CHANGE),
    ("lp /usr/share/cups/data/default-testpage.pdf", Kind.TEST),
    ("cancel -a", Kind.CHANGE),
    ("cupsctl", Kind.DIAGNOSTIC),
    ("cupsctl LogLevel=debug", Kind.CHANGE),
    ("driverless ipp://10.0.0.5/ipp/print", Kind.DIAGNOSTIC),
    ("vdirsyncer sync", Kind.TEST),
    ("vdirsyncer -v debug discover", Kind.TEST),
    ("timeout 30 vdirsyncer sync", Kind.TEST),
    ("vdirsyncer -c /root/autre.conf sync contacts", Kind.TEST),
    ("vdirsyncer showconfig", Kind.DIAGNOSTIC),
    ("vdirsyncer --help", Kind.DIAGNOSTIC),
    ("vdirsyncer repair contacts", Kind.CHANGE),
    ("timeout -s KILL 5 ping -c1 srv", Kind.TEST),
    ("timeout 5 cp a b", Kind.CHANGE),
    ("cd /etc", Kind.OTHER),
    ("", Kind.OTHER),
    ("'unbalanced", Kind.OTHER),
]


@pytest.mark.parametrize("line,kind", CASES)
def test_classify(line, kind):
    assert classify(line) is kind


# --- what really ran (issue 15): the forms candidates use, each with its class -------------------
D, T, C, O = Kind.DIAGNOSTIC, Kind.TEST, Kind.CHANGE, Kind.OTHER
FORMS = [
    # through a shell: sh -c / bash -c, as with `simulateur exec` and in scripts
    ("sh -c 'printf \"auto eth0\\niface eth0 inet dhcp\\n\" > /etc/network/interfaces'", C),
    ("sh -c 'echo test | lp -d Couloir'", T),
    ("bash -c 'cat /etc/resolv.conf'", D),
    ("bash -lc 'systemctl restart cups'", C),
    ("sh -c \"grep -E 'url|password' /etc/vdirsyncer/config\"", D),
    ("sh <<EOF\nsystemctl restart cups\nEOF", C),
    ("sh script.sh", O),
    ("bash -n script.sh", D),
    ("su -c 'service cups restart'", C),
    # over ssh: the remote command counts
    ("ssh poste '/etc/init.d/cups start'", C),
    ("ssh poste lpstat -p", D),
    ("ssh -p 22 root@poste 'ping -c1 192.0.2.1'", T),
    ("ssh poste <<EOF\nsystemctl restart cups\nEOF", C),
    ("ssh poste cat /etc/cups/printers.conf > /root/printers.conf.bak", C),  # the copy is written here
    # services: init scripts, service, invoke-rc.d, update-rc.d, systemctl
    ("service cups restart", C),
    ("service cups status", D),
    ("service --status-all", D),
    ("/etc/init.d/cups start", C),
    ("/etc/init.d/cups restart", C),
    ("/etc/init.d/cups stop", C),
    ("/etc/init.d/cups reload", C),
    ("/etc/init.d/cups status", D),
    ("invoke-rc.d cups restart", C),
    ("invoke-rc.d cups status", D),
    ("update-rc.d cups defaults", C),
    ("update-rc.d -n cups remove", D),
    ("systemctl", D),
    ("systemctl is-active cups", D),
    ("systemctl list-units --type=service", D),
    ("systemctl -t service list-units", D),
    ("systemctl cat cups", D),
    ("systemctl show -p ActiveState cups", D),
    ("systemctl --no-pager status cups", D),
    ("systemctl start cups", C),
    ("systemctl stop cups", C),
    ("systemctl reload cups", C),
    ("systemctl enable --now cups", C),
    ("systemctl disable cups", C),
    ("systemctl mask cups", C),
    ("systemctl daemon-reload", C),
    # dry runs and checks change nothing
    ("apt-get -s upgrade", T),
    ("apt-get --simulate upgrade", T),
    ("apt-get --dry-run install compta-pro", T),
    ("apt-get --just-print upgrade", T),
    ("apt-get --no-act upgrade", T),
    ("apt -s upgrade", T),
    ("apt-get upgrade", C),
    ("apt-get install -y compta-pro=2.3.0", C),
    ("apt policy compta-pro", D),
    ("dpkg --dry-run -i paquet.deb", T),
    ("dpkg --no-act -r compta-pro", T),
    ("dpkg -i paquet.deb", C),
    ("dpkg -l compta-pro", D),
    ("ifup -n eth0", D),
    ("ifdown -n eth0", D),
    ("ifup --no-act eth0", D),
    ("ifup eth0", C),
    ("ifdown eth0", C),
    ("nft -c -f /etc/nftables.conf", D),
    ("nft -f /etc/nftables.conf", C),
    ("dnsmasq --test", D),
    ("dnsmasq -C /etc/dnsmasq.conf", C),
    ("testparm -s", D),
    ("cupsd -t", D),
    ("cupsd", C),
    ("/usr/sbin/sshd -t", D),
    ("visudo -c", D),
    ("visudo", C),
    ("samba-tool user delete Sophie.Martin --dry-run", D),
    ("samba-tool domain level show", D),
    # commands that did run badly are judged by the facts (exit code), not here
    # pipelines, lists, subshells, substitutions
    ("ps aux | grep cupsd", D),
    ("lpstat -p && lp -d Couloir /etc/hostname", T),
    ("lpstat -p; cupsenable Couloir", C),
    ("ping -c1 srv || ip route", T),
    ("( cd /etc/cups && cat printers.conf )", D),
    ("{ ip a; ip r; }", D),
    ("echo $(hostname -I)", D),
    ('echo "$(ip -br a)"', D),
    ("X=$(rm -f /tmp/x) true", C),
    ("for h in srv poste; do ping -c1 $h; done", T),
    ("if ! systemctl is-active cups; then systemctl start cups; fi", C),
    ("while read l; do echo $l; done < /etc/hosts", O),
    ("! grep -q nameserver /etc/resolv.conf", D),
    # redirections that write files change them; saving a look's output is a look
    ("echo nameserver 192.0.2.53 >> /etc/resolv.conf", C),
    ("printf 'a\\n' > /etc/hostname", C),
    ("cat > /etc/dnsmasq.d/lan.conf <<EOF\ndhcp-range=10.0.0.50,10.0.0.150\nEOF", C),
    ("cat <<'EOF' > /etc/dnsmasq.d/lan.conf\ndhcp-range=10.0.0.50,10.0.0.150\nEOF", C),
    ("cat /etc/cups/printers.conf > /root/printers.conf.bak", C),
    ("echo nameserver 192.0.2.53 | tee /etc/resolv.conf", C),
    ("echo nameserver 192.0.2.53 | sudo tee -a /etc/resolv.conf > /dev/null", C),
    ("ip a | tee", D),
    ("ip a > /tmp/etat.txt", D),
    ("ip a 2>&1 | tee /dev/null", D),
    ("ping -c1 srv > /dev/null 2>&1", T),
    ("{ echo a; echo b; } > /etc/x.conf", C),
    ("> /var/log/cups/error_log", C),
    ("ping -c1 srv && ip a > /tmp/etat", T),
    # wrappers
    ("sudo systemctl restart cups", C),
    ("sudo -u lp lpstat -p", D),
    ("sudo -e /etc/hosts", C),
    ("sudo -l", D),
    ("env LANG=C ip a", D),
    ("env", D),
    ("LANG=C dpkg -l", D),
    ("nice -n 10 apt-get upgrade", C),
    ("timeout 5 ping -c1 srv", T),
    ("nohup dnsmasq -d &", C),
    ("ls /etc/*.bak | xargs rm -f", C),
    ("ls /etc/*.conf | xargs -n1 grep -l dhcp", D),
    ("command -v lpq", D),
    ("command systemctl restart cups", C),
    ("exec ip a", D),
    ("time ping -c1 srv", T),
    ("busybox ip addr add 10.0.0.5/24 dev eth0", C),
    ("find /var/spool/cups -name 'd*' -exec rm {} \\;", C),
    ("find /etc -name '*.conf' -exec grep -l dhcp {} +", D),
    ("find /tmp -name '*.old' -delete", C),
    ("watch -n1 'lpstat -o'", D),
    # absolute paths, verbs
    ("/usr/sbin/ip a", D),
    ("/sbin/ip addr add 10.0.0.5/24 dev eth0", C),
    ("ip addr show dev eth0", D),
    ("ip -4 addr show", D),
    ("ip route add default via 10.0.0.1", C),
    ("ip -n lab route", D),
    ("sed -n '/dhcp/p' /etc/dnsmasq.conf", D),
    ("sed -i.bak 's/a/b/' /etc/dnsmasq.conf", C),
    ("sed -ri 's/a/b/' /etc/dnsmasq.conf", C),
    ("sed --in-place 's/a/b/' /etc/dnsmasq.conf", C),
    ("nft list ruleset", D),
    ("nft add rule inet filter input tcp dport 22 accept", C),
    ("nft flush ruleset", C),
    ("iptables -nvL", D),
    ("iptables -t nat -L -n", D),
    ("iptables -A INPUT -p tcp --dport 22 -j ACCEPT", C),
    ("sysctl net.ipv4.ip_forward", D),
    ("sysctl -w net.ipv4.ip_forward=1", C),
    ("sysctl net.ipv4.ip_forward=1", C),
    ("sysctl -p", C),
    ("mount", D),
    ("mount -t ext4", D),
    ("mount /dev/sdb1 /mnt", C),
    ("mount -o remount,rw /", C),
    ("umount /mnt", C),
    ("hostname", D),
    ("hostname -I", D),
    ("hostname poste2", C),
    ("kill -l", D),
    ("crontab -l", D),
    ("passwd -S sophie", D),
    ("passwd sophie", C),
    # what cannot be parsed never raises
    ('echo "unbalanced', O),
    ("if then fi ;;", O),
    ("ls )", D),
    ("$(", O),
]


@pytest.mark.parametrize("line,kind", FORMS)
def test_forms_of_real_work(line, kind):
    assert classify(line) is kind


@pytest.mark.parametrize(
    "line,kind",
    [
        ("nmcli", Kind.DIAGNOSTIC),
        ("nmcli device status", Kind.DIAGNOSTIC),
        ("nmcli -f NAME con show", Kind.DIAGNOSTIC),
        ("nmcli con up lan", Kind.CHANGE),
        ("nmcli con mod lan ipv4.dns 192.0.2.53", Kind.CHANGE),
    ],
)
def test_nmcli_verbs(line, kind):
    assert classify(line) is kind


@pytest.mark.parametrize(
    ("line", "events"),
    [
        ("cp /etc/a.conf{,.orig}", ["backup"]),  # brace expansion, as bash does it
        ("cp -p /etc/{a.conf,a.conf.bak} && sed -i s/x/y/ /etc/a.conf", ["backup", "edit"]),
        ("cp '/etc/a.conf{,.orig}'", []),  # quoted: no expansion
        ("cp /etc/a.conf{.orig}", []),  # no comma: bash leaves it
    ],
)
def test_brace_expansion_is_seen(line, events):
    from simulateur.journal.classify import file_events

    assert file_events(line, "/etc/a.conf") == events
