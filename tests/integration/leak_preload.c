/* A library test_harness preloads into one sandstore node (ASan build only):
 * a thread that loses a few blocks half a second after start, which
 * LeakSanitizer must report when the node exits on SIGTERM, as it would a
 * leak of sandstore's own. (Lost from a thread that has ended, so that no
 * live stack still holds the pointers.) */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *lose_blocks(void *arg)
{
    (void)arg;
    usleep(500 * 1000);
    for (int i = 0; i < 8; i++) {
        char *volatile p = malloc(4242);
        if (p)
            memset(p, 1, 4242);
        p = NULL;
    }
    return NULL;
}

__attribute__((constructor)) static void leak_preload_start(void)
{
    /* The harness starts nodes through /bin/sh -c 'exec ...': only the node
     * loses memory (a thread in sh, which has no ASan, upsets the runtime). */
    if (strcmp(program_invocation_short_name, "sandstore") != 0)
        return;
    pthread_t t;
    if (pthread_create(&t, NULL, lose_blocks, NULL) == 0)
        pthread_detach(t);
}
