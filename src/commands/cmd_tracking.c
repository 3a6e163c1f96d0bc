/* CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO: client-side caching, as Redis 7.0's networking.c parses them (the tables are the engine's tracking.c). */
#include <stdlib.h>
#include <string.h>

#include "commands/client_cmds.h"
#include "commands/keyhelpers.h"

/* Whether one of the two strings starts with the other (Redis's stringCheckPrefix). */
static bool overlap(const char *a, size_t alen, const char *b, size_t blen)
{
    return memcmp(a, b, alen < blen ? alen : blen) == 0;
}

/* Redis's checkPrefixCollisionsOrReply: BCAST prefixes of one client must
 * not overlap, neither with those it has nor among themselves. */
static bool prefixes_ok(ss_session *s, char *const *p, const size_t *len, size_t n, ss_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < s->ntracking_prefixes; j++) {
            if (overlap(s->tracking_prefixes[j], s->tracking_prefix_lens[j], p[i], len[i])) {
                resp_add_errorf(out,
                                "ERR Prefix '%.128s' overlaps with an existing prefix '%.128s'. Prefixes for a "
                                "single client must not overlap.",
                                p[i], s->tracking_prefixes[j]);
                return false;
            }
        }
        for (size_t j = i + 1; j < n; j++) {
            if (overlap(p[i], len[i], p[j], len[j])) {
                resp_add_errorf(out,
                                "ERR Prefix '%.128s' overlaps with another provided prefix '%.128s'. Prefixes "
                                "for a single client must not overlap.",
                                p[i], p[j]);
                return false;
            }
        }
    }
    return true;
}

/* The checks of enableTracking's caller, in Redis's order. */
static bool options_ok(ss_session *s, uint32_t options, size_t nprefix, ss_buf *out)
{
    const char *err = NULL;
    bool bcast = (options & SS_TRACK_BCAST) != 0;
    if (!bcast && nprefix)
        err = "ERR PREFIX option requires BCAST mode to be enabled";
    else if ((s->tracking & SS_TRACK_ON) && bcast != ((s->tracking & SS_TRACK_BCAST) != 0))
        err = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
              "re-enabling it with a different mode.";
    else if (bcast && (options & (SS_TRACK_OPTIN | SS_TRACK_OPTOUT)))
        err = "ERR OPTIN and OPTOUT are not compatible with BCAST";
    else if ((options & SS_TRACK_OPTIN) && (options & SS_TRACK_OPTOUT))
        err = "ERR You can't specify both OPTIN mode and OPTOUT mode";
    else if (((options & SS_TRACK_OPTIN) && (s->tracking & SS_TRACK_OPTOUT)) ||
             ((options & SS_TRACK_OPTOUT) && (s->tracking & SS_TRACK_OPTIN)))
        err = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "
              "re-enabling it with a different mode.";
    if (err)
        resp_add_error(out, err);
    return err == NULL;
}

/* CLIENT TRACKING on|off [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP] */
void ss_client_tracking_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    long long redir = 0;
    uint32_t options = 0;
    /* at most one prefix for every two arguments: bounded by the command */
    char **prefix = malloc(sizeof *prefix * (size_t)a->argc);
    size_t *plen = malloc(sizeof *plen * (size_t)a->argc);
    size_t n = 0;
    if (!prefix || !plen) {
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        goto done;
    }
    for (int j = 3; j < a->argc; j++) {
        bool more = a->argc - 1 - j > 0;
        if (ss_arg_is(a, j, "redirect") && more) {
            j++;
            if (redir != 0) {
                resp_add_error(out, "ERR A client can only redirect to a single other client");
                goto done;
            }
            if (!ss_parse_ll(a->argv[j], a->argvlen[j], &redir)) {
                ss_reply_err(out, RERR_NOTINT);
                goto done;
            }
            if (!node->ops->client_exists(node->ctx, (uint64_t)redir)) {
                resp_add_error(out, "ERR The client ID you want redirect to does not exist");
                goto done;
            }
        } else if (ss_arg_is(a, j, "bcast")) {
            options |= SS_TRACK_BCAST;
        } else if (ss_arg_is(a, j, "optin")) {
            options |= SS_TRACK_OPTIN;
        } else if (ss_arg_is(a, j, "optout")) {
            options |= SS_TRACK_OPTOUT;
        } else if (ss_arg_is(a, j, "noloop")) {
            options |= SS_TRACK_NOLOOP;
        } else if (ss_arg_is(a, j, "prefix") && more) {
            j++;
            prefix[n] = a->argv[j];
            plen[n++] = a->argvlen[j];
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            goto done;
        }
    }
    if (ss_arg_is(a, 2, "on")) {
        if (!options_ok(s, options, n, out))
            goto done;
        if ((options & SS_TRACK_BCAST) && !prefixes_ok(s, prefix, plen, n, out))
            goto done;
        if (node->ops->tracking_on(node->ctx, s, (uint64_t)redir, options, prefix, plen, n) != SS_OK) {
            ss_reply_err(out, RERR_INTERNAL, "out of memory");
            goto done;
        }
    } else if (ss_arg_is(a, 2, "off")) {
        node->ops->tracking_off(node->ctx, s);
    } else {
        ss_reply_err(out, RERR_SYNTAX);
        goto done;
    }
    resp_add_shared(out, RESP_SH_OK);
done:
    free(prefix);
    free(plen);
}

/* CLIENT CACHING yes|no: for the next command, in OPTIN or OPTOUT mode. */
void ss_client_caching_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    if (!(s->tracking & SS_TRACK_ON)) {
        resp_add_error(out, "ERR CLIENT CACHING can be called only when the client is in tracking mode with "
                            "OPTIN or OPTOUT mode enabled");
    } else if (ss_arg_is(a, 2, "yes")) {
        if (s->tracking & SS_TRACK_OPTIN) {
            s->tracking |= SS_TRACK_CACHING;
            resp_add_shared(out, RESP_SH_OK);
        } else {
            resp_add_error(out, "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
        }
    } else if (ss_arg_is(a, 2, "no")) {
        if (s->tracking & SS_TRACK_OPTOUT) {
            s->tracking |= SS_TRACK_CACHING;
            resp_add_shared(out, RESP_SH_OK);
        } else {
            resp_add_error(out, "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
        }
    } else {
        ss_reply_err(out, RERR_SYNTAX);
    }
}

void ss_client_getredir_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)a;
    resp_add_int(out, (s->tracking & SS_TRACK_ON) ? (long long)s->tracking_redirect : -1);
}

/* CLIENT TRACKINGINFO: a map of flags (a set), redirect and prefixes. */
void ss_client_trackinginfo_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)a;
    const char *flags[8];
    int nf = 0;
    uint32_t t = s->tracking;
    flags[nf++] = (t & SS_TRACK_ON) ? "on" : "off";
    if (t & SS_TRACK_BCAST)
        flags[nf++] = "bcast";
    if (t & SS_TRACK_OPTIN) {
        flags[nf++] = "optin";
        if (t & SS_TRACK_CACHING)
            flags[nf++] = "caching-yes";
    }
    if (t & SS_TRACK_OPTOUT) {
        flags[nf++] = "optout";
        if (t & SS_TRACK_CACHING)
            flags[nf++] = "caching-no";
    }
    if (t & SS_TRACK_NOLOOP)
        flags[nf++] = "noloop";
    if (t & SS_TRACK_BROKEN_REDIR)
        flags[nf++] = "broken_redirect";
    resp_add_map_len(out, s->proto, 3);
    resp_add_bulk_cstr(out, "flags");
    resp_add_set_len(out, s->proto, nf);
    for (int i = 0; i < nf; i++)
        resp_add_bulk_cstr(out, flags[i]);
    resp_add_bulk_cstr(out, "redirect");
    resp_add_int(out, (t & SS_TRACK_ON) ? (long long)s->tracking_redirect : -1);
    resp_add_bulk_cstr(out, "prefixes");
    resp_add_array_len(out, (long long)s->ntracking_prefixes);
    for (size_t i = 0; i < s->ntracking_prefixes; i++)
        resp_add_bulk(out, s->tracking_prefixes[i], s->tracking_prefix_lens[i]);
}
