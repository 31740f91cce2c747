"""The network sandbox (bytedance_kg.system.sandbox): a confined process cannot open a network socket,
whatever it runs, and the query engine in it cannot reach a listener on the loopback."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT
from tests.test_security import Canary

PROBE = textwrap.dedent("""
    import socket, sys
    import pyoxigraph as ox
    from bytedance_kg.system.sandbox import forbid_network, network_is_closed
    canary = sys.argv[1]
    assert not network_is_closed()
    confinement = forbid_network(new_namespace=True)
    print("layers:", confinement.describe())
    print("closed:", network_is_closed())
    left, right = socket.socketpair()  # the workers' pipes still work
    left.send(b"x"); assert right.recv(1) == b"x"
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{canary}> {{ ?s ?p ?o }} }}"))
        print("service: answered")
    except OSError as error:
        print("service: failed")
""")


def test_a_confined_process_cannot_reach_a_listener(tmp_path) -> None:
    canary = Canary()
    try:
        canary.proven()
        result = subprocess.run(
            [sys.executable, "-c", PROBE, canary.url], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert "closed: True" in result.stdout and "service: failed" in result.stdout, result.stdout
        assert "seccomp" in result.stdout
        assert canary.hits == []
    finally:
        canary.close()
