/* Fuzz target: ACL SETUSER rules (one per line, selectors merged as SETUSER merges them) applied to a user, whose ACL LIST description must read back as the same user, and aclfile text as ACL LOAD parses it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands/acl.h"

static void describe(const ss_acl_user *u, ss_buf *out)
{
    ss_buf_reset(out);
    ss_acl_user_describe(u, out);
}

/* The words of text[0..len), split on sep. */
static int split(char *text, size_t len, char sep, char **argv, size_t *argvlen, int max)
{
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && n < max; i++)
        if (i == len || text[i] == sep) {
            argv[n] = text + start;
            argvlen[n++] = i - start;
            start = i + 1;
        }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[256];
    size_t argvlen[256];
    int argc = split(text, size, '\n', argv, argvlen, 256);
    ss_acl_rules r;
    int bad;
    ss_acl_user *u = ss_acl_user_new("u", 1);
    if (ss_acl_rules_merge(argc, argv, argvlen, &r, &bad)) {
        for (int j = 0; j < r.n; j++)
            ss_acl_user_set(u, r.op[j], r.len[j]);
        ss_acl_rules_free(&r);
    }
    /* ACL LIST's words are rules that make the same user again. */
    ss_buf once, twice;
    ss_buf_init(&once, 0);
    ss_buf_init(&twice, 0);
    describe(u, &once);
    char *words = malloc(ss_buf_len(&once) + 1);
    memcpy(words, ss_buf_data(&once), ss_buf_len(&once));
    char *wv[4096];
    size_t wl[4096];
    int wc = split(words, ss_buf_len(&once), ' ', wv, wl, 4096);
    ss_acl_user *again = ss_acl_user_new("u", 1);
    if (!ss_acl_rules_merge(wc, wv, wl, &r, &bad))
        abort();
    for (int j = 0; j < r.n; j++)
        if (ss_acl_user_set(again, r.op[j], r.len[j]) != SS_ACLE_OK)
            abort();
    ss_acl_rules_free(&r);
    describe(again, &twice);
    if (ss_buf_len(&once) != ss_buf_len(&twice) || memcmp(ss_buf_data(&once), ss_buf_data(&twice), ss_buf_len(&once)))
        abort();
    ss_acl_user_free(again);
    ss_acl_user_free(u);
    free(words);
    ss_buf_release(&once);
    ss_buf_release(&twice);
    /* The same bytes as an aclfile. */
    ss_acl *acl;
    ss_buf err;
    ss_buf_init(&err, 0);
    if (ss_acl_parse_file(text, size, "fuzz.acl", &acl, &err))
        ss_acl_free(acl);
    ss_buf_release(&err);
    free(text);
    return 0;
}
