/* The log entry format: what the encoder writes decodes back, and anything malformed is refused before it is sized or allocated. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/entry.h"

static const ss_entry_header H = {.flags = 0, .origin_node = 3, .origin_boot = 0x1122334455667788ull,
                                  .seq = 9, .time_ms = 1700000000123LL, .seed = 77, .db = 2};

static void add(ss_buf *b, int argc, const char **argv)
{
    size_t lens[16];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    ss_args a = {argc, (char **)argv, lens};
    cr_assert_eq(ss_entry_add_cmd(b, &a), SS_OK);
}

/* One SET k v entry with the given header. */
static ss_buf set_entry(const ss_entry_header *h)
{
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_entry_begin(&b, h, 1);
    add(&b, 3, (const char *[]){"SET", "k", "v"});
    return b;
}

static int decode(const ss_buf *b)
{
    ss_entry e;
    ss_errmsg err = "";
    int rc = ss_entry_decode(ss_buf_data(b), ss_buf_len(b), &e, err);
    if (rc == SS_OK)
        ss_entry_release(&e);
    else
        cr_expect_neq(err[0], '\0', "a refusal says why");
    return rc;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#define HEADER_SIZE SS_ENTRY_HEADER_SIZE
#define NCMDS_AT (HEADER_SIZE - 4)

Test(entry, round_trips_header_and_commands)
{
    ss_entry_header h = H;
    h.flags = SS_ENTRY_MULTI;
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_entry_begin(&b, &h, 2);
    add(&b, 3, (const char *[]){"SET", "k", "v"});
    const char bin[] = {'a', '\0', 'b'};
    size_t binlen[] = {4, 3};
    ss_args a = {2, (char *[]){"INCR", (char *)bin}, binlen};
    ss_entry_add_cmd(&b, &a);
    ss_args set = {3, (char *[]){"SET", "k", "v"}, (size_t[]){3, 1, 1}};
    cr_expect_eq(ss_buf_len(&b), ss_entry_encoded_size((ss_args[]){set, a}, 2),
                 "the size known before encoding is the size encoded");
    cr_expect_eq(ss_buf_len(&b), SS_ENTRY_HEADER_SIZE + ss_entry_cmd_size(&set) + ss_entry_cmd_size(&a));

    ss_entry e;
    ss_errmsg err = "";
    cr_assert_eq(ss_entry_decode(ss_buf_data(&b), ss_buf_len(&b), &e, err), SS_OK, "%s", err);
    cr_expect_eq(e.h.flags, SS_ENTRY_MULTI);
    cr_expect_eq(e.h.origin_node, 3);
    cr_expect_eq(e.h.origin_boot, 0x1122334455667788ull);
    cr_expect_eq(e.h.seq, 9);
    cr_expect_eq(e.h.time_ms, 1700000000123LL);
    cr_expect_eq(e.h.seed, 77);
    cr_expect_eq(e.h.db, 2);
    cr_assert_eq(e.ncmds, 2);
    cr_expect_eq(e.cmds[0].argc, 3);
    cr_expect_str_eq(e.cmds[0].argv[2], "v");
    cr_expect_eq(e.cmds[1].argvlen[1], 3);
    cr_expect_eq(memcmp(e.cmds[1].argv[1], bin, 3), 0);
    ss_entry_release(&e);
    ss_buf_release(&b);
}

Test(entry, refuses_a_command_count_the_bytes_cannot_hold)
{
    ss_buf b = set_entry(&H);
    put_u32((uint8_t *)ss_buf_data(&b) + NCMDS_AT, 0xffffffffu);
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    put_u32((uint8_t *)ss_buf_data(&b) + NCMDS_AT, 2); /* one more than present */
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    put_u32((uint8_t *)ss_buf_data(&b) + NCMDS_AT, 0);
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    ss_buf_release(&b);
}

Test(entry, refuses_argument_counts_and_lengths_past_the_end)
{
    ss_buf b = set_entry(&H);
    uint8_t *argc = (uint8_t *)ss_buf_data(&b) + HEADER_SIZE;
    put_u32(argc, 0x7fffffffu);
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    put_u32(argc, 0);
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    put_u32(argc, 4);
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    put_u32(argc, 3);
    put_u32(argc + 4, 0xfffffff0u); /* the length of "SET" */
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    put_u32(argc + 4, 3);
    cr_expect_eq(decode(&b), SS_OK, "restored, it decodes again");
    ss_buf_release(&b);
}

Test(entry, refuses_trailing_bytes_and_truncation)
{
    ss_buf b = set_entry(&H);
    ss_buf_append(&b, "x", 1);
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    for (size_t len = 0; len < ss_buf_len(&b) - 1; len++) {
        ss_entry e;
        cr_expect_eq(ss_entry_decode(ss_buf_data(&b), len, &e, NULL), SS_ECORRUPT, "prefix of %zu", len);
    }
    ss_buf_release(&b);
}

Test(entry, refuses_an_unknown_version_or_flag)
{
    ss_buf b = set_entry(&H);
    ss_buf_data(&b)[0] = 2;
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    ss_buf_release(&b);
    ss_entry_header h = H;
    h.flags = 0x80;
    b = set_entry(&h);
    cr_expect_eq(decode(&b), SS_ECORRUPT, "a flag this version does not know");
    ss_buf_release(&b);
}

Test(entry, refuses_several_commands_outside_multi)
{
    /* Their replies would follow one another where the client waits for one. */
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_entry_begin(&b, &H, 2);
    add(&b, 3, (const char *[]){"SET", "a", "1"});
    add(&b, 3, (const char *[]){"SET", "b", "2"});
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    ss_buf_release(&b);
}

Test(entry, allows_what_the_engine_proposes_and_nothing_else)
{
    const struct {
        const char *name;
        bool alone, in_multi;
    } cases[] = {
        {"set", true, true},       {"__expire", true, false}, {"get", false, true},
        {"ping", false, true},     {"echo", false, true},     {"debug", false, false},
        {"select", false, true}, /* Redis 7.0 queues it in MULTI */  {"multi", false, false},   {"exec", false, false},
        {"unwatch", false, false}, {"config", false, false},  {"flushall", true, true},
        {"__acl", true, true}, /* ACL SETUSER/DELUSER/LOAD alone, or queued in MULTI */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ss_command *cmd = ss_command_lookup(cases[i].name, strlen(cases[i].name));
        cr_assert_not_null(cmd, "%s", cases[i].name);
        cr_expect_eq(ss_entry_allows(cmd, false), cases[i].alone, "%s alone", cases[i].name);
        cr_expect_eq(ss_entry_allows(cmd, true), cases[i].in_multi, "%s in MULTI", cases[i].name);
    }
}

/* The leader's door (ss_entry_valid, on the bytes) and apply (decode, then
 * ss_entry_check) must agree, or an entry could pass one and not the other. */
static void expect_door_agrees(const ss_buf *b, bool want, const char *what)
{
    ss_entry e;
    bool applies = ss_entry_decode(ss_buf_data(b), ss_buf_len(b), &e, NULL) == SS_OK;
    if (applies) {
        applies = ss_entry_check(&e, NULL);
        ss_entry_release(&e);
    }
    cr_expect_eq(applies, want, "apply on %s", what);
    cr_expect_eq(ss_entry_valid(ss_buf_data(b), ss_buf_len(b)), want, "the door on %s", what);
}

static void one_cmd(ss_buf *b, uint8_t flags, uint8_t db, int argc, const char **argv)
{
    ss_entry_header h = H;
    h.flags = flags;
    h.db = db;
    ss_buf_init(b, 0);
    ss_entry_begin(b, &h, 1);
    add(b, argc, argv);
}

Test(entry, the_door_and_apply_give_the_same_verdict)
{
    ss_buf b;
    one_cmd(&b, 0, 0, 3, (const char *[]){"SET", "k", "v"});
    expect_door_agrees(&b, true, "SET k v");
    ss_buf_release(&b);
    one_cmd(&b, SS_ENTRY_MULTI, 15, 2, (const char *[]){"get", "k"});
    expect_door_agrees(&b, true, "GET k in MULTI, db 15");
    ss_buf_release(&b);
    one_cmd(&b, 0, 0, 2, (const char *[]){"GET", "k"});
    expect_door_agrees(&b, false, "GET k alone");
    ss_buf_release(&b);
    one_cmd(&b, SS_ENTRY_MULTI, 0, 1, (const char *[]){"GET"});
    expect_door_agrees(&b, false, "GET in MULTI");
    ss_buf_release(&b);
    one_cmd(&b, 0, 16, 3, (const char *[]){"SET", "k", "v"});
    expect_door_agrees(&b, false, "db 16");
    ss_buf_release(&b);
    one_cmd(&b, 0, 0, 2, (const char *[]){"NOSUCH", "k"});
    expect_door_agrees(&b, false, "an unknown command");
    ss_buf_release(&b);
    one_cmd(&b, SS_ENTRY_MULTI, 0, 2, (const char *[]){"DEBUG", "DIGEST"});
    expect_door_agrees(&b, false, "DEBUG in MULTI");
    ss_buf_release(&b);
    one_cmd(&b, 0, 0, 3, (const char *[]){"SET", "k", "v"});
    ss_buf_append(&b, "", 1);
    expect_door_agrees(&b, false, "a trailing byte");
    ss_buf_release(&b);
}

/* A container's write subcommand (XGROUP CREATE) is the row that runs, at
 * the door and in apply; its local ones (HELP), an unknown one or the
 * container alone are refused by both. Before, both looked up "xgroup",
 * which has no apply half, and refused every XGROUP write. */
Test(entry, a_containers_subcommand_is_the_row_that_runs)
{
    ss_buf b;
    one_cmd(&b, 0, 0, 5, (const char *[]){"XGROUP", "CREATE", "s", "g", "$"});
    expect_door_agrees(&b, true, "XGROUP CREATE");
    ss_buf_release(&b);
    one_cmd(&b, SS_ENTRY_MULTI, 0, 5, (const char *[]){"xgroup", "setid", "s", "g", "0"});
    expect_door_agrees(&b, true, "XGROUP SETID in MULTI");
    ss_buf_release(&b);
    one_cmd(&b, 0, 0, 2, (const char *[]){"XGROUP", "HELP"});
    expect_door_agrees(&b, false, "XGROUP HELP");
    ss_buf_release(&b);
    one_cmd(&b, 0, 0, 3, (const char *[]){"XGROUP", "NOSUCH", "s"});
    expect_door_agrees(&b, false, "an unknown subcommand");
    ss_buf_release(&b);
    one_cmd(&b, 0, 0, 1, (const char *[]){"XGROUP"});
    expect_door_agrees(&b, false, "the container alone");
    ss_buf_release(&b);
    one_cmd(&b, 0, 0, 3, (const char *[]){"XGROUP", "CREATE", "s"});
    expect_door_agrees(&b, false, "XGROUP CREATE short of its arity");
    ss_buf_release(&b);
}

Test(entry, refuses_a_time_that_is_no_wall_clock_reading)
{
    /* Apply adds TTLs to the entry's time: a negative or absurd one would
     * overflow them (EXPIRE's base, found by fuzz_entry_apply). */
    ss_entry_header h = H;
    h.time_ms = -1;
    ss_buf b = set_entry(&h);
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    ss_buf_release(&b);
    h.time_ms = INT64_MAX;
    b = set_entry(&h);
    cr_expect_eq(decode(&b), SS_ECORRUPT);
    ss_buf_release(&b);
    h.time_ms = SS_ENTRY_MAX_TIME_MS;
    b = set_entry(&h);
    cr_expect_eq(decode(&b), SS_OK, "the last millisecond of year 9999");
    ss_buf_release(&b);
}

/* A watched EXEC: "__watch" and (db, key, 20-byte digest) triples first. */
static void watch_entry(ss_buf *b, uint8_t flags, int argc, const char **argv)
{
    ss_entry_header h = H;
    h.flags = flags;
    ss_buf_init(b, 0);
    ss_entry_begin(b, &h, 2);
    add(b, argc, argv);
    add(b, 2, (const char *[]){"INCR", "k"});
}

Test(entry, a_watch_check_is_only_the_first_command_of_a_multi_and_well_formed)
{
    const char *digest = "01234567890123456789";
    ss_buf b;
    watch_entry(&b, SS_ENTRY_MULTI | SS_ENTRY_WATCH, 4, (const char *[]){"__watch", "\x01", "k", digest});
    expect_door_agrees(&b, true, "a watch check of one key");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_MULTI | SS_ENTRY_WATCH, 1, (const char *[]){"__watch"});
    expect_door_agrees(&b, true, "a watch check of no key");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_MULTI | SS_ENTRY_WATCH, 4, (const char *[]){"__watch", "\x01", "k", "short"});
    expect_door_agrees(&b, false, "a digest of the wrong size");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_MULTI | SS_ENTRY_WATCH, 3, (const char *[]){"__watch", "\x01", "k"});
    expect_door_agrees(&b, false, "a triple cut short");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_MULTI, 4, (const char *[]){"__watch", "\x01", "k", digest});
    expect_door_agrees(&b, false, "a watch check without the flag");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_WATCH, 4, (const char *[]){"__watch", "\x01", "k", digest});
    cr_expect_eq(decode(&b), SS_ECORRUPT, "WATCH without MULTI");
    ss_buf_release(&b);
}

/* A checked EXEC: "__user" and a name after the watch check (if any). */
Test(entry, an_execs_user_comes_after_the_watch_check_and_is_well_formed)
{
    const char *digest = "01234567890123456789";
    ss_buf b;
    watch_entry(&b, SS_ENTRY_MULTI | SS_ENTRY_USER, 2, (const char *[]){"__user", "app"});
    expect_door_agrees(&b, true, "a user, then INCR");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_MULTI | SS_ENTRY_USER, 1, (const char *[]){"__user"});
    expect_door_agrees(&b, false, "a user without a name");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_MULTI | SS_ENTRY_USER, 2, (const char *[]){"__usex", "app"});
    expect_door_agrees(&b, false, "another word than __user");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_MULTI | SS_ENTRY_USER | SS_ENTRY_WATCH, 4,
                (const char *[]){"__watch", "\x01", "k", digest});
    expect_door_agrees(&b, false, "a watch check, then INCR where the user should be");
    ss_buf_release(&b);
    ss_entry_header h = H;
    h.flags = SS_ENTRY_MULTI | SS_ENTRY_USER | SS_ENTRY_WATCH;
    ss_buf_init(&b, 0);
    ss_entry_begin(&b, &h, 3);
    add(&b, 4, (const char *[]){"__watch", "\x01", "k", digest});
    add(&b, 2, (const char *[]){"__user", "default"});
    add(&b, 2, (const char *[]){"INCR", "k"});
    expect_door_agrees(&b, true, "a watch check, a user, INCR");
    ss_buf_release(&b);
    ss_buf_init(&b, 0);
    ss_entry_begin(&b, &h, 1);
    add(&b, 4, (const char *[]){"__watch", "\x01", "k", digest});
    expect_door_agrees(&b, false, "no room for the user");
    ss_buf_release(&b);
    watch_entry(&b, SS_ENTRY_USER, 2, (const char *[]){"__user", "app"});
    cr_expect_eq(decode(&b), SS_ECORRUPT, "a user without MULTI");
    ss_buf_release(&b);
}
