#!/usr/bin/python3
"""Mutual-TLS ThriftTest server for the thriftsec cross tests (Apache Thrift
Python 0.17): Apache's TSSLServerSocket with ssl.CERT_REQUIRED, trusting
KEYS/CA.pem for client certificates (verified chain; the client's address
is not matched against the certificate). Apache's TestServer.py --ssl does not
ask for client certificates, so mutual TLS is checked with this script.

  tls_server.py --genpydir=DIR --port=N --transport=buffered|framed --keys=DIR

It implements testVoid, testString, testI32, testStruct and testMap (a
client runs those only) and stops on SIGHUP, SIGINT or SIGTERM.
"""
import argparse
import logging
import os
import signal
import ssl
import sys


class Handler(object):
    def testVoid(self):
        pass

    def testString(self, thing):
        return thing

    def testI32(self, thing):
        return thing

    def testStruct(self, thing):
        return thing

    def testMap(self, thing):
        return thing


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--genpydir', required=True)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--transport', default='buffered', choices=['buffered', 'framed'])
    p.add_argument('--keys', required=True)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    sys.path.insert(0, args.genpydir)
    from ThriftTest import ThriftTest
    from thrift.protocol import TBinaryProtocol
    from thrift.server import TServer
    from thrift.transport import TSSLSocket, TTransport

    for s in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(s, lambda *_: os._exit(0))

    sock = TSSLSocket.TSSLServerSocket(
        args.host, args.port,
        certfile=os.path.join(args.keys, 'server.crt'),
        keyfile=os.path.join(args.keys, 'server.key'),
        ca_certs=os.path.join(args.keys, 'CA.pem'),
        cert_reqs=ssl.CERT_REQUIRED,
        # Apache's server also matches the client certificate's names
        # against the client's IP address by default; the chain to CA.pem
        # is what this test is about, so keep only that check.
        validate_callback=lambda cert, hostname: None)
    if args.transport == 'framed':
        tf = TTransport.TFramedTransportFactory()
    else:
        tf = TTransport.TBufferedTransportFactory()
    server = TServer.TSimpleServer(ThriftTest.Processor(Handler()), sock, tf,
                                   TBinaryProtocol.TBinaryProtocolFactory())
    print('tls_server: serving ThriftTest with mutual TLS on %s:%d (%s)' % (args.host, args.port, args.transport),
          file=sys.stderr, flush=True)
    server.serve()


if __name__ == '__main__':
    main()
