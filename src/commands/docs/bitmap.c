/* COMMAND DOCS text of the bitmap commands (src/commands/cmd_bitmap.c). */
#include "commands/docs.h"

static const ss_cmdarg setbit_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("offset", ARG_INTEGER),
    ARG("value", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg getbit_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("offset", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg bitcount_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("index", ARG_BLOCK, .flags = ARG_OPTIONAL, .nargs = 3),
        ARG("start", ARG_INTEGER),
        ARG("end", ARG_INTEGER),
        ARG("index_unit", ARG_ONEOF, .since = "7.0.0", .flags = ARG_OPTIONAL, .nargs = 2),
            ARG("byte", ARG_PURE_TOKEN, .token = "BYTE"),
            ARG("bit", ARG_PURE_TOKEN, .token = "BIT"),
    SS_ARGS_END,
};

static const ss_cmdarg bitpos_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("bit", ARG_INTEGER),
    ARG("index", ARG_BLOCK, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("start", ARG_INTEGER),
        ARG("end_index", ARG_BLOCK, .flags = ARG_OPTIONAL, .nargs = 2),
            ARG("end", ARG_INTEGER),
            ARG("index_unit", ARG_ONEOF, .since = "7.0.0", .flags = ARG_OPTIONAL, .nargs = 2),
                ARG("byte", ARG_PURE_TOKEN, .token = "BYTE"),
                ARG("bit", ARG_PURE_TOKEN, .token = "BIT"),
    SS_ARGS_END,
};

static const ss_cmdarg bitop_args[] = {
    ARG("operation", ARG_STRING),
    ARG("destkey", ARG_KEY, .key_spec_index = 0),
    ARG("key", ARG_KEY, .key_spec_index = 1, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg bitfield_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("operation", ARG_ONEOF, .flags = ARG_OPTIONAL | ARG_MULTIPLE, .nargs = 2),
        ARG("encoding_offset", ARG_BLOCK, .token = "GET", .nargs = 2),
            ARG("encoding", ARG_STRING),
            ARG("offset", ARG_INTEGER),
        ARG("write", ARG_BLOCK, .nargs = 2),
            ARG("wrap_sat_fail", ARG_ONEOF, .token = "OVERFLOW", .flags = ARG_OPTIONAL, .nargs = 3),
                ARG("wrap", ARG_PURE_TOKEN, .token = "WRAP"),
                ARG("sat", ARG_PURE_TOKEN, .token = "SAT"),
                ARG("fail", ARG_PURE_TOKEN, .token = "FAIL"),
            ARG("write_operation", ARG_ONEOF, .nargs = 2),
                ARG("encoding_offset_value", ARG_BLOCK, .token = "SET", .nargs = 3),
                    ARG("encoding", ARG_STRING),
                    ARG("offset", ARG_INTEGER),
                    ARG("value", ARG_INTEGER),
                ARG("encoding_offset_increment", ARG_BLOCK, .token = "INCRBY", .nargs = 3),
                    ARG("encoding", ARG_STRING),
                    ARG("offset", ARG_INTEGER),
                    ARG("increment", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg bitfield_ro_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0),
    ARG("encoding_offset", ARG_BLOCK, .token = "GET", .flags = ARG_OPTIONAL | ARG_MULTIPLE | ARG_MULTIPLE_TOKEN, .nargs = 2),
        ARG("encoding", ARG_STRING),
        ARG("offset", ARG_INTEGER),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_bitmap[] = {
    {.name = "setbit", .group = "bitmap", .since = "2.2.0",
     .summary = "Sets or clears the bit at offset in the string value stored at key",
     .complexity = "O(1)",
     .args = setbit_args},
    {.name = "getbit", .group = "bitmap", .since = "2.2.0",
     .summary = "Returns the bit value at offset in the string value stored at key",
     .complexity = "O(1)",
     .args = getbit_args},
    {.name = "bitcount", .group = "bitmap", .since = "2.6.0",
     .summary = "Count set bits in a string",
     .complexity = "O(N)",
     .history = SS_HISTORY({"7.0.0", "Added the `BYTE|BIT` option."}),
     .args = bitcount_args},
    {.name = "bitpos", .group = "bitmap", .since = "2.8.7",
     .summary = "Find first bit set or clear in a string",
     .complexity = "O(N)",
     .history = SS_HISTORY({"7.0.0", "Added the `BYTE|BIT` option."}),
     .args = bitpos_args},
    {.name = "bitop", .group = "bitmap", .since = "2.6.0",
     .summary = "Perform bitwise operations between strings",
     .complexity = "O(N)",
     .args = bitop_args},
    {.name = "bitfield", .group = "bitmap", .since = "3.2.0",
     .summary = "Perform arbitrary bitfield integer operations on strings",
     .complexity = "O(1) for each subcommand specified",
     .args = bitfield_args,
     .key_notes = {"This command allows both access and modification of the key"}},
    {.name = "bitfield_ro", .group = "bitmap", .since = "6.0.0",
     .summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
     .complexity = "O(1) for each subcommand specified",
     .args = bitfield_ro_args},
};
SS_DOCS_COUNT(ss_docs_bitmap);
