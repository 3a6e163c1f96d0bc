/* Errors, CRC-32C and log-level parsing. */
#include <criterion/criterion.h>
#include <string.h>

#include "common/crc16.h"
#include "common/crc32c.h"
#include "common/error.h"
#include "common/log.h"

Test(error, every_code_has_a_message)
{
    for (int i = 0; i < SS_ERROR_COUNT; i++)
        cr_expect_neq(strcmp(ss_strerror(i), "unknown error"), 0, "code %d", i);
    cr_expect_str_eq(ss_strerror(-1), "unknown error");
    cr_expect_str_eq(ss_strerror(SS_ERROR_COUNT), "unknown error");
}

Test(error, errf_formats_context_and_returns_code)
{
    ss_errmsg msg = "";
    cr_expect_eq(ss_errf(msg, SS_EIO, "open '%s': %s", "/x", "boom"), SS_EIO);
    cr_expect_str_eq(msg, "open '/x': boom");
    cr_expect_eq(ss_errwrap(msg, SS_EIO, "load %d", 7), SS_EIO);
    cr_expect_str_eq(msg, "load 7: open '/x': boom");
    cr_expect_eq(ss_errf(NULL, SS_ENOMEM, "ignored"), SS_ENOMEM);
}

Test(crc32c, matches_the_standard_check_value)
{
    /* RFC 3720 B.4 / the usual "123456789" check value for CRC-32C. */
    cr_expect_eq(ss_crc32c(0, "123456789", 9), 0xE3069283u);
    cr_expect_eq(ss_crc32c(0, "", 0), 0u);
}

Test(crc32c, can_be_extended_piecewise)
{
    const char *s = "the quick brown fox jumps over the lazy dog";
    size_t n = strlen(s);
    uint32_t whole = ss_crc32c(0, s, n);
    for (size_t split = 0; split <= n; split++)
        cr_expect_eq(ss_crc32c(ss_crc32c(0, s, split), s + split, n - split), whole);
}

Test(crc16, matches_the_xmodem_check_value)
{
    cr_expect_eq(ss_crc16("123456789", 9), 0x31c3);
    cr_expect_eq(ss_crc16("", 0), 0);
}

Test(crc16, gives_the_slots_redis_cluster_keyslot_gives)
{
    /* From CLUSTER KEYSLOT on a redis-server 7.0.15 in cluster mode. */
    static const struct {
        const char *key;
        int slot;
    } cases[] = {
        {"foo", 12182}, {"{user}a", 5474}, {"{}foo", 9500}, {"foo{}{bar}", 8363}, {"foo{{bar}}zap", 4015},
        {"foo{bar}{zap}", 5061}, {"{user1000}.following", 3443}, {"", 0}, {"a{", 14311}, {"}{x}", 16287},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(ss_key_slot(cases[i].key, strlen(cases[i].key)), cases[i].slot, "%s", cases[i].key);
    /* A hash tag shares the slot of the bare tag. */
    cr_expect_eq(ss_key_slot("{user1000}.followers", 20), ss_key_slot("user1000", 8));
}

Test(log, parses_redis_level_names)
{
    cr_expect_eq(ss_log_level_parse("notice"), SS_LOG_NOTICE);
    cr_expect_eq(ss_log_level_parse("WARNING"), SS_LOG_WARNING);
    cr_expect_eq(ss_log_level_parse("trace"), SS_LOG_TRACE);
    cr_expect_eq(ss_log_level_parse("loud"), -1);
}
