/* pydsd.c - `pde pydsd velocity|position`: one part of the original
 * spring-damper demo, against the Redis that PDE_REDIS names (default
 * redis://127.0.0.1:6379, as the demo's).
 *
 * It speaks the demo's wire format exactly (cosim.h), so either part can
 * play against a third-party process playing the other, or against the
 * other `pde pydsd`. It reads with a blocking XREADGROUP and answers every
 * entry of a read in one MULTI/EXEC with their acknowledgements, its next
 * read behind them in the same write; killed and started again, it first
 * takes the entries it had read but not answered (its consumer name, the
 * part's name by default, holds them pending, those delivered to a read it
 * sent just before dying included).
 *
 * Load: one chain is latency-bound (two Redis hops per step); many chains
 * on the same streams share each read and each transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uthash.h>

#include "common/config.h"
#include "common/util.h"
#include "cosim/answer.h"
#include "pydsd.h"

#define READ_COUNT "256"

typedef struct chain {
    char *name;
    int done;
    UT_hash_handle hh;
} chain_t;

typedef struct pydsd {
    redisContext *rc;
    cosim_role_t role;
    const cosim_role_def_t *def;
    char reads[128], writes[128];
    char consumer[64];
    sd_params_t p;
    double F;
    long cycles;
    long chains;            /* stop once this many chains are done */
    long n_done;
    long n_steps;
    int verbose;
    chain_t *seen;
    cosim_batch_t batch;
    int replies_due;        /* of transactions sent */
    cosim_names_t *names;   /* packed entries' names texts, parsed */
    char *read_new;         /* the XREADGROUP of new entries, formatted */
    int read_new_len;
} pydsd_t;

static int usage(void) {
    fprintf(stderr,
            "usage: pde pydsd velocity|position [--cycles N] [--chains N] [--force F]\n"
            "                 [--m KG] [--k N/M] [--zeta Z] [--h S] [--consumer NAME]\n"
            "                 [--prefix P] [--verbose]\n"
            "Plays one part of the spring-damper demo against the Redis in PDE_REDIS\n"
            "(default redis://127.0.0.1:6379). The velocity part reads 'positions' in\n"
            "group vel_group and writes 'velocities'; the position part the reverse.\n"
            "Kick a chain off with:\n"
            "  redis-cli XADD positions '*' name mymodel in '{\"x\":0,\"v\":1,\"t\":0.0}' "
            "out '{\"x\":0,\"v\":1,\"t\":0.0}'\n"
            "Chains are told apart by name; many chains may share one entry: fields\n"
            "names (a JSON array), ins and outs (x, v, t per chain, as little-endian\n"
            "doubles), answered in kind (src/cosim/pack.h).\n"
            "Defaults: m = 1, k = 1, zeta = 0.01, h = 0.1, F = 0, 1000 cycles, 1 chain;\n"
            "it stops once --chains chains have run --cycles cycles.\n");
    return 2;
}

static chain_t *chain_of(pydsd_t *d, const char *name, size_t len) {
    chain_t *c = NULL;
    HASH_FIND(hh, d->seen, name, len, c);
    if (!c) {
        c = xcalloc(1, sizeof *c);
        c->name = xmalloc(len + 1);
        memcpy(c->name, name, len);
        c->name[len] = '\0';
        HASH_ADD_KEYPTR(hh, d->seen, c->name, len, c);
    }
    return c;
}

static void chain_done(pydsd_t *d, chain_t *c, const sd_state_t *s) {
    if (c->done) return;
    c->done = 1;
    d->n_done++;
    if (d->chains <= 10)
        printf("%s: chain %s done at t = %.17g s: x = %.17g m, v = %.17g m/s\n", d->def->name,
               c->name, s->t, s->x, s->v);
}

/* One chain's step on the state it received (cosim_chain_step_fn): what
 * to do with it, *out the state to send, the chain counted done when it
 * is. */
static cosim_step_t step_chain(void *ctx, const char *name, size_t name_len,
                               const sd_state_t *in, sd_state_t *out) {
    pydsd_t *d = ctx;
    cosim_step_t step = cosim_step(d->role, &d->p, d->F, d->cycles, in, out);
    if (cosim_step_answers(step)) {
        d->n_steps++;
        if (d->verbose)
            printf("%.*s t=%.17g x=%.17g v=%.17g\n", (int)name_len, name, out->t, out->x, out->v);
    }
    if (step == COSIM_OVERFLOW)
        fprintf(stderr, "pde pydsd %s: chain %.*s stopped at t = %.17g s: its next state "
                "is not finite (x = %.17g m, v = %.17g m/s)\n", d->def->name, (int)name_len,
                name, in->t, in->x, in->v);
    if (step != COSIM_ANSWER)
        chain_done(d, chain_of(d, name, name_len), step == COSIM_ANSWER_LAST ? out : in);
    return step;
}

/* One entry: queue its answer and its acknowledgement; whether it was a
 * packed entry. */
static int handle(pydsd_t *d, const char *id, const redisReply *fields) {
    cosim_entry_form_t form;
    if (cosim_answer_entry(&d->batch, d->writes, fields, &d->names, step_chain, d, &form) != 0)
        fprintf(stderr, "pde pydsd %s: entry %s is not %s; skipped\n", d->def->name, id,
                form == COSIM_ENTRY_PACKED ? "names/ins/outs with states"
                                           : "name/in/out with a state");
    cosim_batch_ack(&d->batch, d->reads, d->def->group, id);
    return form == COSIM_ENTRY_PACKED;
}

static void append_read(pydsd_t *d, const char *from);

/* Send the transaction queued so far, and behind it in the same write the
 * next read of new entries if then_read is set, without waiting for their
 * replies (await_replies() takes the transaction's, take_read() the
 * read's). A read's packed entries are sent one by one as they are
 * handled, so the other part starts on the first while this one handles
 * the next; 0, or -1 with the reason printed. */
static int send_batch(pydsd_t *d, int then_read) {
    cosim_batch_finish(&d->batch);
    int rc = 0, done = 0;
    if (d->batch.n_replies) {
        if (redisAppendFormattedCommand(d->rc, d->batch.cmds.data, d->batch.cmds.len) != REDIS_OK)
            rc = -1;
        d->replies_due += d->batch.n_replies;
    }
    if (rc == 0 && then_read) append_read(d, ">");
    while (rc == 0 && !done)
        if (redisBufferWrite(d->rc, &done) != REDIS_OK) rc = -1;
    if (rc) fprintf(stderr, "pde pydsd %s: Redis: %s\n", d->def->name, d->rc->errstr);
    cosim_batch_reset(&d->batch);
    return rc;
}

/* Take the replies of the transactions sent; 0, or -1 with the reason
 * printed (an error, or a transaction that did not run: EXEC's nil). */
static int await_replies(pydsd_t *d) {
    int rc = 0;
    for (; d->replies_due > 0; d->replies_due--) {
        redisReply *r = NULL;
        if (redisGetReply(d->rc, (void **)&r) != REDIS_OK) {
            fprintf(stderr, "pde pydsd %s: Redis: %s\n", d->def->name, d->rc->errstr);
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_NIL) {
            fprintf(stderr, "pde pydsd %s: Redis: %s\n", d->def->name,
                    r->type == REDIS_REPLY_ERROR ? r->str : "transaction aborted");
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

/* Queue an XREADGROUP: from id "0" (this consumer's pending entries, no
 * waiting) or ">" (new ones, waiting as long as it takes). The read of new
 * entries, sent once per step, is formatted once. */
static void append_read(pydsd_t *d, const char *from) {
    int pending = strcmp(from, ">") != 0;
    if (!pending && d->read_new) {
        redisAppendFormattedCommand(d->rc, d->read_new, (size_t)d->read_new_len);
        return;
    }
    const char *argv[11] = {"XREADGROUP", "GROUP", d->def->group, d->consumer, "COUNT",
                            READ_COUNT};
    int argc = 6;
    if (!pending) {
        argv[argc++] = "BLOCK";
        argv[argc++] = "0";
    }
    argv[argc++] = "STREAMS";
    argv[argc++] = d->reads;
    argv[argc++] = from;
    if (pending) {
        redisAppendCommandArgv(d->rc, argc, argv, NULL);
        return;
    }
    d->read_new_len = redisFormatCommandArgv(&d->read_new, argc, argv, NULL);
    PDE_ASSERT(d->read_new_len > 0);
    redisAppendFormattedCommand(d->rc, d->read_new, (size_t)d->read_new_len);
}

/* Take the reply of a queued read, handle its entries, send their answers
 * with, while chains remain and more is set, the next read of new entries
 * (one write for both: Redis takes the read at once, so the part is woken
 * once for the transaction's replies and once for its next entry, and
 * sends nothing in between), and take the transaction's replies. Returns
 * the entries handled, or -1 on a Redis error. */
static long take_read(pydsd_t *d, int more) {
    redisReply *r = NULL;
    if (redisGetReply(d->rc, (void **)&r) != REDIS_OK) {
        fprintf(stderr, "pde pydsd %s: Redis: %s\n", d->def->name, d->rc->errstr);
        return -1;
    }
    long n = 0;
    if (r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "pde pydsd %s: Redis: %s\n", d->def->name, r->str);
        n = -1;
    } else if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t s = 0; n >= 0 && s < r->elements; s++) {
            const redisReply *entries = r->element[s]->element[1];
            for (size_t i = 0; n >= 0 && i < entries->elements; i++) {
                const redisReply *e = entries->element[i];
                int packed = handle(d, e->element[0]->str, e->element[1]);
                n = packed && send_batch(d, 0) != 0 ? -1 : n + 1;
            }
        }
    }
    /* The answers go first: the other part waits on them, not on this
     * part's freeing and bookkeeping. */
    if (n >= 0 && send_batch(d, more && d->n_done < d->chains) != 0) n = -1;
    freeReplyObject(r);
    if (n >= 0 && await_replies(d) != 0) n = -1;
    return n;
}

/* Connect to PDE_REDIS; NULL with the reason printed. */
static redisContext *connect_redis(const char *url) {
    char host[256];
    int port;
    if (config_parse_redis_url(url, host, sizeof host, &port) != 0) {
        fprintf(stderr, "pde pydsd: PDE_REDIS '%s' is not redis://host:port\n", url);
        return NULL;
    }
    redisContext *c = redisConnect(host, port);
    if (!c || c->err) {
        fprintf(stderr, "pde pydsd: cannot reach Redis at %s: %s\n", url,
                c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    return c;
}

static int parse_args(pydsd_t *d, int argc, char **argv) {
    int role = argc >= 1 ? cosim_role_parse(argv[0]) : -1;
    if (role < 0) return -1;
    d->role = (cosim_role_t)role;
    d->def = cosim_role(d->role);
    d->p = SD_PARAMS_DEFAULT;
    d->cycles = SD_CYCLES_DEFAULT;
    d->chains = 1;
    snprintf(d->consumer, sizeof d->consumer, "%s", d->def->name);
    const char *prefix = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--verbose") == 0) {
            d->verbose = 1;
            continue;
        }
        if (i + 1 >= argc) return -1;
        const char *v = argv[++i];
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        int number = *v && !*end && !errno;
        if (strcmp(a, "--consumer") == 0)
            snprintf(d->consumer, sizeof d->consumer, "%s", v);
        else if (strcmp(a, "--prefix") == 0)
            prefix = v;
        else if (!number)
            return -1;
        else if (strcmp(a, "--cycles") == 0 && x >= 1)
            d->cycles = (long)x;
        else if (strcmp(a, "--chains") == 0 && x >= 1)
            d->chains = (long)x;
        else if (strcmp(a, "--force") == 0)
            d->F = x;
        else if (strcmp(a, "--m") == 0 && x > 0)
            d->p.m = x;
        else if (strcmp(a, "--k") == 0 && x > 0)
            d->p.k = x;
        else if (strcmp(a, "--zeta") == 0 && x >= 0)
            d->p.zeta = x;
        else if (strcmp(a, "--h") == 0 && x > 0)
            d->p.h = x;
        else
            return -1;
    }
    cosim_stream(d->reads, sizeof d->reads, prefix, d->def->reads);
    cosim_stream(d->writes, sizeof d->writes, prefix, d->def->writes);
    return 0;
}

int pydsd_main(int argc, char **argv) {
    static pydsd_t pydsd;
    pydsd_t *d = &pydsd;
    if (parse_args(d, argc, argv) != 0) return usage();
    const char *why = sd_split_check(&d->p);
    if (why) {
        fprintf(stderr, "pde pydsd: %s\n", why);
        return 2;
    }
    const char *url = getenv("PDE_REDIS");
    if (!url || !*url) url = "redis://127.0.0.1:6379";
    d->rc = connect_redis(url);
    if (!d->rc) return 1;
    /* "$": a new group starts with what is sent from now on; an existing
     * one (a part started again) keeps its place and its pending entries. */
    redisReply *r = redisCommand(d->rc, "XGROUP CREATE %s %s $ MKSTREAM", d->reads,
                                 d->def->group);
    int rc = 0;
    if (!r || (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0)) {
        fprintf(stderr, "pde pydsd: creating group %s on %s: %s\n", d->def->group, d->reads,
                r ? r->str : d->rc->errstr);
        rc = 1;
    }
    freeReplyObject(r);
    /* First what this consumer read before and never answered. */
    long n = 0;
    do {
        append_read(d, "0");
        if (rc == 0 && (n = take_read(d, 0)) < 0) rc = 1;
    } while (rc == 0 && n > 0);
    if (rc == 0 && d->n_done < d->chains) append_read(d, ">");
    while (rc == 0 && d->n_done < d->chains) {
        if (take_read(d, 1) < 0) rc = 1;
    }
    if (rc == 0 && d->chains > 10)
        printf("%s: %ld chains done, %ld steps\n", d->def->name, d->n_done, d->n_steps);
    chain_t *c, *tmp;
    HASH_ITER(hh, d->seen, c, tmp) {
        HASH_DEL(d->seen, c);
        free(c->name);
        free(c);
    }
    cosim_batch_release(&d->batch);
    cosim_names_release(&d->names);
    redisFreeCommand(d->read_new);
    redisFree(d->rc);
    return rc;
}
