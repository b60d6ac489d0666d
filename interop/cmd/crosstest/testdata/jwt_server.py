#!/usr/bin/python3
"""THeader ThriftTest server that verifies JWT bearer tokens with PyJWT,
for the thriftsec cross tests (Apache Thrift Python 0.17).

  jwt_server.py --genpydir=DIR --port=N --keys=DIR --jwt-dir=DIR [--host=H]

Serves testVoid, testString and testI32 over TLS (KEYS/server.pem) to
clients of THeaderProtocol. Every call must carry "authorization: Bearer
<token>": an RS256 token signed by the key of JWT_DIR/jwks.json named by
its kid, from jwt_tokens.ISSUER for jwt_tokens.AUDIENCE, unexpired. A call
without one gets an application exception "unauthenticated: ..." and its
handler does not run; the reason is printed ("refused: ...").
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jwt_tokens  # noqa: E402

import jwt  # noqa: E402


class Handler:
    def testVoid(self):
        pass

    def testString(self, s):
        return s

    def testI32(self, i):
        return i


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--genpydir', required=True)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--keys', required=True)
    p.add_argument('--jwt-dir', required=True)
    args = p.parse_args()

    sys.path.insert(0, args.genpydir)
    from ThriftTest import ThriftTest
    from thrift.Thrift import TApplicationException, TMessageType, TType
    from thrift.protocol import THeaderProtocol
    from thrift.server import TServer
    from thrift.transport import THeaderTransport, TSSLSocket, TTransport

    with open(os.path.join(args.jwt_dir, 'jwks.json')) as f:
        keys = {k.key_id: k.key for k in jwt.PyJWKSet.from_json(f.read()).keys}

    def check(value):
        if value is None:
            return 'no bearer token'
        value = value.decode('utf-8', 'replace')
        if not value.lower().startswith('bearer '):
            return 'not a bearer token'
        token = value[len('bearer '):].strip()
        try:
            header = jwt.get_unverified_header(token)
            if header.get('alg') != 'RS256':
                # Before the key lookup, so that the reason logged is the
                # algorithm; jwt.decode below enforces the same list.
                return 'InvalidAlgorithmError: alg %r is not RS256' % (header.get('alg'),)
            kid = header.get('kid')
            if kid not in keys:
                return 'unknown kid %r' % (kid,)
            jwt.decode(token, keys[kid], algorithms=['RS256'], audience=jwt_tokens.AUDIENCE,
                       issuer=jwt_tokens.ISSUER, leeway=30, options={'require': ['exp']})
        except jwt.InvalidTokenError as e:
            return '%s: %s' % (type(e).__name__, e)
        return None

    inner = ThriftTest.Processor(Handler())

    class AuthProcessor:
        def process(self, iprot, oprot):
            name, _, seqid = iprot.readMessageBegin()
            why = check(iprot.get_headers().get(b'authorization'))
            fn = inner._processMap.get(name)
            if why is None and fn is not None:
                fn(inner, seqid, iprot, oprot)
                return True
            iprot.skip(TType.STRUCT)
            iprot.readMessageEnd()
            if why is not None:
                print('refused: %s: %s' % (name, why), flush=True)
                x = TApplicationException(TApplicationException.UNKNOWN, name + ': unauthenticated: invalid bearer token')
            else:
                x = TApplicationException(TApplicationException.UNKNOWN_METHOD, 'unknown method ' + name)
            oprot.writeMessageBegin(name, TMessageType.EXCEPTION, seqid)
            x.write(oprot)
            oprot.writeMessageEnd()
            oprot.trans.flush()
            return True

    sock = TSSLSocket.TSSLServerSocket(host=args.host, port=args.port, certfile=os.path.join(args.keys, 'server.pem'))
    pf = THeaderProtocol.THeaderProtocolFactory([THeaderTransport.THeaderClientType.HEADERS])
    server = TServer.TSimpleServer(AuthProcessor(), sock, TTransport.TBufferedTransportFactory(), pf)
    server.serve()


if __name__ == '__main__':
    sys.exit(main())
