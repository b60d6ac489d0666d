#!/usr/bin/python3
"""JWT keys and tokens for the thriftsec cross tests, made with Debian's
python3-jwt (PyJWT) and python3-cryptography.

  jwt_tokens.py setup --dir=DIR
      writes DIR/signing.pem (RSA private key, kid k1), DIR/other.pem (a
      second RSA private key), DIR/public.pem (signing.pem's public key)
      and DIR/jwks.json (that public key as a JWKS, kid k1, by PyJWT)
  jwt_tokens.py mint --dir=DIR --case=CASE [--out=FILE]
      prints (or writes) the token of CASE

Cases: valid, expired, wrong-audience, wrong-issuer, bad-signature,
alg-none, hs256-public-key, unknown-kid. The last three are attacks no
honest issuer makes: alg-none is PyJWT's unsigned token, and
hs256-public-key is HMAC-SHA256 keyed with the bytes of the RSA public key
PEM (algorithm confusion), built by hand because PyJWT refuses to make it.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = 'https://issuer.cross.test'
AUDIENCE = 'thrifttest'
KID = 'k1'
CASES = ['valid', 'expired', 'wrong-audience', 'wrong-issuer', 'bad-signature',
         'alg-none', 'hs256-public-key', 'unknown-kid']


def _private(path):
    with open(path, 'rb') as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def setup(d):
    os.makedirs(d, exist_ok=True)
    for name in ('signing.pem', 'other.pem'):
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with open(os.path.join(d, name), 'wb') as f:
            f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    pub = _private(os.path.join(d, 'signing.pem')).public_key()
    with open(os.path.join(d, 'public.pem'), 'wb') as f:
        f.write(pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(pub))
    jwk.update({'kid': KID, 'use': 'sig', 'alg': 'RS256'})
    with open(os.path.join(d, 'jwks.json'), 'w') as f:
        json.dump({'keys': [jwk]}, f)


def _b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def mint(d, case):
    now = int(time.time())
    claims = {'iss': ISSUER, 'aud': AUDIENCE, 'sub': 'cross-client', 'iat': now, 'exp': now + 600,
              'scope': 'thrifttest'}
    key = _private(os.path.join(d, 'signing.pem'))
    kid = KID
    if case == 'expired':
        claims['iat'], claims['exp'] = now - 7200, now - 3600
    elif case == 'wrong-audience':
        claims['aud'] = 'someone-else'
    elif case == 'wrong-issuer':
        claims['iss'] = 'https://evil.cross.test'
    elif case == 'bad-signature':
        key = _private(os.path.join(d, 'other.pem'))
    elif case == 'unknown-kid':
        kid = 'k9'
    elif case == 'alg-none':
        return jwt.encode(claims, None, algorithm='none')
    elif case == 'hs256-public-key':
        with open(os.path.join(d, 'public.pem'), 'rb') as f:
            secret = f.read()
        head = _b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': KID}).encode())
        body = _b64(json.dumps(claims).encode())
        sig = hmac.new(secret, (head + '.' + body).encode(), hashlib.sha256).digest()
        return head + '.' + body + '.' + _b64(sig)
    elif case != 'valid':
        raise SystemExit('unknown case ' + case)
    return jwt.encode(claims, key, algorithm='RS256', headers={'kid': kid})


def main():
    p = argparse.ArgumentParser()
    p.add_argument('cmd', choices=['setup', 'mint'])
    p.add_argument('--dir', required=True)
    p.add_argument('--case', choices=CASES)
    p.add_argument('--out')
    a = p.parse_args()
    if a.cmd == 'setup':
        setup(a.dir)
        return 0
    tok = mint(a.dir, a.case)
    if a.out:
        with open(a.out, 'w') as f:
            f.write(tok + '\n')
    else:
        print(tok)
    return 0


if __name__ == '__main__':
    sys.exit(main())
