/* The sandbox: what scripts may reach, what they may change, Redis's words when they try. */
#include <criterion/criterion.h>
#include <string.h>

#include "unit/test_script_helpers.h"

static void expect(const char *body, const char *want)
{
    char *got = eval2(body);
    cr_expect_str_eq(got, want, "script %s", body);
    free(got);
}

Test(script_sandbox, smoke)
{
    expect("return 1", ":1\r\n");
    expect("x = 1", "-ERR user_script:1: Attempt to modify a readonly table script: "
                    "34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.\r\n");
}
