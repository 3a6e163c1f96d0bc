/* INFO and the figures behind it: per-command and per-error counts, instantaneous rates, memory. */
#ifndef SS_INFO_H
#define SS_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands/command.h"

/*
 * The engine reports every command this node runs or refuses here, as
 * Redis's call() and rejectCommand() feed its commandstats and errorstats:
 *   ss_info_called    the command ran (a local handler, a read, an entry
 *                     applied: followers count the writes they apply, as a
 *                     Redis replica counts what its master sends), taking
 *                     usec; a reply starting with '-' is a failed call.
 *   ss_info_rejected  refused before it ran (arity, NOAUTH, MOVED, a bad
 *                     argument found at prepare...).
 *   ss_info_error     an error reply that belongs to no command (unknown
 *                     command or subcommand).
 * reply is what the command appended to its output (may be empty).
 */
void ss_info_called(ss_node *node, const ss_command *cmd, uint64_t usec, const char *reply, size_t len);

/* A command that ran for usec: into SLOWLOG when slowlog-log-slower-than
 * says so (s, the client, is NULL for an entry applied from the log). */
void ss_slowlog_note(ss_node *node, const ss_command *cmd, const ss_args *a, const ss_session *s,
                     uint64_t usec);
/* LATENCY's monitor: a latency of ms for event (a static name: "command",
 * "fast-command", "fsync", "apply"), recorded when latency-monitor-threshold
 * is set and ms reaches it. */
void ss_latency_note(ss_node *node, const char *event, uint64_t ms);
/* LATENCY's subcommands (cmd_latency.c), in cmd_monitor.c's table. */
extern const struct ss_command ss_latency_subcommands[];

/* Frees the SLOWLOG (the engine's release). */
void ss_slowlog_release(ss_node *node);
void ss_info_rejected(ss_node *node, const ss_command *cmd, const char *reply, size_t len);
void ss_info_error(ss_node *node, const char *reply, size_t len);

/* Adds what src counted (commandstats, errorstats) to dst: a read-only
 * script runs on its own thread against a copy of the node (the engine's
 * script_busy.c) and its counts join the node's when it ends. */
void ss_info_merge(ss_node *dst, const ss_node *src);
/* Moves src's SLOWLOG entries to the front of dst's (newest first, new ids),
 * trimmed to slowlog-max-len; src's log is left empty. */
void ss_slowlog_adopt(ss_node *dst, ss_node *src);

/* Ten times a second (the engine's timer): samples for the instantaneous
 * rates, and for the memory peak once a second (cheaply: see cmd_info.c). */
void ss_info_cron(ss_node *node, uint64_t now_ms);

/* What INFO memory counts: bytes allocated (glibc's view) and resident. */
uint64_t ss_info_allocated_bytes(void);
uint64_t ss_info_rss_bytes(void);
/* An exact sample of the two (INFO memory, MEMORY STATS/DOCTOR, the cron
 * when the process has grown): raises used_memory_peak if it is higher. */
void ss_info_note_peak(ss_info_state *st, uint64_t used, uint64_t rss);

/* CONFIG RESETSTAT: counters, commandstats and errorstats back to zero. */
void ss_info_reset(ss_node *node);

/* INFO's replication section: the leader as master, the other members as
 * its replicas (cmd_cluster.c, with ROLE). */
void ss_info_replication(ss_node *node, ss_buf *b);

/* The INFO command (its row is in cmd_server.c). */
void ss_info_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);

#endif
