/* Leveled, timestamped logging for the whole process. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/clock.h"

static ss_log_level current_level = SS_LOG_NOTICE;
static char node_tag[64] = "";
static FILE *out = NULL;

static const char *const level_names[] = {"trace", "debug", "verbose", "notice", "warning", "nothing"};
static const char *const level_tags[] = {"TRACE", "DEBUG", "VERB ", "INFO ", "WARN ", ""};

void ss_log_set_level(ss_log_level level) { current_level = level; }
ss_log_level ss_log_get_level(void) { return current_level; }

int ss_log_level_parse(const char *name)
{
    for (int i = 0; i <= SS_LOG_NONE; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

const char *ss_log_level_name(ss_log_level level)
{
    return (level >= 0 && level <= SS_LOG_NONE) ? level_names[level] : "unknown";
}

void ss_log_set_node(const char *node_id)
{
    snprintf(node_tag, sizeof node_tag, "%s", node_id ? node_id : "");
}

int ss_log_set_file(const char *path)
{
    if (path == NULL || path[0] == '\0') {
        if (out != NULL && out != stderr)
            fclose(out);
        out = NULL;
        return 0;
    }
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return -1;
    setvbuf(f, NULL, _IOLBF, 0);
    if (out != NULL && out != stderr)
        fclose(out);
    out = f;
    return 0;
}

void ss_log(ss_log_level level, const char *fmt, ...)
{
    if (level < current_level || level >= SS_LOG_NONE)
        return;
    int64_t us = ss_clock_wall_us();
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);

    char line[4096];
    int n = snprintf(line, sizeof line, "%s.%03d node=%s %s ", stamp, (int)(us % 1000000 / 1000),
                     node_tag[0] ? node_tag : "-", level_tags[level]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    FILE *f = out ? out : stderr;
    fprintf(f, "%s\n", line);
    fflush(f);
}
