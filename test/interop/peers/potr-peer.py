#!/usr/bin/python3
"""Reference OTR peer on python3-potr 1.0.2 (OTR v2 only), speaking the
harness line contract (see test/interop/harness.ts). Run with /usr/bin/python3,
which sees Debian's packages. The DSA key is kept in --dir in potr's own
serialised form (potr.private_key)."""
import os
import sys
import logging

from Cryptodome.Cipher import AES
from Cryptodome.PublicKey import DSA

import potr
import potr.crypt
import potr.proto
import potr.compatcrypto.pycrypto as pc
from potr.utils import bytes_to_long, long_to_bytes

# --- potr was written for PyCrypto; bookworm's pycryptodome lacks the calls it
# makes for key generation, DSA signing/verifying and counter-mode AES. Give it
# the same behaviour through pycryptodome's current API.


def _aesctr(key, counter=0):
    if isinstance(counter, int):
        counter = pc.Counter(counter)
    # potr's counter: 8-byte prefix (the OTR top half) then an 8-byte block count.
    return AES.new(key, AES.MODE_CTR, nonce=counter.byteprefix(), initial_value=counter.val)


def _sign(self, data):
    k = pc.randrange(2, self.priv.q)
    r, s = self.priv._sign(bytes_to_long(data), k)
    return long_to_bytes(r, 20) + long_to_bytes(s, 20)


def _verify(self, data, sig):
    r, s = bytes_to_long(sig[:20]), bytes_to_long(sig[20:])
    return self.pub._verify(bytes_to_long(data), (r, s))


@classmethod
def _generate(cls):
    k = DSA.generate(1024)
    return cls((int(k.y), int(k.g), int(k.p), int(k.q), int(k.x)), private=True)


pc.AESCTR = _aesctr
potr.crypt.AESCTR = _aesctr
pc.DSAKey.sign = _sign
pc.DSAKey.verify = _verify
pc.DSAKey.generate = _generate

logging.basicConfig(stream=sys.stderr, level=logging.CRITICAL)

STATE_PLAINTEXT, STATE_ENCRYPTED, STATE_FINISHED = 0, 1, 2


def out(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def esc(s):
    if isinstance(s, bytes):
        s = s.decode('utf-8', errors='replace')
    return s.replace('\\', '\\\\').replace('\n', '\\n').replace('\t', '\\t').replace('\r', '\\r')


def unesc(s):
    res, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            n = s[i + 1]
            res.append({'n': '\n', 't': '\t', 'r': '\r'}.get(n, n))
            i += 2
        else:
            res.append(c)
            i += 1
    return ''.join(res)


def groups(hexfp):
    hexfp = hexfp.upper()
    return ' '.join(hexfp[i:i + 8] for i in range(0, 40, 8))


def parse_args(argv):
    o = {'protocol': 'prpl-interop', 'max': 0, 'policy': 0x76, 'smp_secret': None}
    names = {'--account': 'account', '--peer': 'peer', '--protocol': 'protocol', '--dir': 'dir',
             '--smp-secret': 'smp_secret', '--max': 'max', '--policy': 'policy'}
    for i in range(0, len(argv), 2):
        if argv[i] not in names or i + 1 >= len(argv):
            sys.exit('usage: potr-peer --account A --peer P --dir DIR [...]')
        o[names[argv[i]]] = argv[i + 1]
    o['max'] = int(o['max'])
    o['policy'] = int(str(o['policy']), 0)
    if o['smp_secret'] is not None:
        o['smp_secret'] = unesc(o['smp_secret'])
    if not all(o.get(k) for k in ('account', 'peer', 'dir')):
        sys.exit('need --account, --peer and --dir')
    return o


OPTS = parse_args(sys.argv[1:])
os.makedirs(OPTS['dir'], exist_ok=True)
KEY_FILE = os.path.join(OPTS['dir'], 'potr.private_key')
FP_FILE = os.path.join(OPTS['dir'], 'potr.fingerprints')
BITS = OPTS['policy']
POLICY = {
    'ALLOW_V1': False,
    'ALLOW_V2': bool(BITS & 0x02),
    'REQUIRE_ENCRYPTION': bool(BITS & 0x08),
    'SEND_TAG': bool(BITS & 0x10),
    'WHITESPACE_START_AKE': bool(BITS & 0x20),
    'ERROR_START_AKE': bool(BITS & 0x40),
}
known = set()
if os.path.exists(FP_FILE):
    with open(FP_FILE) as f:
        known = set(l.strip() for l in f if l.strip())


class Ctx(potr.context.Context):
    smp_asked = False

    def getPolicy(self, key):
        return POLICY.get(key, False)

    def inject(self, msg, appdata=None):
        out('WIRE ' + esc(msg))

    def _wentEncrypted(self):
        fp = self.crypto.theirPubkey.cfingerprint()
        if fp not in known:
            known.add(fp)
            with open(FP_FILE, 'a') as f:
                f.write(fp + '\n')
            out('EVENT new_fingerprint ' + groups(fp))
        was = self.state
        super()._wentEncrypted()
        out('EVENT still_secure' if was == STATE_ENCRYPTED else 'EVENT gone_secure v2')

    def setState(self, newstate):
        old = self.state
        super().setState(newstate)
        if newstate == STATE_FINISHED and old != STATE_FINISHED:
            out('EVENT peer_ended')
        elif newstate == STATE_PLAINTEXT and old != STATE_PLAINTEXT:
            out('EVENT gone_insecure')

    def setCurrentTrust(self, level):
        pass  # trust is reported through SMP events instead


class Acct(potr.context.Account):
    contextclass = Ctx

    def __init__(self):
        super().__init__(OPTS['account'], OPTS['protocol'], OPTS['max'])

    def loadPrivkey(self):
        if not os.path.exists(KEY_FILE):
            return None
        with open(KEY_FILE, 'rb') as f:
            return potr.crypt.PK.parsePrivateKey(f.read())[0]

    def savePrivkey(self):
        with open(os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'wb') as f:
            f.write(self.getPrivkey().serializePrivateKey())

    def saveTrusts(self):
        pass


account = Acct()
ctx = account.getContext(OPTS['peer'])

# potr has no SMP callbacks: watch its SMP handler's state around each TLV.
_orig_smp_handle = potr.crypt.SMPHandler.handle


def _smp_handle(self, tlv, appdata=None):
    _orig_smp_handle(self, tlv, appdata=appdata)
    if isinstance(tlv, potr.proto.SMPABORTTLV):
        ctx.smp_asked = False
        out('EVENT smp ABORT 0%')
    elif self.prog == potr.crypt.SMPPROG_CHEATED:
        ctx.smp_asked = False
        out('EVENT smp CHEATED 0%')
    elif isinstance(tlv, (potr.proto.SMP1TLV, potr.proto.SMP1QTLV)):
        q = ' question=' + esc(tlv.msg) if isinstance(tlv, potr.proto.SMP1QTLV) else ''
        out('EVENT smp ASK_FOR_ANSWER 25%' + q)
        if OPTS['smp_secret'] is not None:
            ctx.smpGotSecret(OPTS['smp_secret'].encode('utf-8'))
        else:
            ctx.smp_asked = True
    elif isinstance(tlv, potr.proto.SMP2TLV):
        out('EVENT smp IN_PROGRESS 60%')
    elif isinstance(tlv, (potr.proto.SMP3TLV, potr.proto.SMP4TLV)):
        ok = self.prog == potr.crypt.SMPPROG_SUCCEEDED
        out('EVENT smp %s 100%%' % ('SUCCESS' if ok else 'FAILURE'))


potr.crypt.SMPHandler.handle = _smp_handle

# potr hides empty data messages (libotr calls them heartbeats) and extra-key
# TLVs; note both while decrypting.
_orig_data = potr.crypt.CryptEngine.handleDataMessage


def _data(self, msg):
    plaintext, tlvs = _orig_data(self, msg)
    for t in tlvs:
        if isinstance(t, potr.proto.ExtraKeyTLV):
            out('EVENT received_symkey use=%d key=%s usedata=%s'
                % (bytes_to_long(t.appid), self.extraKey.hex(), t.appdata.hex()))
    if plaintext == b'' and not tlvs:
        out('EVENT msg LOG_HEARTBEAT_RCVD text=')
    return plaintext, tlvs


potr.crypt.CryptEngine.handleDataMessage = _data


def send(text):
    try:
        res = ctx.sendMessage(potr.context.FRAGMENT_SEND_ALL, text.encode('utf-8'))
    except potr.context.NotEncryptedError:
        out('EVENT msg CONNECTION_ENDED text=')
        return
    if res is not None:
        out('WIRE ' + esc(res))


def receive(wire):
    try:
        text, _tlvs = ctx.receiveMessage(wire.encode('utf-8'))
        if text is not None:
            out('SHOW ' + esc(text))
    except potr.context.NotOTRMessage as e:
        out('SHOW ' + esc(e.args[0]))
    except potr.context.UnencryptedMessage as e:
        out('EVENT msg RCVDMSG_UNENCRYPTED text=' + esc(e.args[0]))
    except potr.context.ErrorReceived as e:
        out('EVENT msg RCVDMSG_GENERAL_ERR text=' + esc(e.args[0].error))
    except potr.context.NotEncryptedError:
        out('EVENT msg RCVDMSG_NOT_IN_PRIVATE text=')
    except potr.crypt.InvalidParameterError:
        out('EVENT msg RCVDMSG_UNREADABLE text=')
    except Exception as e:  # malformed input must not kill the peer
        out('EVENT msg RCVDMSG_MALFORMED text=' + esc(repr(e)))


def split_smpq(raw):
    """Question and secret are separated by a raw tab or the first escaped \\t."""
    if '\t' in raw:
        q, s = raw.split('\t', 1)
        return unesc(q), unesc(s)
    i = 0
    while i < len(raw) - 1:
        if raw[i] == '\\':
            if raw[i + 1] == 't':
                return unesc(raw[:i]), unesc(raw[i + 2:])
            i += 2
        else:
            i += 1
    return None


def handle(line):
    cmd, _, raw = line.partition(' ')
    try:
        if cmd == 'RECV':
            receive(unesc(raw))
        elif cmd == 'SEND':
            send(unesc(raw))
        elif cmd == 'QUERY':
            send('?OTRv2?')
        elif cmd == 'END':
            ctx.disconnect()
        elif cmd == 'SMP':
            secret = unesc(raw).encode('utf-8')
            if ctx.smp_asked:
                ctx.smp_asked = False
                ctx.smpGotSecret(secret)
            else:
                ctx.smpInit(secret)
        elif cmd == 'SMPQ':
            qs = split_smpq(raw)
            if qs is None:
                out('EVENT msg BAD_COMMAND text=SMPQ')
            else:
                ctx.smpInit(qs[1].encode('utf-8'), question=qs[0].encode('utf-8'))
        elif cmd == 'SMPABORT':
            ctx.smpAbort()
        elif cmd == 'SYMKEY':
            parts = unesc(raw).split(' ')
            usedata = bytes.fromhex(parts[1]) if len(parts) > 1 else b''
            key = ctx.getExtraKey(extraKeyAppId=long_to_bytes(int(parts[0]), 4), extraKeyAppData=usedata)
            out('EVENT symkey use=%d key=%s' % (int(parts[0]), key.hex()))
        elif cmd == 'STATUS':
            st = ['PLAINTEXT', 'ENCRYPTED', 'FINISHED'][ctx.state]
            pk = ctx.crypto.theirPubkey
            fp = groups(pk.cfingerprint()) if pk is not None and ctx.state != STATE_PLAINTEXT else '-'
            smp = ctx.crypto.smp.state if ctx.crypto.smp else 1
            out('STATUS msgstate=%s version=%d fingerprint=%s smp=EXPECT%d'
                % (st, 2 if ctx.state != STATE_PLAINTEXT else 0, fp, smp))
        elif cmd == 'QUIT':
            sys.stdout.flush()
            sys.exit(0)
        elif cmd:
            out('EVENT msg BAD_COMMAND text=' + esc(cmd))
    except potr.context.NotEncryptedError:
        out('EVENT msg NOT_ENCRYPTED text=' + esc(cmd))


def main():
    key = account.getPrivkey()  # generates and saves on first run
    # potr has no instance tags (v2 only); report zero.
    out('READY %s %08x' % (groups(key.cfingerprint()), 0))
    for line in sys.stdin:
        handle(line.rstrip('\r\n'))


if __name__ == '__main__':
    main()
