/* Leveled, timestamped logging for the whole process. */
#ifndef SS_LOG_H
#define SS_LOG_H

/*
 * Lines look like:
 *   2026-11-28 22:10:01.123 node=2 INFO  raft: became leader for term 7 (3 of 3 votes)
 * The module tag ("raft", "server", ...) is the first word of the message by
 * convention. Levels follow redis' loglevel names.
 */
typedef enum {
    SS_LOG_TRACE = 0, /* every raft message; very verbose */
    SS_LOG_DEBUG,
    SS_LOG_VERBOSE,
    SS_LOG_NOTICE,    /* default: role changes, elections, start-up, shutdown */
    SS_LOG_WARNING,
    SS_LOG_NONE
} ss_log_level;

void ss_log_set_level(ss_log_level level);
ss_log_level ss_log_get_level(void);
/* Parses "trace", "debug", "verbose", "notice", "warning", "nothing"; -1 if unknown. */
int ss_log_level_parse(const char *name);
const char *ss_log_level_name(ss_log_level level);
void ss_log_set_node(const char *node_id);
/* Where lines go; NULL or "" means stderr. Returns 0 or -1 with errno set. */
int ss_log_set_file(const char *path);

void ss_log(ss_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ss_log_enabled(level) ((level) >= ss_log_get_level())
#define LOG_TRACE(...)   do { if (ss_log_enabled(SS_LOG_TRACE))   ss_log(SS_LOG_TRACE, __VA_ARGS__); } while (0)
#define LOG_DEBUG(...)   do { if (ss_log_enabled(SS_LOG_DEBUG))   ss_log(SS_LOG_DEBUG, __VA_ARGS__); } while (0)
#define LOG_VERBOSE(...) do { if (ss_log_enabled(SS_LOG_VERBOSE)) ss_log(SS_LOG_VERBOSE, __VA_ARGS__); } while (0)
#define LOG_NOTICE(...)  do { if (ss_log_enabled(SS_LOG_NOTICE))  ss_log(SS_LOG_NOTICE, __VA_ARGS__); } while (0)
#define LOG_WARNING(...) do { if (ss_log_enabled(SS_LOG_WARNING)) ss_log(SS_LOG_WARNING, __VA_ARGS__); } while (0)

#endif
