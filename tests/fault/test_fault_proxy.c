/* Tests of the fault proxy against a small echo server: forwarding, blocking, delay, dropping. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault/fault_proxy.h"

typedef struct echo {
    int lfd;
    int port;
    pthread_t thread;
} echo;

/* Echoes every connection until the peer closes (one at a time). */
static void *echo_main(void *arg)
{
    echo *e = arg;
    for (;;) {
        int fd = accept(e->lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0)
            if (write(fd, buf, (size_t)n) != n)
                break;
        close(fd);
    }
}

static void echo_start(echo *e)
{
    e->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(e->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    getsockname(e->lfd, (struct sockaddr *)&sa, &len);
    e->port = ntohs(sa.sin_port);
    cr_assert_eq(listen(e->lfd, 8), 0);
    pthread_create(&e->thread, NULL, echo_main, e);
}

static void echo_stop(echo *e)
{
    shutdown(e->lfd, SHUT_RDWR);
    close(e->lfd);
    pthread_join(e->thread, NULL);
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Reads exactly len bytes, waiting at most timeout_ms for each; returns the
 * count read (short on timeout), or -1 when the connection closed. */
static ssize_t read_for(int fd, char *buf, size_t len, int timeout_ms)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

typedef struct fixture {
    echo e;
    fp_proxy *p;
    int port;
} fixture;

static void setup(fixture *f)
{
    echo_start(&f->e);
    f->p = fp_new(&f->e.port, 1, 60000, &f->port);
    cr_assert_not_null(f->p);
}

static void teardown(fixture *f)
{
    fp_free(f->p);
    echo_stop(&f->e);
}

Test(fault_proxy, forwards_bytes_both_ways)
{
    fixture f;
    setup(&f);
    int fd = dial(f.port);
    char buf[6];
    cr_assert_eq(write(fd, "hello!", 6), 6);
    cr_assert_eq(read_for(fd, buf, 6, 5000), 6);
    cr_assert_eq(memcmp(buf, "hello!", 6), 0);
    fp_link_stats st;
    fp_stats(f.p, 0, &st);
    cr_assert_eq(st.accepted, 1);
    cr_assert_eq(st.bytes, 12);
    close(fd);
    teardown(&f);
}

Test(fault_proxy, blocked_link_holds_bytes_until_unblocked)
{
    fixture f;
    setup(&f);
    int fd = dial(f.port);
    char buf[4];
    cr_assert_eq(write(fd, "ping", 4), 4);
    cr_assert_eq(read_for(fd, buf, 4, 5000), 4);
    fp_set_blocked(f.p, 0, true);
    cr_assert_eq(write(fd, "late", 4), 4);
    cr_assert_eq(read_for(fd, buf, 4, 300), 0, "a blocked link let bytes through");
    fp_set_blocked(f.p, 0, false);
    cr_assert_eq(read_for(fd, buf, 4, 5000), 4);
    cr_assert_eq(memcmp(buf, "late", 4), 0);
    close(fd);
    teardown(&f);
}

Test(fault_proxy, delay_keeps_the_order_of_bytes)
{
    fixture f;
    setup(&f);
    fp_set_delay(f.p, 0, 30);
    int fd = dial(f.port);
    char want[2000], got[2000];
    for (size_t i = 0; i < sizeof want; i++)
        want[i] = (char)('a' + i % 26);
    for (size_t off = 0; off < sizeof want; off += 100) {
        cr_assert_eq(write(fd, want + off, 100), 100);
        usleep(1000);
    }
    cr_assert_eq(read_for(fd, got, sizeof got, 5000), (ssize_t)sizeof got);
    cr_assert_eq(memcmp(want, got, sizeof got), 0);
    close(fd);
    teardown(&f);
}

Test(fault_proxy, drop_closes_both_sides)
{
    fixture f;
    setup(&f);
    int fd = dial(f.port);
    char buf[4];
    cr_assert_eq(write(fd, "ping", 4), 4);
    cr_assert_eq(read_for(fd, buf, 4, 5000), 4);
    fp_drop(f.p, 0);
    cr_assert_eq(read_for(fd, buf, 4, 5000), -1, "the client side stayed open");
    fp_link_stats st;
    fp_stats(f.p, 0, &st);
    cr_assert_eq(st.dropped, 1);
    cr_assert_eq(st.open, 0);
    close(fd);
    /* The link still accepts new connections. */
    fd = dial(f.port);
    cr_assert_eq(write(fd, "pong", 4), 4);
    cr_assert_eq(read_for(fd, buf, 4, 5000), 4);
    close(fd);
    teardown(&f);
}

Test(fault_proxy, stops_by_itself_after_its_lifetime)
{
    echo e;
    echo_start(&e);
    int port;
    fp_proxy *p = fp_new(&e.port, 1, 100, &port);
    cr_assert_not_null(p);
    usleep(300 * 1000);
    /* Control calls after the stop return at once instead of waiting. */
    fp_set_blocked(p, 0, true);
    fp_free(p);
    echo_stop(&e);
}

/* The first 28 bytes of a transport HELLO (src/raft_io/transport_frame.h and
 * transport_handshake.c): frame header, then sender and target node ids. */
static void hello_prefix(uint8_t out[28], uint64_t from, uint64_t to)
{
    memset(out, 0, 28);
    out[0] = 0x53, out[1] = 0x54, out[2] = 1, out[3] = 1;
    for (int i = 0; i < 8; i++) {
        out[12 + i] = (uint8_t)(from >> (56 - 8 * i));
        out[20 + i] = (uint8_t)(to >> (56 - 8 * i));
    }
}

/* One echo server behind slot 0 of three; the HELLO's sender picks the link. */
Test(fault_proxy, routed_mode_puts_a_connection_on_its_senders_link)
{
    echo e;
    echo_start(&e);
    int targets[3] = {e.port, e.port, e.port}, ports[3];
    fp_proxy *p = fp_new_routed(targets, 3, 60000, ports);
    cr_assert_not_null(p);
    /* Node 3 -> node 1 is link 2 * 3 + 0; node 2 -> node 1 is link 1 * 3 + 0. */
    fp_set_blocked(p, 2 * 3 + 0, true);
    uint8_t hello[28], back[28];
    hello_prefix(hello, 2, 1);
    int fd = dial(ports[0]);
    cr_assert_eq(write(fd, hello, 28), 28);
    cr_assert_eq(read_for(fd, (char *)back, 28, 5000), 28, "node 2's link is open");
    close(fd);
    hello_prefix(hello, 3, 1);
    fd = dial(ports[0]);
    cr_assert_eq(write(fd, hello, 28), 28);
    cr_assert_eq(read_for(fd, (char *)back, 28, 300), 0, "node 3's link is blocked");
    fp_link_stats st;
    fp_stats(p, 2 * 3 + 0, &st);
    cr_assert_eq(st.accepted, 1);
    fp_set_blocked(p, 2 * 3 + 0, false);
    cr_assert_eq(read_for(fd, (char *)back, 28, 5000), 28);
    cr_assert_eq(memcmp(back, hello, 28), 0, "the HELLO itself is delivered");
    close(fd);

    /* Slot 2 now holds node id 7: its connections take link 2 -> 0. */
    fp_set_slot_id(p, 2, 7);
    fp_set_blocked(p, 2 * 3 + 0, true);
    hello_prefix(hello, 7, 1);
    fd = dial(ports[0]);
    cr_assert_eq(write(fd, hello, 28), 28);
    cr_assert_eq(read_for(fd, (char *)back, 28, 300), 0, "node 7's link (slot 2) is blocked");
    close(fd);
    fp_heal_all(p); /* the proxy sees the close and lets the echo server go */
    /* Not a HELLO (or an unknown sender): the slot's own link, never faulted. */
    fd = dial(ports[0]);
    cr_assert_eq(write(fd, "not a hello, twenty-eight by", 28), 28);
    cr_assert_eq(read_for(fd, (char *)back, 28, 5000), 28);
    close(fd);
    fp_stats(p, 0, &st);
    cr_assert_eq(st.accepted, 1, "only the stranger stayed on the diagonal link");
    fp_free(p);
    echo_stop(&e);
}
