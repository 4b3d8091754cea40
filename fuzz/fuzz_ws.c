/* fuzz_ws.c - libFuzzer target: WebSocket messages from a client (ws.c:
 * subscribe, unsubscribe, anything else, the message rate), on the fixture
 * engine of engine_fixture.h, with no socket behind the connection.
 *
 * An input is one message per line; "@running", "@queued" and "@finished"
 * stand for the fixture's sims. After each message the engine's own news
 * for the sims (a sample, a status change, an input written) is announced,
 * and every message due to the client is built and dropped, as
 * lws would write them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "engine_fixture.h"

static void replace_all(strbuf_t *out, const char *text, size_t len) {
    static const struct {
        const char *name;
        const char *id;
    } names[] = {{"@running", fuzz_sim_running},
                 {"@queued", fuzz_sim_queued},
                 {"@finished", fuzz_sim_finished}};
    for (size_t i = 0; i < len;) {
        size_t k;
        for (k = 0; k < sizeof names / sizeof *names; k++) {
            size_t nl = strlen(names[k].name);
            if (len - i >= nl && memcmp(text + i, names[k].name, nl) == 0) {
                strbuf_append(out, names[k].id, strlen(names[k].id));
                i += nl;
                break;
            }
        }
        if (k == sizeof names / sizeof *names) strbuf_append(out, text + i++, 1);
    }
}

static void drain(ws_conn_t *c) {
    char *text;
    while ((text = ws__next_text(c))) free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_engine_init();
    ws_conn_t *c = ws__conn_new(NULL);
    sim_rec_t *rec = registry_find(fuzz_sim_running);
    size_t at = 0;
    while (at < size) {
        const char *start = (const char *)data + at;
        const char *nl = memchr(start, '\n', size - at);
        size_t len = nl ? (size_t)(nl - start) : size - at;
        at += len + (nl ? 1 : 0);
        strbuf_t msg = STRBUF_INIT;
        replace_all(&msg, start, len);
        int rc = ws__on_message(c, msg.data ? msg.data : "", msg.len);
        strbuf_release(&msg);
        ws_notify_sample(rec);
        ws_notify_status(rec);
        ws_notify_input(rec, 0);
        drain(c);
        if (rc < 0) break;     /* ws.c would close the connection */
    }
    ws__conn_free(c);
    return 0;
}
