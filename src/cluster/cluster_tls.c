/* The raft port's TLS contexts (tls-cluster): built at start, rebuilt by a certificate reload. */
#include "cluster/cluster_raft.h"
#include "common/log.h"

int cluster_tls_contexts(const ss_config *cfg, ss_tls_ctx **accept, ss_tls_ctx **dial, char *errmsg)
{
    *accept = *dial = NULL;
    int rc = ss_tls_ctx_new(cfg, SS_TLS_PEER_ACCEPT, accept, errmsg);
    if (rc == SS_OK && (rc = ss_tls_ctx_new(cfg, SS_TLS_PEER_DIAL, dial, errmsg)) != SS_OK) {
        ss_tls_ctx_free(*accept);
        *accept = NULL;
    }
    return rc;
}

int ss_cluster_tls_reload(ss_cluster *c, char *errmsg)
{
    if (c->transport == NULL || !ss_transport_has_tls(c->transport))
        return SS_OK;
    ss_tls_ctx *accept, *dial;
    int rc = cluster_tls_contexts(c->cfg, &accept, &dial, errmsg);
    if (rc != SS_OK)
        return rc;
    ss_transport_set_tls(c->transport, accept, dial);
    LOG_NOTICE("raft: TLS configuration reloaded for the raft port (new peer connections use it)");
    return SS_OK;
}
