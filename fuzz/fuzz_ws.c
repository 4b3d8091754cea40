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

static void drain(ws_conn_t *c) {
    char *text;
    while ((text = ws__next_text(c))) free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_engine_init();
    ws_conn_t *c = ws__conn_new(NULL);
    sim_rec_t *rec = registry_find(fuzz_sim_running);
    size_t at = 0, len;
    const char *start;
    while ((start = fuzz_next_line(data, size, &at, &len))) {
        strbuf_t msg = STRBUF_INIT;
        fuzz_expand_sims(&msg, start, len);
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
