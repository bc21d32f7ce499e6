/*
 * otr-keytool: a small command-line front end to libotr's key, instance-tag and fingerprint
 * files, so the interop tests can check OffRecord's readers and writers against the real
 * library. Build: gcc otr-keytool.c -o otr-keytool -lotr -lgcrypt -lgpg-error
 *
 *   gen FILE ACCOUNT PROTOCOL [ACCOUNT PROTOCOL ...]  generate keys (otrl_privkey_generate)
 *   read FILE                                         load keys (otrl_privkey_read)
 *       both print one line per loaded key: ACCOUNT \t PROTOCOL \t HUMAN-FINGERPRINT
 *   sign FILE ACCOUNT PROTOCOL HEX                    print otrl_privkey_sign's 40-byte r||s in hex
 *   verify FILE ACCOUNT PROTOCOL HEX SIGHEX           print "good" or "bad" (otrl_privkey_verify)
 *   instags IN OUT                                    otrl_instag_read IN, print each tag, write OUT
 *   fingerprints IN OUT                               otrl_privkey_read_fingerprints IN, write OUT
 * Exit status is 0 on success, 1 when libotr reports an error, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>
#include <libotr/proto.h>
#include <libotr/privkey.h>
#include <libotr/instag.h>
#include <libotr/userstate.h>

static int check(gcry_error_t err, const char *what)
{
    if (err) {
	fprintf(stderr, "%s: %s\n", what, gcry_strerror(err));
	return 1;
    }
    return 0;
}

static void print_keys(OtrlUserState us)
{
    OtrlPrivKey *p;
    char human[OTRL_PRIVKEY_FPRINT_HUMAN_LEN];
    for (p = us->privkey_root; p; p = p->next) {
	if (!otrl_privkey_fingerprint(us, human, p->accountname, p->protocol)) continue;
	printf("%s\t%s\t%s\n", p->accountname, p->protocol, human);
    }
}

/* Hex text to bytes; returns the length, or -1 if the text is not even-length hex. */
static long unhex(const char *hex, unsigned char *out, size_t max)
{
    size_t n = strlen(hex), i;
    if (n % 2 || n / 2 > max) return -1;
    for (i = 0; i < n / 2; i++) {
	unsigned int b;
	if (sscanf(hex + 2 * i, "%2x", &b) != 1) return -1;
	out[i] = (unsigned char)b;
    }
    return (long)(n / 2);
}

int main(int argc, char **argv)
{
    OtrlUserState us;
    OTRL_INIT;
    us = otrl_userstate_create();
    if (argc < 3) goto usage;

    if (!strcmp(argv[1], "gen") && argc >= 5 && argc % 2 == 1) {
	int i;
	for (i = 3; i + 1 < argc; i += 2) {
	    if (check(otrl_privkey_generate(us, argv[2], argv[i], argv[i + 1]), "generate")) return 1;
	}
	print_keys(us);
	return 0;
    }
    if (!strcmp(argv[1], "read") && argc == 3) {
	if (check(otrl_privkey_read(us, argv[2]), "read")) return 1;
	print_keys(us);
	return 0;
    }
    if ((!strcmp(argv[1], "sign") && argc == 6) || (!strcmp(argv[1], "verify") && argc == 7)) {
	unsigned char data[256], sig[40];
	long len = unhex(argv[5], data, sizeof data);
	OtrlPrivKey *key;
	if (len < 0) goto usage;
	if (check(otrl_privkey_read(us, argv[2]), "read")) return 1;
	key = otrl_privkey_find(us, argv[3], argv[4]);
	if (!key) { fprintf(stderr, "no such key\n"); return 1; }
	if (!strcmp(argv[1], "sign")) {
	    unsigned char *out;
	    size_t outlen, i;
	    if (check(otrl_privkey_sign(&out, &outlen, key, data, (size_t)len), "sign")) return 1;
	    for (i = 0; i < outlen; i++) printf("%02x", out[i]);
	    printf("\n");
	    free(out);
	    return 0;
	}
	if (unhex(argv[6], sig, sizeof sig) != 40) goto usage;
	/* libgcrypt accepts the private-key S-expression where a public key is expected. */
	printf("%s\n", otrl_privkey_verify(sig, 40, OTRL_PUBKEY_TYPE_DSA, key->privkey, data,
		(size_t)len) ? "bad" : "good");
	return 0;
    }
    if (!strcmp(argv[1], "instags") && argc == 4) {
	OtrlInsTag *t;
	if (check(otrl_instag_read(us, argv[2]), "instag read")) return 1;
	for (t = us->instag_root; t; t = t->next) printf("%s\t%s\t%08x\n", t->accountname, t->protocol, t->instag);
	return check(otrl_instag_write(us, argv[3]), "instag write");
    }
    if (!strcmp(argv[1], "fingerprints") && argc == 4) {
	if (check(otrl_privkey_read_fingerprints(us, argv[2], NULL, NULL), "fingerprints read")) return 1;
	return check(otrl_privkey_write_fingerprints(us, argv[3]), "fingerprints write");
    }

usage:
    fprintf(stderr, "usage: see the comment at the top of otr-keytool.c\n");
    return 2;
}
