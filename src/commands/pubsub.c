/* Pub/sub on one node: the subscriptions of its connections and the delivery of messages to them. */
#include "commands/pubsub.h"

#include <stdlib.h>
#include <string.h>

#include "common/dict.h"
#include "common/error.h"
#include "common/strutil.h"
#include "resp/resp.h"

/* What a session subscribes to: name -> NULL, per kind (NULL until used). */
struct ss_ps_session {
    ss_dict *names[SS_PS_KINDS];
};

struct ss_pubsub {
    /* name -> subscribers (an ss_dict of session id -> session), per kind. A
     * name leaves the map with its last subscriber. */
    ss_dict *names[SS_PS_KINDS];
    ss_ps_push_fn push;
    void *push_arg;
    ss_buf msg2, msg3;   /* a message being delivered, built once per protocol */
};

ss_pubsub *ss_pubsub_new(ss_ps_push_fn push, void *arg)
{
    ss_pubsub *ps = calloc(1, sizeof *ps);
    if (!ps)
        return NULL;
    for (int k = 0; k < SS_PS_KINDS; k++) {
        ps->names[k] = ss_dict_new();
        if (!ps->names[k]) {
            ss_pubsub_free(ps);
            return NULL;
        }
    }
    ps->push = push;
    ps->push_arg = arg;
    ss_buf_init(&ps->msg2, 0);
    ss_buf_init(&ps->msg3, 0);
    return ps;
}

static void free_subscribers(void *val) { ss_dict_free(val, NULL); }

void ss_pubsub_free(ss_pubsub *ps)
{
    if (!ps)
        return;
    for (int k = 0; k < SS_PS_KINDS; k++)
        ss_dict_free(ps->names[k], free_subscribers);
    ss_buf_release(&ps->msg2);
    ss_buf_release(&ps->msg3);
    free(ps);
}

/* ------------------------------------------------------- subscriptions */

int ss_pubsub_subscribe(ss_pubsub *ps, ss_session *s, int kind, const char *name, size_t len, bool *added)
{
    *added = false;
    if (!s->pubsub && !(s->pubsub = calloc(1, sizeof *s->pubsub)))
        return SS_ENOMEM;
    ss_dict **mine = &s->pubsub->names[kind];
    if (!*mine && !(*mine = ss_dict_new()))
        return SS_ENOMEM;
    if (ss_dict_find(*mine, name, len, NULL))
        return SS_OK;
    ss_dict *subs = ss_dict_get(ps->names[kind], name, len);
    bool fresh = subs == NULL;
    if (fresh && (!(subs = ss_dict_new()) || ss_dict_put(ps->names[kind], name, len, subs) != SS_OK)) {
        ss_dict_free(subs, NULL);
        return SS_ENOMEM;
    }
    if (ss_dict_put(subs, &s->id, sizeof s->id, s) != SS_OK) {
        if (fresh) {
            ss_dict_del(ps->names[kind], name, len, NULL);
            ss_dict_free(subs, NULL);
        }
        return SS_ENOMEM;
    }
    if (ss_dict_put(*mine, name, len, NULL) != SS_OK) {
        ss_dict_del(subs, &s->id, sizeof s->id, NULL);
        if (ss_dict_size(subs) == 0) {
            ss_dict_del(ps->names[kind], name, len, NULL);
            ss_dict_free(subs, NULL);
        }
        return SS_ENOMEM;
    }
    s->subscribed++;
    s->subscribed_kind[kind]++;
    *added = true;
    return SS_OK;
}

/* Removes s from name's subscribers, and name from the map once nobody is left. */
static void drop_subscriber(ss_pubsub *ps, ss_session *s, int kind, const char *name, size_t len)
{
    ss_dict *subs = ss_dict_get(ps->names[kind], name, len);
    if (!subs)
        return;
    ss_dict_del(subs, &s->id, sizeof s->id, NULL);
    if (ss_dict_size(subs) == 0) {
        ss_dict_del(ps->names[kind], name, len, NULL);
        ss_dict_free(subs, NULL);
    }
}

bool ss_pubsub_unsubscribe(ss_pubsub *ps, ss_session *s, int kind, const char *name, size_t len)
{
    if (!s->pubsub || !s->pubsub->names[kind] || !ss_dict_del(s->pubsub->names[kind], name, len, NULL))
        return false;
    drop_subscriber(ps, s, kind, name, len);
    s->subscribed--;
    s->subscribed_kind[kind]--;
    return true;
}

void ss_pubsub_unsubscribe_all(ss_pubsub *ps, ss_session *s, int kind,
                               void (*fn)(void *arg, const char *name, size_t len), void *arg)
{
    if (!s->pubsub || !s->pubsub->names[kind])
        return;
    ss_dict *mine = s->pubsub->names[kind];
    ss_dict_iter it;
    ss_dict_iter_init(&it, mine);
    const char *name;
    size_t len;
    while (ss_dict_next(&it, &name, &len, NULL)) {
        drop_subscriber(ps, s, kind, name, len);
        s->subscribed--;
        s->subscribed_kind[kind]--;
        if (fn)
            fn(arg, name, len);  /* before the delete frees name */
        ss_dict_del(mine, name, len, NULL);
    }
}

void ss_pubsub_leave(ss_pubsub *ps, ss_session *s)
{
    if (!s->pubsub)
        return;
    for (int k = 0; k < SS_PS_KINDS; k++) {
        ss_pubsub_unsubscribe_all(ps, s, k, NULL, NULL);
        ss_dict_free(s->pubsub->names[k], NULL);
    }
    free(s->pubsub);
    s->pubsub = NULL;
}

bool ss_pubsub_session_each(const ss_session *s, bool (*fn)(void *arg, int kind, const char *name, size_t len),
                            void *arg)
{
    for (int k = 0; s->pubsub && k < SS_PS_KINDS; k++) {
        if (!s->pubsub->names[k])
            continue;
        ss_dict_iter it;
        ss_dict_iter_init(&it, s->pubsub->names[k]);
        const char *name;
        size_t len;
        while (ss_dict_next(&it, &name, &len, NULL))
            if (!fn(arg, k, name, len))
                return false;
    }
    return true;
}

size_t ss_pubsub_session_count(const ss_session *s, int kind)
{
    return s->pubsub && s->pubsub->names[kind] ? ss_dict_size(s->pubsub->names[kind]) : 0;
}

/* ------------------------------------------------------------ delivery */

bool ss_pubsub_any(const ss_pubsub *ps)
{
    for (int k = 0; k < SS_PS_KINDS; k++)
        if (ss_dict_size(ps->names[k]))
            return true;
    return false;
}

long long ss_pubsub_receivers(const ss_pubsub *ps, const char *ch, size_t chlen, bool shard)
{
    if (shard) {
        ss_dict *subs = ss_dict_get(ps->names[SS_PS_SHARD], ch, chlen);
        return subs ? (long long)ss_dict_size(subs) : 0;
    }
    ss_dict *subs = ss_dict_get(ps->names[SS_PS_CHANNEL], ch, chlen);
    long long n = subs ? (long long)ss_dict_size(subs) : 0;
    ss_dict_iter it;
    ss_dict_iter_init(&it, ps->names[SS_PS_PATTERN]);
    const char *pat;
    size_t plen;
    void *psubs;
    while (ss_dict_next(&it, &pat, &plen, &psubs))
        if (ss_stringmatch(pat, plen, ch, chlen, false))
            n += (long long)ss_dict_size(psubs);
    return n;
}

/* The message in both protocols: [kind, (pattern,) channel, message]. */
static void build(ss_pubsub *ps, const char *kind, const char *pat, size_t plen, const char *ch, size_t chlen,
                  const char *msg, size_t mlen)
{
    for (int p = 0; p < 2; p++) {
        ss_buf *b = p ? &ps->msg3 : &ps->msg2;
        ss_buf_reset(b);
        resp_add_push_len(b, p ? RESP3 : RESP2, pat ? 4 : 3);
        resp_add_bulk_cstr(b, kind);
        if (pat)
            resp_add_bulk(b, pat, plen);
        resp_add_bulk(b, ch, chlen);
        resp_add_bulk(b, msg, mlen);
    }
}

static long long send_all(ss_pubsub *ps, ss_dict *subs)
{
    long long n = 0;
    ss_dict_iter it;
    ss_dict_iter_init(&it, subs);
    void *v;
    while (ss_dict_next(&it, NULL, NULL, &v)) {
        ss_session *s = v;
        ss_buf *b = s->proto == RESP3 ? &ps->msg3 : &ps->msg2;
        ps->push(ps->push_arg, s, ss_buf_data(b), ss_buf_len(b));
        n++;
    }
    return n;
}

long long ss_pubsub_publish(ss_pubsub *ps, const char *ch, size_t chlen, const char *msg, size_t mlen, bool shard)
{
    long long n = 0;
    ss_dict *subs = ss_dict_get(ps->names[shard ? SS_PS_SHARD : SS_PS_CHANNEL], ch, chlen);
    if (subs) {
        build(ps, shard ? "smessage" : "message", NULL, 0, ch, chlen, msg, mlen);
        n += send_all(ps, subs);
    }
    if (shard)
        return n;
    ss_dict_iter it;
    ss_dict_iter_init(&it, ps->names[SS_PS_PATTERN]);
    const char *pat;
    size_t plen;
    void *psubs;
    while (ss_dict_next(&it, &pat, &plen, &psubs)) {
        if (!ss_stringmatch(pat, plen, ch, chlen, false))
            continue;
        build(ps, "pmessage", pat, plen, ch, chlen, msg, mlen);
        n += send_all(ps, psubs);
    }
    return n;
}

/* --------------------------------------------------------------- PUBSUB */

void ss_pubsub_channels(ss_pubsub *ps, int kind, const char *pat, size_t plen,
                        void (*fn)(void *arg, const char *name, size_t len), void *arg)
{
    ss_dict_iter it;
    ss_dict_iter_init(&it, ps->names[kind]);
    const char *name;
    size_t len;
    while (ss_dict_next(&it, &name, &len, NULL))
        if (!pat || ss_stringmatch(pat, plen, name, len, false))
            fn(arg, name, len);
}

long long ss_pubsub_numsub(const ss_pubsub *ps, int kind, const char *name, size_t len)
{
    ss_dict *subs = ss_dict_get(ps->names[kind], name, len);
    return subs ? (long long)ss_dict_size(subs) : 0;
}

long long ss_pubsub_numpat(const ss_pubsub *ps) { return (long long)ss_dict_size(ps->names[SS_PS_PATTERN]); }
