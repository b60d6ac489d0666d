#!/usr/bin/python3
"""Mutual-TLS client for the thriftsec cross tests (Apache Thrift Python 0.17).

Calls a ThriftTest server over Apache's TSSLSocket, verifying the server
against KEYS/CA.pem and, with --client-cert, presenting KEYS/client.crt.
Apache's TestClient.py --ssl neither verifies nor sends a certificate, so
mutual TLS is checked with this script.

  tls_client.py --genpydir=DIR --port=N --transport=buffered|framed --keys=DIR
                [--host=H] [--client-cert] [--expect-refused]

Exit 0 when the calls succeed, or with --expect-refused when the server
refuses the connection (a TLS or transport error before any call succeeds).
"""
import argparse
import os
import socket
import ssl
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--genpydir', required=True)
    p.add_argument('--host', default='localhost')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--transport', default='buffered', choices=['buffered', 'framed'])
    p.add_argument('--keys', required=True)
    p.add_argument('--client-cert', action='store_true')
    p.add_argument('--expect-refused', action='store_true')
    args = p.parse_args()

    sys.path.insert(0, args.genpydir)
    from ThriftTest import ThriftTest
    from ThriftTest.ttypes import Xtruct
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSSLSocket, TTransport

    kw = dict(ca_certs=os.path.join(args.keys, 'CA.pem'), cert_reqs=ssl.CERT_REQUIRED)
    if args.client_cert:
        kw['certfile'] = os.path.join(args.keys, 'client.crt')
        kw['keyfile'] = os.path.join(args.keys, 'client.key')
    sock = TSSLSocket.TSSLSocket(args.host, args.port, **kw)
    sock.setTimeout(10000)
    if args.transport == 'framed':
        trans = TTransport.TFramedTransport(sock)
    else:
        trans = TTransport.TBufferedTransport(sock)
    client = ThriftTest.Client(TBinaryProtocol.TBinaryProtocol(trans))

    try:
        trans.open()
        client.testVoid()
        assert client.testString('mutual TLS ✓') == 'mutual TLS ✓'
        assert client.testI32(-7) == -7
        x = Xtruct(string_thing='Zero', byte_thing=1, i32_thing=-3, i64_thing=-5)
        assert client.testStruct(x) == x
        peer = sock.handle.getpeercert()
    except (TTransport.TTransportException, ssl.SSLError, OSError, EOFError) as e:
        trans.close()
        why = '%s: %s' % (type(e).__name__, e)
        inner = getattr(e, 'inner', None)
        if inner is not None:
            why += ' (%s: %s)' % (type(inner).__name__, inner)
        if args.expect_refused:
            print('OK: refused as expected: ' + why)
            return 0
        print('FAIL: ' + why)
        return 1
    trans.close()
    if args.expect_refused:
        print('FAIL: the server accepted a client without a certificate')
        return 1
    print('OK: 4 calls over mutual TLS, server subject %s' % (peer.get('subject'),))
    return 0


if __name__ == '__main__':
    sys.exit(main())
