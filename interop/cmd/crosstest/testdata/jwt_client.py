#!/usr/bin/python3
"""THeader client with a JWT bearer token, for the thriftsec cross tests
(Apache Thrift Python 0.17 THeaderProtocol, token by PyJWT).

  jwt_client.py --genpydir=DIR --port=N --keys=DIR --jwt-dir=DIR --case=CASE|no-token
                [--host=H] [--expect-refused]

Calls ThriftTest over TLS (verifying the server against KEYS/CA.pem) with
the info header "authorization: Bearer <token>" on every call. Exit 0 when
the calls succeed, or with --expect-refused when the first call gets an
application exception saying "unauthenticated" (the connection must still
be usable afterwards: the server refused the call, not the client).
"""
import argparse
import os
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jwt_tokens  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--genpydir', required=True)
    p.add_argument('--host', default='localhost')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--keys', required=True)
    p.add_argument('--jwt-dir', required=True)
    p.add_argument('--case', required=True, choices=jwt_tokens.CASES + ['no-token'])
    p.add_argument('--expect-refused', action='store_true')
    args = p.parse_args()

    sys.path.insert(0, args.genpydir)
    from ThriftTest import ThriftTest
    from thrift.Thrift import TApplicationException
    from thrift.protocol import THeaderProtocol
    from thrift.transport import THeaderTransport, TSSLSocket, TTransport

    token = None if args.case == 'no-token' else jwt_tokens.mint(args.jwt_dir, args.case)
    sock = TSSLSocket.TSSLSocket(args.host, args.port, ca_certs=os.path.join(args.keys, 'CA.pem'),
                                 cert_reqs=ssl.CERT_REQUIRED)
    sock.setTimeout(10000)
    trans = TTransport.TBufferedTransport(sock)
    proto = THeaderProtocol.THeaderProtocol(trans, [THeaderTransport.THeaderClientType.HEADERS])
    client = ThriftTest.Client(proto)

    def authed():
        # THeaderTransport clears its write headers after every message.
        if token is not None:
            proto.set_header(b'authorization', ('Bearer ' + token).encode())

    trans.open()
    try:
        authed()
        client.testVoid()
        authed()
        assert client.testString('bearer ✓') == 'bearer ✓'
        authed()
        assert client.testI32(-7) == -7
    except TApplicationException as e:
        if args.expect_refused and 'unauthenticated' in (e.message or ''):
            # The refusal is per call: the connection still works.
            try:
                client.testVoid()
            except TApplicationException:
                pass
            trans.close()
            print('OK: refused as expected: ' + e.message)
            return 0
        trans.close()
        print('FAIL: %s' % (e.message,))
        return 1
    trans.close()
    if args.expect_refused:
        print('FAIL: the server served a call with token case %s' % args.case)
        return 1
    print('OK: 3 calls with a bearer token')
    return 0


if __name__ == '__main__':
    sys.exit(main())
