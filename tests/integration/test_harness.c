/* The test harness itself: ports handed to one test process are never handed to another running beside
 * it, and a node counts as started only when it is our process that answers on its port. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "integration/harness.h"

#define PICKS 300

TestSuite(harness, .timeout = 120);

static void read_all(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        cr_assert_gt(n, 0, "the other test process died before it sent its ports");
        got += (size_t)n;
    }
}

/* Two processes (as CTest runs two tests) each take PICKS ports at the same
 * time; before ports were claimed across processes, two draws of 300 from
 * the same 10,000 shared about 9 ports. */
Test(harness, two_test_processes_never_get_the_same_port)
{
    int to_parent[2], to_child[2];
    cr_assert_eq(pipe(to_parent), 0);
    cr_assert_eq(pipe(to_child), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(to_parent[0]);
        close(to_child[1]);
        int ports[PICKS];
        for (int i = 0; i < PICKS; i++)
            ports[i] = h_free_port();
        if (write(to_parent[1], ports, sizeof ports) != (ssize_t)sizeof ports)
            _exit(1);
        char done;
        /* holds its claims until the parent has compared */
        if (read(to_child[0], &done, 1) < 0)
            _exit(1);
        _exit(0);
    }
    close(to_parent[1]);
    close(to_child[0]);
    int mine[PICKS], theirs[PICKS];
    for (int i = 0; i < PICKS; i++) {
        mine[i] = h_free_port();
        cr_assert_gt(mine[i], 0);
    }
    read_all(to_parent[0], theirs, sizeof theirs);
    int shared = 0;
    for (int i = 0; i < PICKS; i++)
        for (int j = 0; j < PICKS; j++)
            if (theirs[j] == mine[i])
                shared++;
    close(to_child[1]);
    int status;
    waitpid(pid, &status, 0);
    cr_expect_eq(shared, 0, "%d ports were handed to both processes", shared);
}

/* A port another server answers on (here a redis-server): our node cannot
 * bind it, and the harness must not take the other server's PONG for our
 * node's (it did: a test then talked to another test's cluster). */
Test(harness, a_port_answered_by_another_server_is_not_our_node)
{
    h_node other, ours;
    cr_assert(h_redis_start(&other), "redis-server starts");
    h_node_init(&ours, 1, NULL);
    ours.port = other.port;
    cr_expect_not(h_node_start(&ours), "the node counts as started only if it is ours that answers");
    h_node_cleanup(&ours);
    h_node_cleanup(&other);
}
