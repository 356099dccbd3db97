/* \summary: `mcpdiag analyze BUNDLE.tar.gz`: the environment stored in
 * a bundle, printed in a few lines */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bundle.h"
#include "bundle_int.h"
#include "cli.h"
#include "tarball.h"

/* Print the environment stored in a bundle, in a few lines, next to
 * the verdicts of its capture. 0, or -1 with err set. */
int
mcpd_bundle_print_environment(const char *path, uint64_t max_bytes,
                              FILE *out, char *err)
{
    char *data = NULL;
    size_t len = 0;
    cJSON *env, *os, *l, *it, *fw;
    int n = 0;

    if (mcpd_tar_slurp(path, "environment.json", &data, &len, 8u << 20,
                       max_bytes, err) != 0)
        return -1;
    env = cJSON_Parse(data);
    free(data);
    if (mcpd_bundle_text_tree(env) != 0) {
        cJSON_Delete(env);
        env = NULL;
    }
    if (env == NULL) {
        snprintf(err, MCPD_ERR_LEN, "%.100s: environment.json is not JSON",
                 path);
        return -1;
    }
    os = cJSON_GetObjectItem(env, "os");
    fprintf(out, "Environment stored in the bundle (%s):\n",
            cJSON_IsString(cJSON_GetObjectItem(env, "collected_at")) ?
            cJSON_GetObjectItem(env, "collected_at")->valuestring : "?");
    fprintf(out, "  host %s, %s, kernel %s\n",
            cJSON_IsString(cJSON_GetObjectItem(os, "hostname")) ?
            cJSON_GetObjectItem(os, "hostname")->valuestring : "?",
            cJSON_IsString(cJSON_GetObjectItem(os, "distribution")) ?
            cJSON_GetObjectItem(os, "distribution")->valuestring : "?",
            cJSON_IsString(cJSON_GetObjectItem(os, "kernel")) ?
            cJSON_GetObjectItem(os, "kernel")->valuestring : "?");
    l = cJSON_GetObjectItem(cJSON_GetObjectItem(env, "listeners"),
                            "sockets");
    fprintf(out, "  listeners:");
    cJSON_ArrayForEach(it, l) {
        const cJSON *p = cJSON_GetObjectItem(it, "process");
        fprintf(out, " %s:%d", cJSON_IsString(cJSON_GetObjectItem(it,
                "addr")) ? cJSON_GetObjectItem(it, "addr")->valuestring
                         : "?",
                (int)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "port")));
        if (p)
            fprintf(out, " (pid %d %s)",
                    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(p,
                                                                  "pid")),
                    cJSON_IsString(cJSON_GetObjectItem(p, "command")) ?
                    cJSON_GetObjectItem(p, "command")->valuestring : "?");
        n++;
    }
    fprintf(out, "%s\n", n ? "" : " none");
    fprintf(out, "  proxy variables:");
    n = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(env, "proxy"))
        if (cJSON_IsString(it)) {
            fprintf(out, " %s=%s", it->string, it->valuestring);
            n++;
        }
    fprintf(out, "%s\n", n ? "" : " none");
    fw = cJSON_GetObjectItem(env, "firewall");
    cJSON_ArrayForEach(it, fw) {
        const cJSON *line;
        cJSON_ArrayForEach(line, cJSON_GetObjectItem(it, "lines"))
            if (cJSON_IsString(line) && line->valuestring[0] != '*' &&
                line->valuestring[0] != ':' &&
                !strstr(line->valuestring, "table ") &&
                !strstr(line->valuestring, "chain ") &&
                !strstr(line->valuestring, "policy "))
                fprintf(out, "  firewall (%s): %s\n", it->string,
                        line->valuestring);
    }
    cJSON_Delete(env);
    return 0;
}
