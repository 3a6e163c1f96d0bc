/* Failed AUTH attempts slowed down: the reply waits on a timer and the connection is not read meanwhile, per connection and per source address. */
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/server_internal.h"

/*
 * Why a delay and not a lockout: a lockout lets anyone who can reach the
 * port lock the real users out; a delay only slows whoever keeps failing.
 * Each failed attempt's reply (WRONGPASS) is held for a time that doubles
 * with the failures so far, from AUTH_DELAY_MS to AUTH_DELAY_MAX_MS, and the
 * connection is not read until it goes out, so pipelining guesses gains
 * nothing. The count is the larger of the connection's and its source
 * address's (remembered for AUTH_FORGET_MS after the last failure), so
 * reconnecting does not start over. The loop never waits: a timer releases
 * held connections. The address table is bounded (AUTH_ADDRS, the stalest
 * entry gives way).
 */
#define AUTH_DELAY_MS 100
#define AUTH_DELAY_MAX_MS 2000
#define AUTH_FORGET_MS 60000

/* The host part of "host:port" (IPv6 hosts hold colons too: the last one
 * starts the port). */
static void host_of(const char *addr, char *host, size_t size)
{
    const char *colon = strrchr(addr, ':');
    size_t n = colon ? (size_t)(colon - addr) : strlen(addr);
    if (n >= size)
        n = size - 1;
    memcpy(host, addr, n);
    host[n] = '\0';
}

/* Counts one more failure from host; returns the address's count. */
static uint32_t addr_failed(ss_server *srv, const char *host, uint64_t now)
{
    auth_addr *slot = NULL, *stalest = &srv->auth_addrs[0];
    for (int i = 0; i < SS_AUTH_ADDRS; i++) {
        auth_addr *a = &srv->auth_addrs[i];
        if (a->failures > 0 && strcmp(a->host, host) == 0) {
            slot = a;
            break;
        }
        if (a->last_ms < stalest->last_ms)
            stalest = a;
    }
    if (slot == NULL) {
        slot = stalest;
        snprintf(slot->host, sizeof slot->host, "%s", host);
        slot->failures = 0;
    } else if (now - slot->last_ms > AUTH_FORGET_MS) {
        slot->failures = 0;
    }
    slot->failures++;
    slot->last_ms = now;
    return slot->failures;
}

static void rearm(ss_server *srv, uint64_t now)
{
    uint64_t next = 0;
    for (ss_client *c = srv->held; c; c = c->held_next)
        if (next == 0 || c->held_until_ms < next)
            next = c->held_until_ms;
    if (next == 0)
        uv_timer_stop(&srv->auth_timer);
    else
        uv_timer_start(&srv->auth_timer, ss_auth_on_timer, next > now ? next - now : 0, 0);
}

static void unlink_held(ss_client *c)
{
    ss_server *srv = c->srv;
    if (c->held_prev)
        c->held_prev->held_next = c->held_next;
    else
        srv->held = c->held_next;
    if (c->held_next)
        c->held_next->held_prev = c->held_prev;
    c->held_next = c->held_prev = NULL;
    c->held = false;
}

void ss_auth_failed(ss_client *c)
{
    ss_server *srv = c->srv;
    uint64_t now = ss_clock_mono_ms();
    char host[64];
    host_of(c->session.addr, host, sizeof host);
    uint32_t n = addr_failed(srv, host, now);
    if (c->session.auth_failures > n)
        n = c->session.auth_failures;
    uint64_t delay = AUTH_DELAY_MS;
    for (uint32_t i = 1; i < n && delay < AUTH_DELAY_MAX_MS; i++)
        delay *= 2;
    if (delay > AUTH_DELAY_MAX_MS)
        delay = AUTH_DELAY_MAX_MS;
    LOG_VERBOSE("server: failed AUTH from client %llu (%s), %u so far: reply held %llu ms",
                (unsigned long long)c->session.id, c->session.addr, n, (unsigned long long)delay);
    c->held_until_ms = now + delay;
    if (!c->held) {
        c->held = true;
        c->held_prev = NULL;
        c->held_next = srv->held;
        if (srv->held)
            srv->held->held_prev = c;
        srv->held = c;
    }
    ss_client_hold(c);
    rearm(srv, now);
}

void ss_auth_on_timer(uv_timer_t *t)
{
    ss_server *srv = t->data;
    uint64_t now = ss_clock_mono_ms();
    for (ss_client *c = srv->held, *next; c; c = next) {
        next = c->held_next;
        if (c->held_until_ms <= now) {
            unlink_held(c);
            ss_client_release(c);
        }
    }
    rearm(srv, now);
}

void ss_auth_forget(ss_client *c)
{
    if (c->held)
        unlink_held(c);
}
