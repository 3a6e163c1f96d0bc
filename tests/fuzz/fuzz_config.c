/* Fuzz target: a config file's text (directive lines, quoting, sizes, peers lists), then validation and CONFIG GET of everything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/error.h"

static void visit(void *arg, const char *name, const char *value)
{
    size_t *total = arg;
    *total += strlen(name) + strlen(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    ss_config cfg;
    ss_config_init(&cfg);
    ss_errmsg err = "";
    if (ss_config_load_string(&cfg, text, "fuzz", err) == SS_OK) {
        err[0] = '\0';
        (void)ss_config_validate(&cfg, err);
        size_t total = 0;
        ss_config_get(&cfg, "*", visit, &total);
    }
    ss_config_release(&cfg);
    free(text);
    return 0;
}
