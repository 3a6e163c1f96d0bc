/* Inline commands: one line split by redis' sdssplitargs rules (common/strutil's splitter). */
#include <string.h>

#include "common/strutil.h"
#include "resp/resp_internal.h"

static int push_token(void *arg, const char *tok, size_t toklen, size_t rest)
{
    /* The rest of the line bounds the tokens still to come, so argv grows by
     * doubling rather than one slot per token. */
    return resp_cmd_push_copy(arg, tok, toklen, (long long)rest + 1) == 0 ? 0 : SS_SPLIT_NOMEM;
}

int resp_split_inline(resp_cmd *cmd, const char *line, size_t len)
{
    /* Redis splits the line as a C string: it ends at the first NUL. */
    const char *nul = memchr(line, '\0', len);
    if (nul)
        len = (size_t)(nul - line);
    switch (ss_split_line(line, len, push_token, cmd)) {
    case 0: return RESP_EOK;
    case SS_SPLIT_QUOTES: return RESP_EQUOTES;
    default: return RESP_ENOMEM;
    }
}
