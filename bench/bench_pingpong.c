/* bench_pingpong.c - the floor for a co-simulated chain: a bare hiredis
 * ping-pong over two Redis streams, nothing else.
 *
 *   bench_pingpong HOST PORT ROUND_TRIPS [--groups | --transactions]
 *
 * Two processes, as the chain's two parts are, each with its own blocking
 * connection, pass one entry back and forth: A XADDs to pp:a and waits on
 * pp:b with XREAD BLOCK; B waits on pp:a and XADDs to pp:b. Entries carry
 * the same fields as the spring-damper chain's (name, in, out), so one
 * round trip costs what a co-simulation cycle would with no work and no
 * consumer groups. Prints round trips per second.
 *
 * --groups: what the demo's protocol adds, still with no work: each player
 * reads in a consumer group (XREADGROUP BLOCK) and acknowledges each entry
 * it answers, XADD and XACK in one write.
 *
 * --transactions: as --groups, with XACK and XADD in one MULTI/EXEC, as a
 * pde part sends them to be exactly-once: the floor of pde's own protocol. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

static const char *host;
static int port;
static long round_trips;
static enum { BARE, GROUPS, TRANSACTIONS } mode;

static const char *STATE = "{\"x\":0.2948235712,\"v\":0.964211712,\"t\":0.30000000000000004}";

static redisContext *connect_or_die(void) {
    redisContext *c = redisConnect(host, port);
    if (!c || c->err) {
        fprintf(stderr, "bench_pingpong: cannot reach Redis at %s:%d\n", host, port);
        exit(1);
    }
    return c;
}

/* Wait for the next entry after *last on stream (in group pp, with
 * --groups or --transactions); remember its id. */
static void wait_entry(redisContext *c, const char *stream, char *last, size_t len) {
    redisReply *r = mode != BARE
                        ? redisCommand(c, "XREADGROUP GROUP pp %s BLOCK 0 STREAMS %s >", stream,
                                       stream)
                        : redisCommand(c, "XREAD BLOCK 0 STREAMS %s %s", stream, last);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        fprintf(stderr, "bench_pingpong: %s failed\n", mode != BARE ? "XREADGROUP" : "XREAD");
        exit(1);
    }
    const redisReply *entries = r->element[0]->element[1];
    snprintf(last, len, "%s", entries->element[entries->elements - 1]->element[0]->str);
    freeReplyObject(r);
}

/* Take the next reply, which must be of type `type`. */
static void expect_reply(redisContext *c, int type, const char *command) {
    redisReply *r = NULL;
    if (redisGetReply(c, (void **)&r) != REDIS_OK || r->type != type) {
        fprintf(stderr, "bench_pingpong: %s failed\n", command);
        exit(1);
    }
    freeReplyObject(r);
}

/* Send an entry to stream; with --groups or --transactions, acknowledge in
 * the same write the entry last that this player read from stream acked
 * (if any), in a MULTI/EXEC with --transactions. */
static void send_entry(redisContext *c, const char *stream, const char *acked,
                       const char *last) {
    int ack = mode != BARE && acked && strcmp(last, "0-0") != 0;
    if (mode == TRANSACTIONS) redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "XADD %s * name chain in %s out %s", stream, STATE, STATE);
    if (ack) redisAppendCommand(c, "XACK %s pp %s", acked, last);
    if (mode == TRANSACTIONS) {
        redisAppendCommand(c, "EXEC");
        expect_reply(c, REDIS_REPLY_STATUS, "MULTI");
        for (int i = 0; i <= ack; i++) expect_reply(c, REDIS_REPLY_STATUS, "queuing");
        expect_reply(c, REDIS_REPLY_ARRAY, "EXEC");
        return;
    }
    expect_reply(c, REDIS_REPLY_STRING, "XADD");
    if (ack) expect_reply(c, REDIS_REPLY_INTEGER, "XACK");
}

static void player_b(void) {
    redisContext *c = connect_or_die();
    char last[64] = "0-0";
    for (long i = 0; i < round_trips; i++) {
        wait_entry(c, "pp:a", last, sizeof last);
        send_entry(c, "pp:b", "pp:a", last);
    }
    redisFree(c);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[4], "--groups") == 0) mode = GROUPS;
    if (argc == 5 && strcmp(argv[4], "--transactions") == 0) mode = TRANSACTIONS;
    if (argc != 4 + (mode != BARE)) {
        fprintf(stderr, "usage: bench_pingpong HOST PORT ROUND_TRIPS "
                        "[--groups | --transactions]\n");
        return 2;
    }
    host = argv[1];
    port = atoi(argv[2]);
    round_trips = atol(argv[3]);
    redisContext *c = connect_or_die();
    freeReplyObject(redisCommand(c, "DEL pp:a pp:b"));
    if (mode != BARE) {
        freeReplyObject(redisCommand(c, "XGROUP CREATE pp:a pp $ MKSTREAM"));
        freeReplyObject(redisCommand(c, "XGROUP CREATE pp:b pp $ MKSTREAM"));
    }
    pid_t b = fork();
    if (b < 0) return 1;
    if (b == 0) {
        player_b();
        _exit(0);
    }
    char last[64] = "0-0";
    double start = now_s();
    for (long i = 0; i < round_trips; i++) {
        send_entry(c, "pp:a", i ? "pp:b" : NULL, last);
        wait_entry(c, "pp:b", last, sizeof last);
    }
    double elapsed = now_s() - start;
    waitpid(b, NULL, 0);
    freeReplyObject(redisCommand(c, "DEL pp:a pp:b"));
    redisFree(c);
    printf("%.0f\n", (double)round_trips / elapsed);
    return 0;
}
