"""apt.source reads the host's APT sources as APT does (one-line and deb822, disabled stanzas and
deb-src left out, trusted/signed-by) and knows where each source's package index is."""

from __future__ import annotations

from simulateur.probes.aptsource import offers, parse_sources


def test_one_line_flat_repository_trusted() -> None:
    [src] = parse_sources(
        {
            "/etc/apt/sources.list": "# commentaire\ndeb [trusted=yes] http://srv.bureau.lan/depot/ ./\n"
            "deb-src http://srv.bureau.lan/depot/ ./\n"
        }
    )
    assert (src.uri, src.suite, src.trusted) == ("http://srv.bureau.lan/depot/", "./", True)
    assert src.indexes() == ["http://srv.bureau.lan/depot/Packages", "http://srv.bureau.lan/depot/Packages.gz"]


def test_untrusted_and_commented_lines() -> None:
    srcs = parse_sources({"/etc/apt/sources.list": "#deb [trusted=yes] http://a/ ./\ndeb http://10.0.0.2/depot ./\n"})
    assert [(s.uri, s.trusted) for s in srcs] == [("http://10.0.0.2/depot", False)]
    assert srcs[0].indexes()[0] == "http://10.0.0.2/depot/Packages"


def test_deb822_and_order() -> None:
    files = {
        "/etc/apt/sources.list.d/site.sources": (
            "Types: deb\nURIs: http://srv/depot/\nSuites: ./\nTrusted: yes\n\n"
            "Types: deb\nURIs: http://x/\nSuites: ./\nEnabled: no\n"
        ),
        "/etc/apt/sources.list.d/debian.list": "deb http://deb.debian.org/debian bookworm main contrib\n",
        "/etc/apt/sources.list": "",
    }
    srcs = parse_sources(files)
    assert [s.uri for s in srcs] == ["http://deb.debian.org/debian", "http://srv/depot/"]
    assert srcs[1].trusted and not srcs[0].trusted
    assert "http://deb.debian.org/debian/dists/bookworm/contrib/binary-amd64/Packages" in srcs[0].indexes()


def test_signed_by_is_trusted() -> None:
    [src] = parse_sources({"/etc/apt/sources.list": "deb [arch=amd64 signed-by=/k.gpg] http://s/ stable main\n"})
    assert src.trusted and src.components == ["main"]


def test_offers_is_an_exact_package_name() -> None:
    index = "Package: compta-pro-doc\nVersion: 1\n\nPackage: compta-pro\nVersion: 2.3.1\n"
    assert offers(index, "compta-pro")
    assert not offers("Package: compta-pro-doc\n", "compta-pro")
