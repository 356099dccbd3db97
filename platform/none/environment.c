/* \summary: environment.json where no backend exists: the target and
 * when, and a sentence saying the rest is not collected */

#include <time.h>
#include "platform.h"

cJSON *
mcpd_environment_collect(const struct mcpd_target *t,
                         size_t (*redact_value)(char *))
{
    cJSON *env = cJSON_CreateObject(), *tj;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;

    (void)redact_value;
    if (env == NULL)
        return NULL;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(env, "collected_at", when);
    tj = cJSON_CreateObject();
    cJSON_AddStringToObject(tj, "url", t->url);
    cJSON_AddStringToObject(tj, "host", t->host);
    cJSON_AddNumberToObject(tj, "port", t->port);
    cJSON_AddItemToObject(env, "target", tj);
    cJSON_AddStringToObject(env, "error", "the environment collector is "
                            "not available on this platform");
    return env;
}
