/* The replies clients see when a command fails: one table, Redis's exact words. */
#ifndef SS_REPLY_ERRORS_H
#define SS_REPLY_ERRORS_H

#include "resp/buf.h"

/*
 * X(code, text). Clients match on these words (redis-py and ioredis parse the
 * first word; tests compare whole strings), so they are copied from Redis.
 * Texts with printf directives are filled in by ss_reply_err.
 */
#define SS_REPLY_ERRORS(X)                                                                    \
    X(RERR_SYNTAX,        "ERR syntax error")                                                 \
    X(RERR_WRONGTYPE,     "WRONGTYPE Operation against a key holding the wrong kind of value")\
    X(RERR_NOTINT,        "ERR value is not an integer or out of range")                      \
    X(RERR_NOTFLOAT,      "ERR value is not a valid float")                                   \
    X(RERR_OVERFLOW,      "ERR increment or decrement would overflow")                        \
    X(RERR_NAN_INF,       "ERR increment would produce NaN or Infinity")                      \
    X(RERR_NOKEY,         "ERR no such key")                                                  \
    X(RERR_OUTOFRANGE,    "ERR index out of range")                                           \
    X(RERR_MUST_POSITIVE, "ERR value is out of range, must be positive")                      \
    X(RERR_LPOS_RANK,     "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list") \
    X(RERR_LPOS_COUNT,    "ERR COUNT can't be negative")                                      \
    X(RERR_LPOS_MAXLEN,   "ERR MAXLEN can't be negative")                                     \
    X(RERR_ZADD_XX_NX,    "ERR XX and NX options at the same time are not compatible")        \
    X(RERR_ZADD_GT_LT_NX, "ERR GT, LT, and/or NX options at the same time are not compatible")\
    X(RERR_ZADD_INCR_PAIR,"ERR INCR option supports a single increment-element pair")         \
    X(RERR_ZSCORE_NAN,    "ERR resulting score is not a number (NaN)")                        \
    X(RERR_ZRANGE_FLOAT,  "ERR min or max is not a float")                                    \
    X(RERR_ZRANGE_LEX,    "ERR min or max not valid string range item")                       \
    X(RERR_ZRANGE_LEX_WITHSCORES, "ERR syntax error, WITHSCORES not supported in combination with BYLEX") \
    X(RERR_ZRANGE_LIMIT,  "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX") \
    X(RERR_ZSETOP_NOKEYS, "ERR at least 1 input key is needed for '%s' command")             \
    X(RERR_WEIGHT_FLOAT,  "ERR weight value is not a float")                                  \
    X(RERR_GEO_PAIR,      "ERR invalid longitude,latitude pair %f,%f")                        \
    X(RERR_GEO_RADIUS,    "ERR need numeric radius")                                          \
    X(RERR_GEO_RADIUS_NEG,"ERR radius cannot be negative")                                    \
    X(RERR_GEO_WIDTH,     "ERR need numeric width")                                           \
    X(RERR_GEO_HEIGHT,    "ERR need numeric height")                                          \
    X(RERR_GEO_BOX_NEG,   "ERR height or width cannot be negative")                           \
    X(RERR_GEO_UNIT,      "ERR unsupported unit provided. please use M, KM, FT, MI")          \
    X(RERR_GEO_MEMBER,    "ERR could not decode requested zset member")                       \
    X(RERR_GEO_COUNT,     "ERR COUNT must be > 0")                                            \
    X(RERR_GEO_ANY,       "ERR the ANY argument requires COUNT argument")                     \
    X(RERR_GEO_STORE_WITH,"ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options") \
    X(RERR_GEO_FROM,      "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s") \
    X(RERR_GEO_BY,        "ERR exactly one of BYRADIUS and BYBOX can be specified for %s")    \
    X(RERR_SORT_SCORE,    "ERR One or more scores can't be converted into double")            \
    X(RERR_INVALID_CURSOR,"ERR invalid cursor")                                               \
    X(RERR_HASH_NOTINT,   "ERR hash value is not an integer")                                 \
    X(RERR_HASH_NOTFLOAT, "ERR hash value is not a float")                                    \
    X(RERR_VALUE_NAN_INF, "ERR value is NaN or Infinity")                                     \
    X(RERR_RANGE,         "ERR value is out of range")                                        \
    X(RERR_RANGE_LONG,    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807") \
    X(RERR_NUMKEYS_POSITIVE, "ERR numkeys should be greater than 0")                          \
    X(RERR_NUMKEYS_ARGS,  "ERR Number of keys can't be greater than number of args")          \
    X(RERR_LIMIT_NEGATIVE,"ERR LIMIT can't be negative")                                      \
    X(RERR_SET_TOOBIG,    "ERR the result is too big to write in one command (its members exceed %d MB)") \
    X(RERR_UNKNOWN_CMD,   "ERR unknown command '%.128s', with args beginning with: %s")       \
    X(RERR_UNKNOWN_SUB,   "ERR unknown subcommand '%.128s'. Try %s HELP.")                    \
    X(RERR_ARITY,         "ERR wrong number of arguments for '%s' command")                   \
    X(RERR_DB_INDEX,      "ERR DB index is out of range")                                     \
    X(RERR_INVALID_EXPIRE,"ERR invalid expire time in '%s' command")                          \
    X(RERR_DECR_OVERFLOW, "ERR decrement would overflow")                                      \
    X(RERR_OFFSET_RANGE,  "ERR offset is out of range")                                        \
    X(RERR_STRING_TOOBIG, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")      \
    X(RERR_SAMEOBJ,       "ERR source and destination objects are the same")                   \
    X(RERR_EXPIRE_NX_OPTS, "ERR NX and XX, GT or LT options at the same time are not compatible") \
    X(RERR_EXPIRE_GT_LT,  "ERR GT and LT options at the same time are not compatible")         \
    X(RERR_UNSUPPORTED_OPT, "ERR Unsupported option %s")                                         \
    X(RERR_BIT_OFFSET,    "ERR bit offset is not an integer or out of range")                 \
    X(RERR_BIT_VALUE,     "ERR bit is not an integer or out of range")                        \
    X(RERR_BIT_ARG,       "ERR The bit argument must be 1 or 0.")                             \
    X(RERR_BITOP_NOT,     "ERR BITOP NOT must be called with a single source key.")           \
    X(RERR_BITFIELD_TYPE, "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.") \
    X(RERR_BITFIELD_OVERFLOW, "ERR Invalid OVERFLOW type specified")                          \
    X(RERR_BITFIELD_RO,   "ERR BITFIELD_RO only supports the GET subcommand")                 \
    X(RERR_HLL_WRONGTYPE, "WRONGTYPE Key is not a valid HyperLogLog string value.")           \
    X(RERR_HLL_INVALID,   "INVALIDOBJ Corrupted HLL object detected")                         \
    X(RERR_LCS_NOTSTRING, "ERR The specified keys must contain string values")               \
    X(RERR_LCS_IDX_LEN,   "ERR If you want both the length and indexes, please just use IDX.") \
    X(RERR_LCS_TOOLONG,   "ERR String too long for LCS")                                      \
    X(RERR_LCS_TOOBIG,    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len") \
    X(RERR_LCS_NOMEM,     "ERR Insufficient memory, failed allocating transient memory for LCS") \
    X(RERR_BUSYKEY,       "BUSYKEY Target key name already exists.")                          \
    X(RERR_RESTORE_TTL,   "ERR Invalid TTL value, must be >= 0")                              \
    X(RERR_RESTORE_IDLE,  "ERR Invalid IDLETIME value, must be >= 0")                         \
    X(RERR_RESTORE_FREQ,  "ERR Invalid FREQ value, must be >= 0 and <= 255")                  \
    X(RERR_DUMP_PAYLOAD,  "ERR DUMP payload version or checksum are wrong")                   \
    X(RERR_OBJECT_NO_LFU, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.") \
    X(RERR_OBJECT_LFU,    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.") \
    X(RERR_BAD_DATA,      "ERR Bad data format")                                              \
    X(RERR_DUMP_TYPE,     "ERR DUMP of a %s value is not supported yet")                      \
    X(RERR_RESTORE_TOOBIG, "ERR the restored value is too big to write in one command (its elements exceed %d MB)") \
    X(RERR_MIGRATE_KEYS,  "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string") \
    X(RERR_MIGRATE_CONNECT, "IOERR error or timeout connecting to the client")                \
    X(RERR_MIGRATE_IO,    "IOERR error or timeout %s to target instance")                     \
    X(RERR_MIGRATE_TARGET, "ERR Target instance replied with error: %.900s")                  \
    X(RERR_MIGRATE_CHANGED, "ERR %lld of the migrated keys changed here during MIGRATE and were kept: the target holds them as they were dumped") \
    X(RERR_RESTORE_TYPE,  "ERR RESTORE of RDB object type %d is not supported yet")           \
    X(RERR_COPY_TOOBIG,   "ERR key is too big to copy, rename or move (its elements exceed %d MB)") \
    X(RERR_NOAUTH,        "NOAUTH Authentication required.")                                  \
    X(RERR_WRONGPASS,     "WRONGPASS invalid username-password pair or user is disabled.")    \
    X(RERR_AUTH_NOPASS,   "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?") \
    X(RERR_NOPERM_CMD,    "NOPERM this user has no permissions to run the '%s' command")     \
    X(RERR_NOPERM_KEY,    "NOPERM this user has no permissions to access one of the keys used as arguments") \
    X(RERR_NOPERM_CHANNEL, "NOPERM this user has no permissions to access one of the channels used as arguments") \
    X(RERR_NOPERM_EXEC,   "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: %s") \
    X(RERR_ACL_MODIFIER,  "ERR Error in ACL SETUSER modifier '%.*s': %s")                     \
    X(RERR_ACL_USERNAME,  "ERR Usernames can't contain spaces or null characters")            \
    X(RERR_ACL_PAREN,     "ERR Unmatched parenthesis in acl selector starting at '%.*s'.")    \
    X(RERR_ACL_DEL_DEFAULT, "ERR The 'default' user cannot be removed")                       \
    X(RERR_ACL_NOFILE,    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.") \
    X(RERR_ACL_SAVE,      "ERR There was an error trying to save the ACLs. Please check the server logs for more information") \
    X(RERR_ACL_CATEGORY,  "ERR Unknown category '%.128s'")                                    \
    X(RERR_ACL_GENPASS,   "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096") \
    X(RERR_ACL_NOUSER,    "ERR User '%.*s' not found")                                         \
    X(RERR_ACL_NOCMD,     "ERR Command '%.*s' not found")                                      \
    X(RERR_ACL_TOO_MANY_USERS, "ERR Too many ACL users (sandstore's bound is %d)")             \
    X(RERR_NOPROTO,       "NOPROTO unsupported protocol version")                             \
    X(RERR_PROTOVER,      "ERR Protocol version is not an integer or out of range")           \
    X(RERR_HELLO_OPTION,  "ERR Syntax error in HELLO option '%s'")                            \
    X(RERR_HELLO_NOAUTH,  "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time") \
    X(RERR_MULTI_NESTED,  "ERR MULTI calls can not be nested")                                \
    X(RERR_EXEC_NOMULTI,  "ERR EXEC without MULTI")                                           \
    X(RERR_DISCARD_NOMULTI,"ERR DISCARD without MULTI")                                       \
    X(RERR_EXECABORT,     "EXECABORT Transaction discarded because of previous errors.")      \
    X(RERR_WATCH_IN_MULTI,"ERR WATCH inside MULTI is not allowed")                            \
    X(RERR_NOT_IN_MULTI,  "ERR Command not allowed inside a transaction")                     \
    X(RERR_PUBSUB_CONTEXT, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context") \
    X(RERR_CONFIG_PARAM,  "ERR Unknown option or number of arguments for CONFIG SET - '%s'")  \
    X(RERR_CONFIG_BAD,    "ERR CONFIG SET failed (possibly related to argument '%s') - %s")   \
    X(RERR_CONFIG_IMMUTABLE,"ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable config") \
    X(RERR_CLIENT_NAME,   "ERR Client names cannot contain spaces, newlines or special characters.") \
    X(RERR_NOLEADER,      "CLUSTERDOWN No raft leader")                                       \
    X(RERR_TRYAGAIN,      "TRYAGAIN leadership changed before the write was known to commit; it may or may not have been applied") \
    X(RERR_TIMEOUT,       "TRYAGAIN timed out waiting for the write to commit; it may or may not have been applied") \
    X(RERR_READ_TRYAGAIN, "TRYAGAIN leadership changed while confirming a linearizable read") \
    X(RERR_BUSY,          "BUSY too many writes in flight, try again")                        \
    X(RERR_MOVED,         "MOVED %d %s")                                                      \
    X(RERR_RAFT_NODE,     "ERR %s")                                                           \
    X(RERR_RAFT_NODE_ID,  "ERR invalid node id")                                              \
    X(RERR_RAFT_NODE_ADDR,"ERR invalid address: expected host:port")                          \
    X(RERR_RAFT_CONF_LOST,"TRYAGAIN leadership changed before the configuration change was known to commit; it may or may not have taken effect") \
    X(RERR_RAFT_FORWARD,  "TRYAGAIN could not run the command on the leader %s: %s; a change may or may not have taken effect") \
    X(RERR_RAFT_NO_RAFT,  "ERR this node runs without Raft")                                  \
    X(RERR_SHUTDOWN,      "ERR server is shutting down")                                      \
    X(RERR_SHUTDOWN_UNKNOWN, "TRYAGAIN server is shutting down; the write may or may not have been applied") \
    X(RERR_INTERNAL,      "ERR internal error: %s")                                           \
    X(RERR_NOT_IN_ENTRY,  "ERR command '%s' is not allowed in a raft log entry")                \
    X(RERR_ENTRY_TOOBIG,  "ERR write exceeds the maximum raft log entry size (%llu bytes)")    \
    X(RERR_APPLY_TOOBIG,  "ERR write too big to apply: its changes exceed what one store transaction may hold") \
    X(RERR_MAXCLIENTS,    "ERR max number of clients reached")                                \
    /* Redis's protected mode (networking.c), to a non-loopback client with no password set. */ \
    X(RERR_DENIED_PROTECTED, \
      "DENIED Redis is running in protected mode because protected mode is enabled and " \
      "no password is set for the default user. In this mode connections are only " \
      "accepted from the loopback interface. If you want to connect from external " \
      "computers to Redis you may adopt one of the following solutions: 1) Just disable " \
      "protected mode sending the command 'CONFIG SET protected-mode no' from the " \
      "loopback interface by connecting to Redis from the same host the server is " \
      "running, however MAKE SURE Redis is not publicly accessible from internet if you " \
      "do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you " \
      "can just disable the protected mode by editing the Redis configuration file, and " \
      "setting the protected mode option to 'no', and then restarting the server. 3) If " \
      "you started the server manually just for testing, restart it with the " \
      "'--protected-mode no' option. 4) Setup a an authentication password for the " \
      "default user. NOTE: You only need to do one of the above things in order for the " \
      "server to start accepting connections from the outside.") \
    X(RERR_BGSAVE_BUSY,   "ERR Background save already in progress")                       \
    X(RERR_GETKEYS_CMD,   "ERR Invalid command specified")                                   \
    X(RERR_GETKEYS_NOKEYS,"ERR The command has no key arguments")                            \
    X(RERR_GETKEYS_ARITY, "ERR Invalid number of arguments specified for command")           \
    X(RERR_GETKEYS_ARGS,  "ERR Invalid arguments specified for command")           \
    X(RERR_INVALID_SLOT,  "ERR Invalid slot")                                               \
    X(RERR_INVALID_SLOT_COUNT, "ERR Invalid slot or number of keys")                        \
    X(RERR_UNKNOWN_NODE,  "ERR Unknown node %s")                                            \
    X(RERR_NOT_MASTER,    "ERR The specified node is not a master")                          \
    X(RERR_CLIENT_TYPE,   "ERR Unknown client type '%s'")                                     \
    X(RERR_CLIENT_ID,     "ERR Invalid client ID")

#define SS_REPLY_ERROR_ENUM(name, text) name,
typedef enum { SS_REPLY_ERRORS(SS_REPLY_ERROR_ENUM) RERR_COUNT } ss_reply_err_code;
#undef SS_REPLY_ERROR_ENUM

/* The table text of an error (with any printf directives unfilled). */
const char *ss_reply_err_text(ss_reply_err_code code);

/* Appends "-<text>\r\n", filling the table text's directives with the
 * arguments. Returns the buffer's status. */
int ss_reply_err(ss_buf *out, ss_reply_err_code code, ...);

#endif
