#!/usr/bin/python3
"""thriftpy (Debian's python3-thriftpy 0.3.9) side of the thriftsec cross
tests, with the small Echo service (thriftpy cannot parse ThriftTest.thrift).

  thriftpy_echo.py client --idl=echo.thrift --port=N --keys=DIR [--host=H] [--transport=buffered|framed]
      calls Echo over thriftpy's TSSLSocket with cafile (the server is
      verified against DIR/CA.pem for --host), certfile and keyfile (the
      client certificate DIR/client.crt): the server may require it.
  thriftpy_echo.py server --idl=echo.thrift --port=N --keys=DIR [--host=H] [--transport=buffered|framed]
      serves Echo on thriftpy's TSSLServerSocket with DIR/server.pem;
      stops on SIGHUP, SIGINT or SIGTERM.

The client prints PASS or FAIL per call and exits 0 only if all pass.
"""
import argparse
import os
import signal
import sys

import thriftpy
from thriftpy.protocol import TBinaryProtocolFactory
from thriftpy.rpc import make_client
from thriftpy.server import TThreadedServer
from thriftpy.thrift import TProcessor
from thriftpy.transport import (TBufferedTransportFactory,
                                TFramedTransportFactory, TSSLServerSocket)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['client', 'server'])
    p.add_argument('--idl', required=True)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--keys', required=True)
    p.add_argument('--transport', default='buffered', choices=['buffered', 'framed'])
    args = p.parse_args()
    echo = thriftpy.load(args.idl, module_name='echo_thrift')
    tf = TFramedTransportFactory() if args.transport == 'framed' else TBufferedTransportFactory()
    key = lambda name: os.path.join(args.keys, name)

    if args.mode == 'server':
        return serve(echo, args, tf, key)
    return call(echo, args, tf, key)


class Handler(object):
    def __init__(self, echo):
        self.echo_thrift = echo

    def ping(self):
        return 'pong'

    def echo(self, msg):
        if msg.text == 'fail':
            raise self.echo_thrift.EchoError(code=7, reason='fail')
        return msg

    def add(self, a, b):
        return a + b


def serve(echo, args, tf, key):
    for s in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
        signal.signal(s, lambda *_: os._exit(0))
    sock = TSSLServerSocket(host=args.host, port=args.port, certfile=key('server.pem'))
    server = TThreadedServer(TProcessor(echo.Echo, Handler(echo)), sock,
                             iprot_factory=TBinaryProtocolFactory(),
                             itrans_factory=tf, daemon=True)
    print('thriftpy_echo: serving Echo over TLS on %s:%d (%s)' % (args.host, args.port, args.transport),
          file=sys.stderr, flush=True)
    server.serve()
    return 0


def call(echo, args, tf, key):
    client = make_client(echo.Echo, args.host, args.port, timeout=10000,
                         trans_factory=tf, cafile=key('CA.pem'),
                         certfile=key('client.crt'), keyfile=key('client.key'))
    failed = 0

    def check(name, f):
        nonlocal failed
        try:
            f()
            print('PASS %s' % name)
        except Exception as e:  # report every failure, go on
            failed += 1
            print('FAIL %s: %s: %s' % (name, type(e).__name__, e))

    def ping():
        assert client.ping() == 'pong'

    def do_echo():
        m = echo.Message(text='héllo, thriftsec', seq=-(1 << 40), tags=['a', '', 'ü'],
                         counts={'x': 1, 'y': -2}, blob=b'blob')
        got = client.echo(m)
        # thriftpy 0.3.9 decodes every binary field as a UTF-8 str (it has
        # no separate binary type); compare the bytes.
        if isinstance(got.blob, str):
            got.blob = got.blob.encode('utf-8')
        assert got == m, '%r != %r' % (got, m)

    def do_error():
        try:
            client.echo(echo.Message(text='fail'))
        except echo.EchoError as e:
            assert e.code == 7 and e.reason == 'fail', repr(e)
            return
        raise AssertionError('no EchoError')

    def add():
        assert client.add(-5, 1 << 40) == (1 << 40) - 5

    check('ping', ping)
    check('echo', do_echo)
    check('echo/EchoError', do_error)
    check('add', add)
    client.close()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
