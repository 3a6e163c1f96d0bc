/* The Prometheus endpoint: a minimal HTTP/1.1 server for GET /metrics on the loop. */
#ifndef SS_METRICS_HTTP_H
#define SS_METRICS_HTTP_H

#include <uv.h>

#include "resp/buf.h"

/*
 * One listener (metrics-port on bind) and a few short connections: each
 * sends one request (at most SS_METRICS_MAX_REQUEST bytes of request line
 * and headers, within SS_METRICS_IDLE_MS), gets one answer and is closed
 * (Connection: close). GET or HEAD /metrics (any query string) is 200 with
 * render's text; another path 404, another method 405, a request too long
 * 431, one that is not HTTP 400. At most SS_METRICS_MAX_CONNS connections
 * at once; more are closed at accept.
 */
#define SS_METRICS_MAX_REQUEST 8192
#define SS_METRICS_MAX_CONNS 64
#define SS_METRICS_IDLE_MS 10000

typedef struct ss_metrics_http ss_metrics_http;
typedef void (*ss_metrics_render_fn)(void *ctx, ss_buf *out);

/* Listens on bind:port; SS_OK, or an error with errmsg. */
int ss_metrics_http_start(uv_loop_t *loop, const char *bind, int port, ss_metrics_render_fn render, void *ctx,
                          ss_metrics_http **out, char *errmsg);
/* Stops listening and closes every connection; cb(arg) once all is closed
 * and freed. */
void ss_metrics_http_close(ss_metrics_http *m, void (*cb)(void *arg), void *arg);

#endif
