/* The arguments of a script's log entry: built at prepare, checked in apply. */
#include "engine/script_entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/numbers.h"

static const char *const naming_words[] = {"body", "sha", "fn"};

void ss_script_entry_build(ss_script_entry_args *ea, const char *name, ss_script_naming naming, int callflags,
                           resp_proto proto, ss_script_limits limits, const ss_args *a, int first,
                           long long numkeys)
{
    int rest = a->argc - (first + 2); /* keys and arguments */
    int argc = SS_SCRIPT_ENTRY_FIXED + rest;
    char **argv = malloc(sizeof *argv * (size_t)argc);
    size_t *argvlen = malloc(sizeof *argvlen * (size_t)argc);
    if (!argv || !argvlen)
        abort();
    snprintf(ea->nums[0], sizeof ea->nums[0], "%d", proto == RESP3 ? 3 : 2);
    snprintf(ea->nums[1], sizeof ea->nums[1], "%llu", (unsigned long long)limits.max_instructions);
    snprintf(ea->nums[2], sizeof ea->nums[2], "%zu", limits.max_memory);
    snprintf(ea->nums[3], sizeof ea->nums[3], "%zu", limits.max_reply);
    snprintf(ea->nums[4], sizeof ea->nums[4], "%lld", numkeys);
    const char *fixed[SS_SCRIPT_ENTRY_FIXED - 2] = {
        name, naming_words[naming], (callflags & SS_SCRIPT_CALL_RO) ? "ro" : "-",
        ea->nums[0], ea->nums[1], ea->nums[2], ea->nums[3],
    };
    for (int i = 0; i < SS_SCRIPT_ENTRY_FIXED - 2; i++) {
        argv[i] = (char *)fixed[i];
        argvlen[i] = strlen(fixed[i]);
    }
    argv[7] = a->argv[first];
    argvlen[7] = a->argvlen[first];
    argv[8] = ea->nums[4];
    argvlen[8] = strlen(ea->nums[4]);
    for (int i = 0; i < rest; i++) {
        argv[SS_SCRIPT_ENTRY_FIXED + i] = a->argv[first + 2 + i];
        argvlen[SS_SCRIPT_ENTRY_FIXED + i] = a->argvlen[first + 2 + i];
    }
    ea->args = (ss_args){argc, argv, argvlen};
    ea->flagword = NULL;
}

void ss_script_entry_set_user(ss_script_entry_args *ea, const char *user, size_t len)
{
    if (user == NULL)
        return;
    size_t flen = ea->args.argvlen[2];
    free(ea->flagword);
    ea->flagword = malloc(flen + 1 + len);
    if (!ea->flagword)
        abort();
    memcpy(ea->flagword, ea->args.argv[2], flen);
    ea->flagword[flen] = '@';
    memcpy(ea->flagword + flen + 1, user, len);
    ea->args.argv[2] = ea->flagword;
    ea->args.argvlen[2] = flen + 1 + len;
}

void ss_script_entry_release(ss_script_entry_args *ea)
{
    free(ea->flagword);
    ea->flagword = NULL;
    free(ea->args.argv);
    free(ea->args.argvlen);
    ea->args = (ss_args){0, NULL, NULL};
}

static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
    long long v;
    if (!ss_parse_ll(s, len, &v) || v < 0)
        return false;
    *out = (uint64_t)v;
    return true;
}

bool ss_script_entry_parse(const ss_args *a, ss_script_entry *out)
{
    memset(out, 0, sizeof *out);
    if (a->argc < SS_SCRIPT_ENTRY_FIXED)
        return false;
    int naming = -1;
    for (int i = 0; i < 3; i++)
        if (strlen(naming_words[i]) == a->argvlen[1] && !memcmp(naming_words[i], a->argv[1], a->argvlen[1]))
            naming = i;
    if (naming < 0)
        return false;
    out->naming = (ss_script_naming)naming;
    const char *at = memchr(a->argv[2], '@', a->argvlen[2]);
    size_t flen = at ? (size_t)(at - a->argv[2]) : a->argvlen[2];
    if (flen == 2 && !memcmp(a->argv[2], "ro", 2))
        out->callflags = SS_SCRIPT_CALL_RO;
    else if (flen != 1 || a->argv[2][0] != '-')
        return false;
    if (at) {
        out->user = at + 1;
        out->user_len = a->argvlen[2] - flen - 1;
        if (out->user_len == 0)
            return false;
    }
    if (a->argvlen[3] != 1 || (a->argv[3][0] != '2' && a->argv[3][0] != '3'))
        return false;
    out->proto = a->argv[3][0] == '3' ? RESP3 : RESP2;
    uint64_t instr, mem, reply;
    long long numkeys;
    if (!parse_u64(a->argv[4], a->argvlen[4], &instr) || !parse_u64(a->argv[5], a->argvlen[5], &mem) ||
        !parse_u64(a->argv[6], a->argvlen[6], &reply) || !ss_parse_ll(a->argv[8], a->argvlen[8], &numkeys) ||
        numkeys < 0 || numkeys > a->argc - SS_SCRIPT_ENTRY_FIXED)
        return false;
    out->limits = (ss_script_limits){.max_instructions = instr, .max_memory = (size_t)mem,
                                     .max_reply = (size_t)reply};
    out->script = a->argv[7];
    out->script_len = a->argvlen[7];
    out->nkeys = (int)numkeys;
    out->keys = (const char *const *)a->argv + SS_SCRIPT_ENTRY_FIXED;
    out->keylens = a->argvlen + SS_SCRIPT_ENTRY_FIXED;
    out->nargs = a->argc - SS_SCRIPT_ENTRY_FIXED - out->nkeys;
    out->args = out->keys + out->nkeys;
    out->arglens = out->keylens + out->nkeys;
    return true;
}
