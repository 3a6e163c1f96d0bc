/* The RESP server: one libuv loop, a TCP listener and the client connections. */
#ifndef SS_SERVER_H
#define SS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "engine/engine.h"
#include "common/config.h"

typedef struct ss_server ss_server;

typedef struct ss_server_stats {
    uint64_t connections_received;
    uint64_t rejected_connections;
    uint64_t protocol_errors;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
    uint64_t output_limit_disconnections;
    uint64_t query_limit_disconnections;
} ss_server_stats;

/* Creates the server (not yet listening) over the engine, whose connection
 * hooks it sets. */
int ss_server_new(uv_loop_t *loop, ss_config *cfg, ss_engine *engine, ss_server **out, char *errmsg);
/* Binds bind:port and starts accepting. */
int ss_server_listen(ss_server *srv, char *errmsg);
/* Stops accepting, stops the engine (failing in-flight writes), flushes what
 * can be flushed and closes every connection; on_closed runs once every handle
 * is closed. Connections the engine still owes replies stay allocated until
 * it answers them: close the cluster (which fails the reads still waiting on
 * it) before freeing the engine. */
void ss_server_close(ss_server *srv, void (*on_closed)(void *arg), void *arg);
void ss_server_free(ss_server *srv);
const ss_server_stats *ss_server_get_stats(const ss_server *srv);
void ss_server_set_config_file(ss_server *srv, const char *path);

#endif
