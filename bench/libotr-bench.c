/*
 * libotr 4.1.1's side of `npm run bench`: the same operations as OffRecord and otr.js, two
 * user states in one process with inject_message delivering into the other side's queue.
 * Usage: libotr-bench KEYGEN_RUNS AKE_RUNS SMP_RUNS DATA_BATCHES DATA_MESSAGES DATA_BYTES
 * Prints one "<operation> <milliseconds>" line per measured run. Data messages run twice:
 * alternating ("data") and one way with every tenth message a reply ("oneway").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gcrypt.h>
#include <libotr/proto.h>
#include <libotr/privkey.h>
#include <libotr/instag.h>
#include <libotr/message.h>
#include <libotr/context.h>

#define PROTO "bench"
#define SECRET "the bench secret"

typedef struct Side {
    const char *name, *peer;
    OtrlUserState us;
    struct Side *other;
    int secure, smp_done;
    ConnContext *smp_ask;
    char *last_shown;
} Side;

typedef struct { Side *to; char *text; } Msg;
static Msg queue[4096];
static size_t qhead, qtail;
static OtrlMessageAppOps ops;

/* CPU time of this process, as bench/stats.ts measures OffRecord and otr.js. */
static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "libotr-bench: %s\n", what);
    exit(1);
}

static void enqueue(Side *to, const char *text)
{
    if (qtail == sizeof queue / sizeof queue[0]) die("queue full");
    queue[qtail].to = to;
    queue[qtail].text = strdup(text);
    qtail++;
}

static OtrlPolicy op_policy(void *o, ConnContext *c) { return OTRL_POLICY_DEFAULT; }
static int op_is_logged_in(void *o, const char *a, const char *p, const char *r) { return 1; }
static void op_inject(void *o, const char *a, const char *p, const char *r, const char *msg)
{
    if (msg && *msg) enqueue(((Side *)o)->other, msg);
}
static void op_noop(void *o) {}
static void op_new_fp(void *o, OtrlUserState u, const char *a, const char *p, const char *user,
	unsigned char fp[20]) {}
static void op_gone_secure(void *o, ConnContext *c) { ((Side *)o)->secure = 1; }
static void op_ctx(void *o, ConnContext *c) {}
static void op_still_secure(void *o, ConnContext *c, int r) { ((Side *)o)->secure = 1; }
static int op_max(void *o, ConnContext *c) { return 0; }
static const char *op_account_name(void *o, const char *a, const char *p) { return a; }
static void op_free_str(void *o, const char *s) {}
static const char *op_error_message(void *o, ConnContext *c, OtrlErrorCode code) { return "error"; }
static void op_smp(void *o, OtrlSMPEvent ev, ConnContext *c, unsigned short pct, char *q)
{
    Side *s = o;
    if (ev == OTRL_SMPEVENT_ASK_FOR_SECRET || ev == OTRL_SMPEVENT_ASK_FOR_ANSWER) s->smp_ask = c;
    else if (ev == OTRL_SMPEVENT_SUCCESS) s->smp_done = 1;
    else if (ev != OTRL_SMPEVENT_IN_PROGRESS) die("SMP did not succeed");
}
static void op_msg_event(void *o, OtrlMessageEvent ev, ConnContext *c, const char *m, gcry_error_t e)
{
    if (ev != OTRL_MSGEVENT_LOG_HEARTBEAT_RCVD && ev != OTRL_MSGEVENT_LOG_HEARTBEAT_SENT) {
	fprintf(stderr, "libotr-bench: message event %d\n", (int)ev);
	exit(1);
    }
}
static void op_create_instag(void *o, const char *a, const char *p)
{
    FILE *f = tmpfile();
    otrl_instag_generate_FILEp(((Side *)o)->us, f, a, p);
    fclose(f);
}

static void deliver_all(void)
{
    while (qhead < qtail) {
	Msg m = queue[qhead++];
	Side *s = m.to;
	char *newmsg = NULL;
	OtrlTLV *tlvs = NULL;
	int ignore = otrl_message_receiving(s->us, &ops, s, s->name, PROTO, s->peer, m.text,
		&newmsg, &tlvs, NULL, NULL, NULL);
	free(s->last_shown);
	s->last_shown = ignore ? NULL : strdup(newmsg ? newmsg : m.text);
	otrl_tlv_free(tlvs);
	otrl_message_free(newmsg);
	free(m.text);
	if (s->smp_ask) {
	    ConnContext *c = s->smp_ask;
	    s->smp_ask = NULL;
	    otrl_message_respond_smp(s->us, &ops, s, c, (const unsigned char *)SECRET, strlen(SECRET));
	}
    }
    qhead = qtail = 0;
}

static void send_text(Side *s, const char *text)
{
    char *newmsg = NULL;
    if (otrl_message_sending(s->us, &ops, s, s->name, PROTO, s->peer, OTRL_INSTAG_BEST, text,
	    NULL, &newmsg, OTRL_FRAGMENT_SEND_ALL, NULL, NULL, NULL))
	die("otrl_message_sending failed");
    otrl_message_free(newmsg);
    deliver_all();
}

static void keygen(OtrlUserState us, const char *account)
{
    FILE *f = tmpfile();
    if (!f || otrl_privkey_generate_FILEp(us, f, account, PROTO)) die("key generation failed");
    fclose(f);
}

static double ake(Side *a, Side *b)
{
    otrl_context_forget_all(a->us);
    otrl_context_forget_all(b->us);
    a->secure = b->secure = 0;
    double t = now_ms();
    char *q = otrl_proto_default_query_msg(a->name, OTRL_POLICY_DEFAULT);
    enqueue(b, q);
    free(q);
    deliver_all();
    double ms = now_ms() - t;
    if (!a->secure || !b->secure) die("AKE did not finish");
    return ms;
}

int main(int argc, char **argv)
{
    if (argc != 7) die("usage: libotr-bench KEYGEN AKE SMP DATA_BATCHES DATA_MESSAGES DATA_BYTES");
    int keygen_runs = atoi(argv[1]), ake_runs = atoi(argv[2]), smp_runs = atoi(argv[3]);
    int batches = atoi(argv[4]), count = atoi(argv[5]), bytes = atoi(argv[6]);
    OTRL_INIT;
    ops.policy = op_policy;
    ops.is_logged_in = op_is_logged_in;
    ops.inject_message = op_inject;
    ops.update_context_list = op_noop;
    ops.new_fingerprint = op_new_fp;
    ops.write_fingerprints = op_noop;
    ops.gone_secure = op_gone_secure;
    ops.gone_insecure = op_ctx;
    ops.still_secure = op_still_secure;
    ops.max_message_size = op_max;
    ops.account_name = op_account_name;
    ops.account_name_free = op_free_str;
    ops.otr_error_message = op_error_message;
    ops.otr_error_message_free = op_free_str;
    ops.handle_smp_event = op_smp;
    ops.handle_msg_event = op_msg_event;
    ops.create_instag = op_create_instag;

    for (int i = 0; i < keygen_runs; i++) {
	OtrlUserState us = otrl_userstate_create();
	double t = now_ms();
	keygen(us, "keygen");
	printf("keygen %.4f\n", now_ms() - t);
	otrl_userstate_free(us);
    }

    Side a = { "alice", "bob", otrl_userstate_create() }, b = { "bob", "alice", otrl_userstate_create() };
    a.other = &b;
    b.other = &a;
    keygen(a.us, a.name);
    keygen(b.us, b.name);
    op_create_instag(&a, a.name, PROTO);
    op_create_instag(&b, b.name, PROTO);

    /* Ten unmeasured runs, as for OffRecord and otr.js (bench/stats.ts AKE_WARMUP). */
    for (int i = 0; i < 10 + ake_runs; i++) {
	double ms = ake(&a, &b);
	if (i >= 10) printf("ake %.4f\n", ms);
    }

    ConnContext *ctx = otrl_context_find(a.us, a.peer, a.name, PROTO, OTRL_INSTAG_BEST, 0, NULL, NULL, NULL);
    if (!ctx) die("no context after AKE");
    for (int i = 0; i <= smp_runs; i++) {
	a.smp_done = b.smp_done = 0;
	double t = now_ms();
	otrl_message_initiate_smp(a.us, &ops, &a, ctx, (const unsigned char *)SECRET, strlen(SECRET));
	deliver_all();
	double ms = now_ms() - t;
	if (!a.smp_done || !b.smp_done) die("SMP did not finish");
	if (i > 0) printf("smp %.4f\n", ms); /* run 0 is the warm-up */
    }

    char *text = malloc(bytes + 1);
    /* Pattern 0 alternates; pattern 1 is one way with a reply every 10 (bench/stats.ts). */
    for (int pattern = 0; pattern < 2; pattern++) {
	/* Batch 0 is a short warm-up of 100 messages. */
	for (int batch = 0; batch <= batches; batch++) {
	    double t = now_ms();
	    for (int i = 0; i < (batch ? count : 100); i++) {
		Side *from = pattern ? (i % 10 == 9 ? &b : &a) : (i % 2 ? &b : &a);
		int head = snprintf(text, bytes + 1, "msg %d ", i);
		memset(text + head, 'x', bytes - head);
		text[bytes] = '\0';
		send_text(from, text);
		if (!from->other->last_shown || strcmp(from->other->last_shown, text)) die("data message lost");
	    }
	    double ms = now_ms() - t;
	    if (batch > 0) printf("%s %.4f\n", pattern ? "oneway" : "data", ms);
	}
    }
    free(text);
    return 0;
}
