/* A TCP fault proxy for the fault tests: one loopback listener per directed peer link, run by libuv on its own thread. */
#ifndef SS_FAULT_PROXY_H
#define SS_FAULT_PROXY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Each link listens on 127.0.0.1:<listen port> and forwards every accepted
 * connection to 127.0.0.1:<target port>. The nodes' transport sends node i's
 * messages to node j only over i's outbound connection, so one link per
 * directed pair (i -> j) lets a test cut one direction and not the other.
 *
 * Faults, per link, in both directions of every connection on it:
 * - blocked: nothing is read or delivered (bytes wait in the kernel's socket
 *   buffers and in the proxy's bounded queue, like a network that drops every
 *   packet while TCP keeps retrying); unblocking delivers them late.
 * - delay: every chunk read is delivered delay_ms later, in order.
 * - drop: every open connection is closed on both sides at once.
 * When either side of a connection closes or fails, the proxy closes the
 * other at once, and bytes still waiting in its queue (delayed or blocked)
 * are lost, as with a reset.
 *
 * Control calls are synchronous: when one returns, the loop thread has applied
 * it (after fp_set_blocked(.., true) no further byte crosses the link). The
 * proxy stops by itself after lifetime_ms, closing everything; control calls
 * are then no-ops.
 */

typedef struct fp_proxy fp_proxy;

typedef struct fp_link_stats {
    uint64_t accepted;  /* connections accepted */
    uint64_t bytes;     /* bytes delivered, both directions */
    uint64_t dropped;   /* connections closed by fp_drop */
    int open;           /* connections open now */
} fp_link_stats;

/* Binds one listener per target port (listen ports are written to
 * listen_ports[i]) and starts the loop thread. NULL on failure (printed). */
fp_proxy *fp_new(const int *target_ports, int nlinks, int64_t lifetime_ms, int *listen_ports);
/*
 * Routed mode, for peers that share one address per node (as a Raft
 * configuration names it): one listener per node slot j (written to
 * listen_ports[j]) forwarding to target_ports[j], and nslots * nslots links;
 * a connection is put on link (i -> j), index i * nslots + j, when its first
 * bytes are a sandstore transport HELLO from the node id at slot i to the node
 * id at slot j (plaintext: tls-cluster off); slot i holds node id i + 1 until
 * fp_set_slot_id says otherwise. Anything else stays on link (j -> j), which
 * tests never fault. The faults are per link as above.
 */
fp_proxy *fp_new_routed(const int *target_ports, int nslots, int64_t lifetime_ms, int *listen_ports);
/* Routed mode: connections accepted from now on take id as slot's node id. */
void fp_set_slot_id(fp_proxy *p, int slot, uint64_t id);
/* Stops the thread (if it did not stop by itself), closes everything, frees. */
void fp_free(fp_proxy *p);

void fp_set_blocked(fp_proxy *p, int link, bool blocked);
void fp_set_delay(fp_proxy *p, int link, int delay_ms);
void fp_drop(fp_proxy *p, int link);
/* Unblocks every link and removes every delay. */
void fp_heal_all(fp_proxy *p);
void fp_stats(fp_proxy *p, int link, fp_link_stats *out);

#endif
