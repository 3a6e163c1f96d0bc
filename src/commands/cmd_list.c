/* List commands. */
#include "commands/families.h"
#include "commands/keyhelpers.h"

const ss_command ss_cmds_list[] = {
};
SS_COUNT(ss_cmds_list);
