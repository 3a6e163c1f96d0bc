/* The RESP server: one libuv loop, a TCP listener and the client connections. */
#ifndef SS_SERVER_H
#define SS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "commands/engine.h"
#include "common/config.h"

typedef struct ss_server ss_server;

typedef struct ss_server_stats {
    uint64_t connections_received;
    uint64_t rejected_connections;
    uint64_t protocol_errors;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
} ss_server_stats;

/* Creates the server (not yet listening). The engine is created by the server
 * itself, over the given store; attach a cluster with ss_server_engine(). */
int ss_server_new(uv_loop_t *loop, ss_config *cfg, ss_store *store, ss_server **out, char *errmsg);
ss_engine *ss_server_engine(ss_server *srv);
/* Binds bind:port and starts accepting. */
int ss_server_listen(ss_server *srv, char *errmsg);
/* Stops accepting, fails in-flight writes, flushes what can be flushed and
 * closes every connection; on_closed runs once every handle is closed. The
 * engine stays alive until ss_server_free, so close the cluster (which fails
 * the reads still waiting on it) in between. */
void ss_server_close(ss_server *srv, void (*on_closed)(void *arg), void *arg);
void ss_server_free(ss_server *srv);
/* Called when a client asks for SHUTDOWN (or the cluster hits a fatal error). */
void ss_server_on_shutdown(ss_server *srv, void (*fn)(void *arg), void *arg);
const ss_server_stats *ss_server_get_stats(const ss_server *srv);
void ss_server_set_config_file(ss_server *srv, const char *path);

#endif
