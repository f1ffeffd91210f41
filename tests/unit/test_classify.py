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
