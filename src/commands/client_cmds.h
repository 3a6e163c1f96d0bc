/* CLIENT subcommands kept in files of their own (cmd_tracking.c, cmd_client.c); their rows are in cmd_conn.c's CLIENT table. */
#ifndef SS_CLIENT_CMDS_H
#define SS_CLIENT_CMDS_H

#include "commands/command.h"

/* cmd_tracking.c */
void ss_client_tracking_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);
void ss_client_caching_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);
void ss_client_getredir_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);
void ss_client_trackinginfo_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);

/* cmd_client.c */
void ss_client_kill_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);
void ss_client_pause_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);
void ss_client_unpause_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);
void ss_client_reply_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);
void ss_client_no_evict_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);

#endif
