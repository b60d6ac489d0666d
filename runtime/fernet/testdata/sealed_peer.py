"""A peer of the sealed-message transport built from Apache's python3-thrift
and python3-cryptography, for runtime/fernet's interop test.

Each message travels as a 4-byte big-endian length, then a Fernet token
whose plaintext is one whole Thrift binary message.

    sealed_peer.py client HOST PORT KEYFILE TEXT   call testString(TEXT), print the answer
    sealed_peer.py server KEYFILE CALLS            serve testString (echo) CALLS times on a
                                                   loopback port printed on stdout
"""
import socket
import struct
import sys

from cryptography.fernet import Fernet, MultiFernet
from thrift.Thrift import TMessageType, TType
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport


def load(path):
    keys = [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def send_sealed(sock, f, msg):
    token = f.encrypt(msg)
    sock.sendall(struct.pack(">I", len(token)) + token)


def recv_sealed(sock, f):
    (n,) = struct.unpack(">I", recv_exact(sock, 4))
    return f.decrypt(recv_exact(sock, n), ttl=60)


def message(name, mtype, seq, fid, text):
    buf = TTransport.TMemoryBuffer()
    p = TBinaryProtocol.TBinaryProtocol(buf)
    p.writeMessageBegin(name, mtype, seq)
    p.writeStructBegin("s")
    p.writeFieldBegin("f", TType.STRING, fid)
    p.writeString(text)
    p.writeFieldEnd()
    p.writeFieldStop()
    p.writeStructEnd()
    p.writeMessageEnd()
    return buf.getvalue()


def parse(data, want_id):
    p = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(data))
    name, mtype, seq = p.readMessageBegin()
    p.readStructBegin()
    text = None
    while True:
        _, ftype, fid = p.readFieldBegin()
        if ftype == TType.STOP:
            break
        if fid == want_id and ftype == TType.STRING:
            text = p.readString()
        else:
            p.skip(ftype)
    return name, mtype, seq, text


def client(host, port, keyfile, text):
    f = load(keyfile)
    sock = socket.create_connection((host, int(port)), timeout=10)
    send_sealed(sock, f, message("testString", TMessageType.CALL, 1, 1, text))
    name, mtype, seq, answer = parse(recv_sealed(sock, f), 0)
    assert (name, mtype, seq) == ("testString", TMessageType.REPLY, 1), (name, mtype, seq)
    print(answer)


def server(keyfile, calls):
    f = load(keyfile)
    ln = socket.socket()
    ln.bind(("127.0.0.1", 0))
    ln.listen(1)
    ln.settimeout(20)
    print(ln.getsockname()[1], flush=True)
    sock, _ = ln.accept()
    sock.settimeout(20)
    for _ in range(int(calls)):
        name, mtype, seq, text = parse(recv_sealed(sock, f), 1)
        send_sealed(sock, f, message(name, TMessageType.REPLY, seq, 0, text))
    sock.close()


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(*sys.argv[2:6])
    else:
        server(*sys.argv[2:4])
