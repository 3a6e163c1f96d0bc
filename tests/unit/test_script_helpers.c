/* Helpers for the scripting tests: run a script against a fake redis.call. */
#include "unit/test_script_helpers.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static bool is(const char *arg, size_t len, const char *name)
{
    return strlen(name) == len && strncasecmp(arg, name, len) == 0;
}

int fake_call(void *ctx, int argc, const char *const *argv, const size_t *argvlen,
              resp_proto proto, bool allow_writes, ss_buf *reply)
{
    (void)ctx;
    if (is(argv[0], argvlen[0], "raw") && argc == 2)
        return resp_add_raw(reply, argv[1], argvlen[1]) ? -1 : 0;
    if (is(argv[0], argvlen[0], "echo") && argc == 2)
        return resp_add_bulk(reply, argv[1], argvlen[1]) ? -1 : 0;
    if (is(argv[0], argvlen[0], "ping"))
        return resp_add_simple(reply, "PONG") ? -1 : 0;
    if (is(argv[0], argvlen[0], "proto"))
        return resp_add_int(reply, proto) ? -1 : 0;
    if (is(argv[0], argvlen[0], "set")) {
        if (!allow_writes)
            return resp_add_error(reply, SS_SCRIPT_RO_WRITE_ERR) ? -1 : 0;
        return resp_add_simple(reply, "OK") ? -1 : 0;
    }
    return resp_add_error(reply, SS_SCRIPT_UNKNOWN_CMD_ERR) ? -1 : 0;
}

static int count(const char *const *v)
{
    int n = 0;
    while (v && v[n])
        n++;
    return n;
}

script_run run_script(ss_script_env *env, const char *body, resp_proto proto, bool allow_writes,
                      const char *const *keys, const char *const *args)
{
    int nk = count(keys), na = count(args);
    size_t kl[16], al[16];
    for (int i = 0; i < nk; i++)
        kl[i] = strlen(keys[i]);
    for (int i = 0; i < na; i++)
        al[i] = strlen(args[i]);
    ss_script_call call = {
        .body = body, .body_len = strlen(body),
        .nkeys = nk, .keys = keys, .keylens = kl,
        .nargs = na, .args = args, .arglens = al,
        .proto = proto, .allow_writes = allow_writes,
        .call = fake_call,
    };
    return run_call(env, &call);
}

script_run run_call(ss_script_env *env, const ss_script_call *call)
{
    ss_buf out;
    ss_buf_init(&out, 0);
    script_run r = {0};
    ss_script_eval(env, call, &out, &r.res);
    r.len = ss_buf_len(&out);
    r.reply = malloc(r.len + 1);
    if (r.len)
        memcpy(r.reply, ss_buf_data(&out), r.len);
    r.reply[r.len] = '\0';
    ss_buf_release(&out);
    return r;
}

void expect_script(ss_script_env *env, const char *body, const char *want)
{
    script_run r = run_script(env, body, RESP2, true, NULL, NULL);
    cr_expect_str_eq(r.reply, want, "script %s\n got %s", body, r.reply);
    script_run_free(&r);
}

void script_run_free(script_run *r)
{
    free(r->reply);
    r->reply = NULL;
}

static char *eval_proto(const char *body, resp_proto proto)
{
    ss_script_env *env = ss_script_env_new(NULL);
    script_run r = run_script(env, body, proto, true, NULL, NULL);
    ss_script_env_free(env);
    return r.reply;
}

char *eval2(const char *body) { return eval_proto(body, RESP2); }
char *eval3(const char *body) { return eval_proto(body, RESP3); }
