/* Pub/sub on one node: who subscribes to which channel, pattern or shard channel, and the delivery of a message to them. */
#ifndef SS_COMMANDS_PUBSUB_H
#define SS_COMMANDS_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>

#include "commands/session.h"
#include "resp/buf.h"

/*
 * Subscriptions belong to connections, so they live on the node that holds
 * the connection and nowhere else. A message reaches them because every node
 * applies the same PUBLISH entries (and raises the same keyspace events) in
 * the same order, and each delivers what it applies to its own subscribers
 * (see README "Pub/sub").
 *
 * A channel's subscribers are a map from session id to session, so
 * subscribing and unsubscribing are O(1) whatever the crowd; each session
 * keeps the names it subscribes to, so it can leave them all when it goes.
 * Patterns are matched against every published channel, as Redis does
 * (O(patterns) per message).
 */
enum { SS_PS_CHANNEL = 0, SS_PS_PATTERN = 1, SS_PS_SHARD = 2, SS_PS_KINDS = 3 };

typedef struct ss_pubsub ss_pubsub;

/* Sends bytes that are already RESP to a session, outside any reply. */
typedef void (*ss_ps_push_fn)(void *arg, ss_session *s, const char *data, size_t len);

ss_pubsub *ss_pubsub_new(ss_ps_push_fn push, void *arg);
/* Frees the registry; sessions must have left it first (ss_pubsub_leave). */
void ss_pubsub_free(ss_pubsub *ps);

/* Subscribes s to name; *added is false when it already was. SS_OK or SS_ENOMEM. */
int ss_pubsub_subscribe(ss_pubsub *ps, ss_session *s, int kind, const char *name, size_t len, bool *added);
/* Whether s was subscribed (and no longer is). */
bool ss_pubsub_unsubscribe(ss_pubsub *ps, ss_session *s, int kind, const char *name, size_t len);
/* Unsubscribes s from every name of kind, calling fn (may be NULL) with each
 * name after it was removed, in no particular order. */
void ss_pubsub_unsubscribe_all(ss_pubsub *ps, ss_session *s, int kind,
                               void (*fn)(void *arg, const char *name, size_t len), void *arg);
/* Drops every subscription of s (the connection is going, or RESET). */
void ss_pubsub_leave(ss_pubsub *ps, ss_session *s);
/* Calls fn with each name s subscribes to, of every kind, until fn returns
 * false (then false). */
bool ss_pubsub_session_each(const ss_session *s, bool (*fn)(void *arg, int kind, const char *name, size_t len),
                            void *arg);
/* How many names of kind s subscribes to. */
size_t ss_pubsub_session_count(const ss_session *s, int kind);

/* Whether this node has any subscriber at all (a cheap test before building
 * a keyspace notification nobody would receive). */
bool ss_pubsub_any(const ss_pubsub *ps);
/* The number of subscriptions that would receive a message on channel now:
 * its subscribers plus every (pattern, subscriber) whose pattern matches; for
 * a shard channel, its shard subscribers. What PUBLISH answers. */
long long ss_pubsub_receivers(const ss_pubsub *ps, const char *ch, size_t chlen, bool shard);
/* Delivers a message to those receivers ("message", "pmessage" or
 * "smessage", as a RESP2 array or a RESP3 push by each one's protocol).
 * Returns how many received it. */
long long ss_pubsub_publish(ss_pubsub *ps, const char *ch, size_t chlen, const char *msg, size_t mlen, bool shard);

/* PUBSUB: the active channels (or shard channels) matching pattern (NULL:
 * all), fn called with each; a channel's subscriber count; the number of
 * patterns subscribed to. */
void ss_pubsub_channels(ss_pubsub *ps, int kind, const char *pat, size_t plen,
                        void (*fn)(void *arg, const char *name, size_t len), void *arg);
long long ss_pubsub_numsub(const ss_pubsub *ps, int kind, const char *name, size_t len);
long long ss_pubsub_numpat(const ss_pubsub *ps);

#endif
