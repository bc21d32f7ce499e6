/*
 * Reference OTR peer on libotr 4.1.1, speaking the harness line contract
 * (see test/interop/harness.ts). One conversation: --account talks to --peer.
 * Commands come one per line on stdin; everything the user or the network
 * would see goes to stdout, one line each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gcrypt.h>
#include <libotr/proto.h>
#include <libotr/userstate.h>
#include <libotr/message.h>
#include <libotr/privkey.h>
#include <libotr/instag.h>
#include <libotr/tlv.h>
#include <libotr/sm.h>

static const char *account = NULL, *peer = NULL, *protocol = "prpl-interop";
static const char *smp_secret = NULL;
static int max_size = 0;
static OtrlPolicy policy = OTRL_POLICY_DEFAULT;
static char keyfile[4096], fpfile[4096], instfile[4096];
static OtrlUserState us;
static OtrlMessageAppOps ops;
/* An incoming SMP is answered after otrl_message_receiving returns, not from
 * inside the callback, so libotr's SMP state is settled before we reply. */
static ConnContext *pending_smp_answer = NULL;
/* They started an SMP and wait for our secret (no --smp-secret given). */
static int smp_asked = 0;

/* Print with \n, \t and \\ escaped so every record stays on one line. */
static void put_escaped(const char *s)
{
    for (; *s; s++) {
	if (*s == '\n') fputs("\\n", stdout);
	else if (*s == '\t') fputs("\\t", stdout);
	else if (*s == '\\') fputs("\\\\", stdout);
	else if (*s == '\r') fputs("\\r", stdout);
	else putchar(*s);
    }
}

static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
	if (*s == '\\' && s[1]) {
	    s++;
	    if (*s == 'n') *o++ = '\n';
	    else if (*s == 't') *o++ = '\t';
	    else if (*s == 'r') *o++ = '\r';
	    else *o++ = *s;
	} else *o++ = *s;
    }
    *o = '\0';
}

static void put_hex(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static ConnContext *current_context(void)
{
    return otrl_context_find(us, peer, account, protocol, OTRL_INSTAG_BEST,
	    0, NULL, NULL, NULL);
}

static OtrlPolicy op_policy(void *o, ConnContext *c) { return policy; }

static void op_create_privkey(void *o, const char *acc, const char *prot)
{
    otrl_privkey_generate(us, keyfile, acc, prot);
}

static int op_is_logged_in(void *o, const char *a, const char *p, const char *r)
{
    return 1;
}

static void op_inject(void *o, const char *a, const char *p, const char *r,
	const char *msg)
{
    /* libotr hands us "" when it decided not to send (e.g. FINISHED). */
    if (!msg || !*msg) return;
    fputs("WIRE ", stdout);
    put_escaped(msg);
    putchar('\n');
}

static void op_update_context_list(void *o) {}

static void op_new_fingerprint(void *o, OtrlUserState u, const char *a,
	const char *p, const char *user, unsigned char fp[20])
{
    char human[OTRL_PRIVKEY_FPRINT_HUMAN_LEN];
    otrl_privkey_hash_to_human(human, fp);
    printf("EVENT new_fingerprint %s\n", human);
}

static void op_write_fingerprints(void *o)
{
    otrl_privkey_write_fingerprints(us, fpfile);
}

static void op_gone_secure(void *o, ConnContext *c)
{
    printf("EVENT gone_secure v%u\n", c->protocol_version);
}

static void op_gone_insecure(void *o, ConnContext *c)
{
    printf("EVENT gone_insecure\n");
}

static void op_still_secure(void *o, ConnContext *c, int is_reply)
{
    printf("EVENT still_secure\n");
}

static int op_max_message_size(void *o, ConnContext *c) { return max_size; }

static const char *op_account_name(void *o, const char *a, const char *p)
{
    return a;
}

static void op_account_name_free(void *o, const char *n) {}

static void op_received_symkey(void *o, ConnContext *c, unsigned int use,
	const unsigned char *usedata, size_t usedatalen,
	const unsigned char *symkey)
{
    printf("EVENT received_symkey use=%u key=", use);
    put_hex(symkey, OTRL_EXTRAKEY_BYTES);
    printf(" usedata=");
    put_hex(usedata, usedatalen);
    putchar('\n');
}

static const char *op_otr_error_message(void *o, ConnContext *c,
	OtrlErrorCode code)
{
    switch (code) {
    case OTRL_ERRCODE_ENCRYPTION_ERROR: return "Error encrypting message";
    case OTRL_ERRCODE_MSG_NOT_IN_PRIVATE: return "Not in private state";
    case OTRL_ERRCODE_MSG_UNREADABLE: return "Unreadable message";
    case OTRL_ERRCODE_MSG_MALFORMED: return "Malformed message";
    default: return "Error";
    }
}

static void op_otr_error_message_free(void *o, const char *m) {}

static void op_handle_smp_event(void *o, OtrlSMPEvent ev, ConnContext *c,
	unsigned short pct, char *question)
{
    const char *name = NULL;
    switch (ev) {
    case OTRL_SMPEVENT_ASK_FOR_SECRET:
    case OTRL_SMPEVENT_ASK_FOR_ANSWER: name = "ASK_FOR_ANSWER"; break;
    case OTRL_SMPEVENT_IN_PROGRESS: name = "IN_PROGRESS"; break;
    case OTRL_SMPEVENT_SUCCESS: name = "SUCCESS"; break;
    case OTRL_SMPEVENT_FAILURE: name = "FAILURE"; break;
    case OTRL_SMPEVENT_ABORT: name = "ABORT"; break;
    case OTRL_SMPEVENT_CHEATED:
    case OTRL_SMPEVENT_ERROR: name = "CHEATED"; break;
    default: return;
    }
    printf("EVENT smp %s %u%%", name, pct);
    if (ev == OTRL_SMPEVENT_ASK_FOR_ANSWER && question) {
	printf(" question=");
	put_escaped(question);
    }
    putchar('\n');
    if (ev == OTRL_SMPEVENT_CHEATED || ev == OTRL_SMPEVENT_ERROR)
	otrl_message_abort_smp(us, &ops, NULL, c);
    if (ev == OTRL_SMPEVENT_ASK_FOR_SECRET ||
	    ev == OTRL_SMPEVENT_ASK_FOR_ANSWER) {
	if (smp_secret) pending_smp_answer = c;
	else smp_asked = 1;
    } else if (ev != OTRL_SMPEVENT_IN_PROGRESS) {
	smp_asked = 0;
    }
}

static const char *msg_event_name(OtrlMessageEvent ev)
{
    switch (ev) {
    case OTRL_MSGEVENT_ENCRYPTION_REQUIRED: return "ENCRYPTION_REQUIRED";
    case OTRL_MSGEVENT_ENCRYPTION_ERROR: return "ENCRYPTION_ERROR";
    case OTRL_MSGEVENT_CONNECTION_ENDED: return "CONNECTION_ENDED";
    case OTRL_MSGEVENT_SETUP_ERROR: return "SETUP_ERROR";
    case OTRL_MSGEVENT_MSG_REFLECTED: return "MSG_REFLECTED";
    case OTRL_MSGEVENT_MSG_RESENT: return "MSG_RESENT";
    case OTRL_MSGEVENT_RCVDMSG_NOT_IN_PRIVATE: return "RCVDMSG_NOT_IN_PRIVATE";
    case OTRL_MSGEVENT_RCVDMSG_UNREADABLE: return "RCVDMSG_UNREADABLE";
    case OTRL_MSGEVENT_RCVDMSG_MALFORMED: return "RCVDMSG_MALFORMED";
    case OTRL_MSGEVENT_LOG_HEARTBEAT_RCVD: return "LOG_HEARTBEAT_RCVD";
    case OTRL_MSGEVENT_LOG_HEARTBEAT_SENT: return "LOG_HEARTBEAT_SENT";
    case OTRL_MSGEVENT_RCVDMSG_GENERAL_ERR: return "RCVDMSG_GENERAL_ERR";
    case OTRL_MSGEVENT_RCVDMSG_UNENCRYPTED: return "RCVDMSG_UNENCRYPTED";
    case OTRL_MSGEVENT_RCVDMSG_UNRECOGNIZED: return "RCVDMSG_UNRECOGNIZED";
    case OTRL_MSGEVENT_RCVDMSG_FOR_OTHER_INSTANCE:
	return "RCVDMSG_FOR_OTHER_INSTANCE";
    default: return "NONE";
    }
}

static void op_handle_msg_event(void *o, OtrlMessageEvent ev, ConnContext *c,
	const char *message, gcry_error_t err)
{
    printf("EVENT msg %s text=", msg_event_name(ev));
    if (message) put_escaped(message);
    putchar('\n');
}

static void op_create_instag(void *o, const char *a, const char *p)
{
    otrl_instag_generate(us, instfile, a, p);
}

static void print_status(void)
{
    ConnContext *c = current_context();
    const char *state = "PLAINTEXT";
    unsigned int version = 0;
    char human[OTRL_PRIVKEY_FPRINT_HUMAN_LEN] = "-";
    int smp = 0;
    if (c) {
	if (c->msgstate == OTRL_MSGSTATE_ENCRYPTED) state = "ENCRYPTED";
	else if (c->msgstate == OTRL_MSGSTATE_FINISHED) state = "FINISHED";
	version = c->protocol_version;
	if (c->active_fingerprint && c->active_fingerprint->fingerprint)
	    otrl_privkey_hash_to_human(human, c->active_fingerprint->fingerprint);
	if (c->smstate) smp = (int)c->smstate->nextExpected;
    }
    printf("STATUS msgstate=%s version=%u fingerprint=%s smp=EXPECT%d\n",
	    state, version, human, smp + 1);
}

/* Send text (or a query) the way an IM client would: libotr decides whether
 * to encrypt, tag or refuse, and injects whatever must go out. */
static void do_send(const char *text)
{
    char *newmsg = NULL;
    gcry_error_t err = otrl_message_sending(us, &ops, NULL, account, protocol,
	    peer, OTRL_INSTAG_BEST, text, NULL, &newmsg,
	    OTRL_FRAGMENT_SEND_ALL, NULL, NULL, NULL);
    if (err) {
	printf("EVENT msg ENCRYPTION_ERROR text=%s\n", gcry_strerror(err));
    } else if (!newmsg) {
	/* Unchanged plaintext: libotr leaves sending it to the app. */
	fputs("WIRE ", stdout);
	put_escaped(text);
	putchar('\n');
    }
    otrl_message_free(newmsg);
}

static void do_receive(const char *wire)
{
    char *newmsg = NULL;
    OtrlTLV *tlvs = NULL;
    ConnContext *c = NULL;
    int ignore = otrl_message_receiving(us, &ops, NULL, account, protocol,
	    peer, wire, &newmsg, &tlvs, &c, NULL, NULL);
    if (tlvs) {
	if (otrl_tlv_find(tlvs, OTRL_TLV_DISCONNECTED))
	    printf("EVENT peer_ended\n");
	otrl_tlv_free(tlvs);
    }
    if (!ignore) {
	fputs("SHOW ", stdout);
	put_escaped(newmsg ? newmsg : wire);
	putchar('\n');
    }
    otrl_message_free(newmsg);
    if (pending_smp_answer) {
	ConnContext *pc = pending_smp_answer;
	pending_smp_answer = NULL;
	otrl_message_respond_smp(us, &ops, NULL, pc,
		(const unsigned char *)smp_secret, strlen(smp_secret));
    }
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static void handle_line(char *line)
{
    char *arg = strchr(line, ' ');
    if (arg) *arg++ = '\0'; else arg = line + strlen(line);
    /* SMPQ's question and secret are split before unescaping: the separator
     * is a raw tab or the first escaped \t. */
    char *sep = NULL;
    if (!strcmp(line, "SMPQ")) {
	sep = strchr(arg, '\t');
	for (char *p = arg; !sep && *p; p++) {
	    if (p[0] == '\\' && p[1] == 't') { sep = p; *sep++ = '\0'; }
	    else if (p[0] == '\\' && p[1]) p++;
	}
	if (sep && *sep == '\t') *sep++ = '\0';
	else if (sep) sep++;
	if (sep) unescape(sep);
    }
    unescape(arg);
    ConnContext *c;

    if (!strcmp(line, "RECV")) do_receive(arg);
    else if (!strcmp(line, "SEND")) do_send(arg);
    else if (!strcmp(line, "QUERY")) do_send("?OTR?");
    else if (!strcmp(line, "END")) {
	otrl_message_disconnect_all_instances(us, &ops, NULL, account,
		protocol, peer);
	printf("EVENT gone_insecure\n");
    } else if (!strcmp(line, "SMP") || !strcmp(line, "SMPQ")) {
	c = current_context();
	if (!c || c->msgstate != OTRL_MSGSTATE_ENCRYPTED) {
	    printf("EVENT msg NOT_ENCRYPTED text=SMP needs a private session\n");
	    return;
	}
	char *question = NULL, *secret = arg;
	if (!strcmp(line, "SMPQ")) {
	    if (!sep) { printf("EVENT msg BAD_COMMAND text=SMPQ\n"); return; }
	    question = arg;
	    secret = sep;
	}
	if (smp_asked && !question) {
	    /* They asked first: this SMP is our answer. */
	    smp_asked = 0;
	    otrl_message_respond_smp(us, &ops, NULL, c,
		    (const unsigned char *)secret, strlen(secret));
	} else if (question) {
	    otrl_message_initiate_smp_q(us, &ops, NULL, c, question,
		    (const unsigned char *)secret, strlen(secret));
	} else {
	    otrl_message_initiate_smp(us, &ops, NULL, c,
		    (const unsigned char *)secret, strlen(secret));
	}
    } else if (!strcmp(line, "SMPABORT")) {
	c = current_context();
	if (c) otrl_message_abort_smp(us, &ops, NULL, c);
    } else if (!strcmp(line, "SYMKEY")) {
	/* SYMKEY <use> [<usedata hex>] */
	unsigned int use = (unsigned int)strtoul(arg, NULL, 10);
	char *hex = strchr(arg, ' ');
	unsigned char usedata[1024];
	size_t n = 0;
	if (hex) {
	    for (hex++; hexval(hex[0]) >= 0 && hexval(hex[1]) >= 0 &&
		    n < sizeof usedata; hex += 2)
		usedata[n++] = (unsigned char)(hexval(hex[0]) * 16 + hexval(hex[1]));
	}
	unsigned char key[OTRL_EXTRAKEY_BYTES];
	c = current_context();
	gcry_error_t err = c ? otrl_message_symkey(us, &ops, NULL, c, use,
		usedata, n, key) : gcry_error(GPG_ERR_INV_VALUE);
	if (err) {
	    printf("EVENT msg SYMKEY_ERROR text=%s\n", gcry_strerror(err));
	} else {
	    printf("EVENT symkey use=%u key=", use);
	    put_hex(key, sizeof key);
	    putchar('\n');
	}
    } else if (!strcmp(line, "STATUS")) print_status();
    else if (!strcmp(line, "QUIT")) {
	fflush(stdout);
	exit(0);
    } else if (*line) {
	printf("EVENT msg BAD_COMMAND text=");
	put_escaped(line);
	putchar('\n');
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: libotr-peer --account A --peer P [--protocol PROT] "
	    "--dir DIR [--smp-secret S] [--max N] [--policy N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
	const char *v = i + 1 < argc ? argv[i + 1] : NULL;
	if (!v) usage();
	if (!strcmp(argv[i], "--account")) account = v;
	else if (!strcmp(argv[i], "--peer")) peer = v;
	else if (!strcmp(argv[i], "--protocol")) protocol = v;
	else if (!strcmp(argv[i], "--dir")) dir = v;
	else if (!strcmp(argv[i], "--smp-secret")) {
	    char *s = strdup(v);
	    unescape(s);
	    smp_secret = s;
	} else if (!strcmp(argv[i], "--max")) max_size = atoi(v);
	else if (!strcmp(argv[i], "--policy")) policy = (OtrlPolicy)strtoul(v, NULL, 0);
	else usage();
	i++;
    }
    if (!account || !peer || !dir) usage();
    setvbuf(stdout, NULL, _IOLBF, 0);

    OTRL_INIT;
    snprintf(keyfile, sizeof keyfile, "%s/otr.private_key", dir);
    snprintf(fpfile, sizeof fpfile, "%s/otr.fingerprints", dir);
    snprintf(instfile, sizeof instfile, "%s/otr.instance_tags", dir);
    us = otrl_userstate_create();
    otrl_privkey_read(us, keyfile);
    otrl_privkey_read_fingerprints(us, fpfile, NULL, NULL);
    otrl_instag_read(us, instfile);

    ops.policy = op_policy;
    ops.create_privkey = op_create_privkey;
    ops.is_logged_in = op_is_logged_in;
    ops.inject_message = op_inject;
    ops.update_context_list = op_update_context_list;
    ops.new_fingerprint = op_new_fingerprint;
    ops.write_fingerprints = op_write_fingerprints;
    ops.gone_secure = op_gone_secure;
    ops.gone_insecure = op_gone_insecure;
    ops.still_secure = op_still_secure;
    ops.max_message_size = op_max_message_size;
    ops.account_name = op_account_name;
    ops.account_name_free = op_account_name_free;
    ops.received_symkey = op_received_symkey;
    ops.otr_error_message = op_otr_error_message;
    ops.otr_error_message_free = op_otr_error_message_free;
    ops.handle_smp_event = op_handle_smp_event;
    ops.handle_msg_event = op_handle_msg_event;
    ops.create_instag = op_create_instag;

    /* Make key and instance tag up front so READY can report them. */
    if (!otrl_privkey_find(us, account, protocol))
	op_create_privkey(NULL, account, protocol);
    if (!otrl_instag_find(us, account, protocol))
	op_create_instag(NULL, account, protocol);
    char human[OTRL_PRIVKEY_FPRINT_HUMAN_LEN];
    if (!otrl_privkey_fingerprint(us, human, account, protocol)) {
	fprintf(stderr, "libotr-peer: no private key\n");
	return 1;
    }
    OtrlInsTag *tag = otrl_instag_find(us, account, protocol);
    printf("READY %s %08x\n", human, tag ? tag->instag : 0);

    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
	    line[--n] = '\0';
	handle_line(line);
    }
    free(line);
    otrl_userstate_free(us);
    return 0;
}
