/* check_history: checks a recorded history file for linearizability. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/checker.h"
#include "fault/history.h"

/* Exit codes, for scripts. */
enum { EXIT_LINEARIZABLE = 0, EXIT_NOT_LINEARIZABLE = 1, EXIT_UNKNOWN_OR_BAD = 2 };

static void usage(FILE *f)
{
    fprintf(f, "usage: check_history FILE [--budget STATES] [--time-ms MS] [--no-minimise]\n"
               "  --budget STATES  give up on a key after exploring this many states\n"
               "                   (default 10000000; 0 = no limit)\n"
               "  --time-ms MS     give up after this much wall time (default 0 = no limit)\n"
               "  --no-minimise    report the whole failing key, not its shortest failing prefix\n"
               "exit status: 0 linearizable, 1 not linearizable, 2 unknown or bad input\n");
}

static int parse_count(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || v < 0)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    check_opts opts = { .max_states = 10000000 };
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        long long v;
        if ((strcmp(argv[i], "--budget") == 0 || strcmp(argv[i], "--time-ms") == 0) &&
            i + 1 < argc) {
            if (parse_count(argv[i + 1], &v) != 0) {
                fprintf(stderr, "check_history: %s: '%s' is not a count\n", argv[i], argv[i + 1]);
                return EXIT_UNKNOWN_OR_BAD;
            }
            if (argv[i][2] == 'b')
                opts.max_states = (uint64_t)v;
            else
                opts.max_ms = v;
            i++;
        } else if (strcmp(argv[i], "--no-minimise") == 0) {
            opts.no_minimise = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return EXIT_LINEARIZABLE;
        } else if (path == NULL && argv[i][0] != '-') {
            path = argv[i];
        } else {
            usage(stderr);
            return EXIT_UNKNOWN_OR_BAD;
        }
    }
    if (path == NULL) {
        usage(stderr);
        return EXIT_UNKNOWN_OR_BAD;
    }

    history h;
    history_init(&h);
    ss_errmsg err = "";
    if (history_load(&h, path, err) != SS_OK) {
        fprintf(stderr, "check_history: %s\n", err);
        history_release(&h);
        return EXIT_UNKNOWN_OR_BAD;
    }
    check_result r;
    int rc = checker_check(&h, &opts, &r, err);
    history_release(&h);
    if (rc != SS_OK) {
        fprintf(stderr, "check_history: %s\n", err);
        return EXIT_UNKNOWN_OR_BAD;
    }
    fputs(r.report, stdout);
    int status = r.verdict == CHECK_LINEARIZABLE       ? EXIT_LINEARIZABLE
                 : r.verdict == CHECK_NOT_LINEARIZABLE ? EXIT_NOT_LINEARIZABLE
                                                       : EXIT_UNKNOWN_OR_BAD;
    check_result_release(&r);
    return status;
}
