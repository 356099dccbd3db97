/* \summary: where each MCP client keeps its server list, how it names
 * the keys, and how it resolves ${...} references: one table per
 * question, each row citing the client's documented format */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "doctor_int.h"
#include "platform.h"
#include "sanitize.h"
#include "target.h"

/*
 * The files, user level first, then project level (found from the
 * current directory upwards, up to the repository root). `path` is
 * relative to the home directory (H) or to each project directory (P);
 * `key` says where the server map sits.
 *
 *   Claude Desktop  claude_desktop_config.json, "mcpServers" (Anthropic
 *                   MCP quickstart: ~/Library/Application Support/Claude
 *                   on macOS, %APPDATA%\Claude on Windows, ~/.config/
 *                   Claude on Linux builds)
 *   Claude Code     ~/.claude.json "mcpServers" (user scope) and
 *                   "projects"."<dir>"."mcpServers" (local scope);
 *                   .mcp.json "mcpServers" (project scope); type
 *                   stdio|http|sse, url, headers, command, args, env;
 *                   ${VAR} and ${VAR:-default} in command, args, env,
 *                   url, headers (code.claude.com/docs/en/mcp)
 *   Cursor          ~/.cursor/mcp.json, .cursor/mcp.json "mcpServers":
 *                   url or command, headers, ${env:NAME}
 *                   (cursor.com/docs/mcp)
 *   VS Code         .vscode/mcp.json "servers" (type stdio|http|sse,
 *                   "inputs" for ${input:ID} prompts, ${env:NAME}); the
 *                   user profile's mcp.json, and "mcp": {"servers"} in
 *                   user settings.json (older releases); JSONC
 *                   (code.visualstudio.com/docs/copilot/chat/mcp-servers)
 *   Windsurf        ~/.codeium/windsurf/mcp_config.json "mcpServers":
 *                   "serverUrl" (or url), headers, ${env:NAME}
 *                   (docs.windsurf.com/windsurf/cascade/mcp)
 *   Codex           $CODEX_HOME/config.toml (default ~/.codex), and
 *                   .codex/config.toml in a project: [mcp_servers.NAME]
 *                   url, http_headers, env_http_headers (header = VAR),
 *                   bearer_token_env_var, command, args, env, enabled
 *                   (developers.openai.com/codex/mcp)
 */
enum where { HOME_DIR, PROJECT_DIR, CODEX_DIR };

struct client_file {
    const char *client;      /* the name shown */
    enum where where;        /* what path is relative to */
    const char *path;        /* the file */
    enum mcpd_env_style env; /* how its values refer to variables */
};

/* Per platform, the desktop apps' per-user folders. */
#if defined(__APPLE__)
#define APP_CLAUDE  "Library/Application Support/Claude"
#define APP_VSCODE  "Library/Application Support/Code/User"
#elif defined(_WIN32)
#define APP_CLAUDE  "AppData/Roaming/Claude"
#define APP_VSCODE  "AppData/Roaming/Code/User"
#else
#define APP_CLAUDE  ".config/Claude"
#define APP_VSCODE  ".config/Code/User"
#endif

static const struct client_file client_files[] = {
    { "claude-desktop", HOME_DIR, APP_CLAUDE "/claude_desktop_config.json",
      MCPD_ENV_SHELL },
    { "claude-code", HOME_DIR, ".claude.json", MCPD_ENV_SHELL },
    { "cursor", HOME_DIR, ".cursor/mcp.json", MCPD_ENV_EDITOR },
    { "vscode", HOME_DIR, APP_VSCODE "/mcp.json", MCPD_ENV_VSCODE },
    { "vscode", HOME_DIR, APP_VSCODE "/settings.json", MCPD_ENV_VSCODE },
    { "windsurf", HOME_DIR, ".codeium/windsurf/mcp_config.json",
      MCPD_ENV_EDITOR },
    { "codex", CODEX_DIR, "config.toml", MCPD_ENV_NONE },
    { "claude-code", PROJECT_DIR, ".mcp.json", MCPD_ENV_SHELL },
    { "cursor", PROJECT_DIR, ".cursor/mcp.json", MCPD_ENV_EDITOR },
    { "vscode", PROJECT_DIR, ".vscode/mcp.json", MCPD_ENV_VSCODE },
    { "codex", PROJECT_DIR, ".codex/config.toml", MCPD_ENV_NONE },
};
#define NCLIENT_FILES (sizeof(client_files) / sizeof(client_files[0]))

/* Project directories: the current one and its parents, up to the one
 * holding .git (the repository root), at most this many. */
#define MAX_PROJECT_DIRS 16

static enum mcpd_env_style
style_of(const char *client)
{
    size_t i;

    for (i = 0; i < NCLIENT_FILES; i++)
        if (strcmp(client_files[i].client, client) == 0)
            return client_files[i].env;
    return MCPD_ENV_ANY;
}

/* ---- values ---- */

int
mcpd_doc_expand(const char *in, enum mcpd_env_style style,
                mcpd_denv_fn env, char *out, size_t outlen,
                char *missing, size_t mlen)
{
    size_t n = 0;
    const char *p = in;
    int rc = 0;

    if (outlen == 0)
        return -1;
    while (*p) {
        const char *close, *v = NULL, *dflt = NULL;
        char name[256];
        size_t nl, dl = 0;
        int is_env = 0, is_input = 0, is_shell = 0;

        close = p[0] == '$' && p[1] == '{' ? strchr(p + 2, '}') : NULL;
        if (close == NULL || style == MCPD_ENV_NONE) {
            if (n + 1 >= outlen)
                return -1;
            out[n++] = *p++;
            continue;
        }
        nl = (size_t)(close - (p + 2));
        if (nl >= sizeof(name))
            nl = sizeof(name) - 1;
        memcpy(name, p + 2, nl);
        name[nl] = '\0';
        if (strncmp(name, "env:", 4) == 0 && style != MCPD_ENV_SHELL)
            is_env = 1;
        else if (strncmp(name, "input:", 6) == 0 &&
                 (style == MCPD_ENV_VSCODE || style == MCPD_ENV_ANY))
            is_input = 1;
        else if ((style == MCPD_ENV_SHELL || style == MCPD_ENV_ANY) &&
                 strchr(name, ':') == NULL)
            is_shell = 1;
        else if ((style == MCPD_ENV_SHELL || style == MCPD_ENV_ANY) &&
                 strstr(name, ":-") != NULL)
            is_shell = 1;
        if (is_input) {
            if (rc == 0) {
                snprintf(missing, mlen, "%s", name + 6);
                rc = 2;
            }
        } else if (is_env || is_shell) {
            char *var = is_env ? name + 4 : name, *d;
            d = is_shell ? strstr(var, ":-") : NULL;
            if (d != NULL) {
                *d = '\0';
                dflt = d + 2;
                dl = strlen(dflt);
            }
            v = env(var);
            if (v == NULL && dflt != NULL) {
                v = dflt;
            } else if (v == NULL && rc == 0) {
                snprintf(missing, mlen, "%s", var);
                rc = 1;
            }
            (void)dl;
        } else {
            /* ${workspaceFolder} and other editor variables: left as
             * they are (the client fills them in). */
            v = NULL;
            if (n + (size_t)(close + 1 - p) >= outlen)
                return -1;
            memcpy(out + n, p, (size_t)(close + 1 - p));
            n += (size_t)(close + 1 - p);
            p = close + 1;
            continue;
        }
        if (v) {
            size_t vl = strlen(v);
            if (n + vl >= outlen)
                return -1;
            memcpy(out + n, v, vl);
            n += vl;
        }
        p = close + 1;
    }
    out[n] = '\0';
    return rc;
}

void
mcpd_doc_redact_url(const char *url, char *out, size_t len)
{
    char tmp[1400];
    char *q, *s;
    size_t n;

    mcpd_target_redact(url, tmp, sizeof(tmp));
    q = strchr(tmp, '?');
    if (q != NULL) {
        /* Every query value: api_key=***&x=*** */
        char *hash = strchr(q, '#');
        if (hash)
            *hash = '\0';
        n = (size_t)(q - tmp) + 1;
        if (n >= len)
            n = len - 1;
        memcpy(out, tmp, n);
        out[n] = '\0';
        for (s = q + 1; *s && n + 1 < len;) {
            size_t kl = strcspn(s, "=&");
            int has_val = s[kl] == '=';
            snprintf(out + n, len - n, "%.*s%s", (int)kl, s,
                     has_val ? "=***" : "");
            n = strlen(out);
            s += kl;
            if (has_val)
                s += strcspn(s, "&");
            if (*s == '&') {
                if (n + 1 < len) {
                    out[n++] = '&';
                    out[n] = '\0';
                }
                s++;
            }
        }
        return;
    }
    snprintf(out, len, "%s", tmp);
}

int
mcpd_doc_which(const char *cmd, const char *path, const char *cwd,
               char *found, size_t flen)
{
    return mcpd_find_program(cmd, path, cwd, found, flen);
}

/* ---- reading files ---- */

/* The file's bytes (bounded), malloc'd; NULL with err set. A missing
 * file gives NULL with *missing = 1 and no error. */
static char *
slurp(const char *path, size_t *len, int *missing, char *err,
      size_t errlen)
{
    /* Under sudo with the rights of the user who ran it. */
    int fd = mcpd_open_as_user(path);
    struct stat st;
    char *buf;
    size_t n = 0;

    *missing = 0;
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            *missing = 1;
        else
            snprintf(err, errlen, "cannot read it: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "not a regular file");
        close(fd);
        return NULL;
    }
    buf = malloc(MCPD_DOC_FILE_MAX + 1);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return NULL;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, MCPD_DOC_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read it: %s", strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > MCPD_DOC_FILE_MAX) {
            snprintf(err, errlen, "larger than %u bytes: not read",
                     MCPD_DOC_FILE_MAX);
            free(buf);
            close(fd);
            return NULL;
        }
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static const char *
str_item(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A server that could not be resolved says why, once. */
static void
set_cause(struct mcpd_dserver *s, const char *cause, const char *fix,
          const char *summary)
{
    if (s->cause[0])
        return;
    snprintf(s->cause, sizeof(s->cause), "%s", cause);
    snprintf(s->summary, sizeof(s->summary), "%s", summary);
    snprintf(s->fix, sizeof(s->fix), "%s", fix);
}

/* Resolve `in` for server s; on a miss, record the cause. Returns the
 * resolved value (malloc'd) or NULL. `what` names the field. */
static char *
resolve(struct mcpd_dserver *s, const char *in, enum mcpd_env_style st,
        mcpd_denv_fn env, const char *what)
{
    char *out = malloc(MCPD_DOC_VAL_MAX), miss[256], msg[512], fix[512];
    int rc;

    if (out == NULL)
        return NULL;
    miss[0] = '\0';
    rc = mcpd_doc_expand(in, st, env, out, MCPD_DOC_VAL_MAX, miss,
                         sizeof(miss));
    mcpd_text_sanitize(miss, sizeof(miss));
    if (rc == 1) {
        snprintf(msg, sizeof(msg), "%s refers to ${%s%s}, which is not "
                 "set in this environment: the client sends the text "
                 "\"${...}\" instead", what,
                 st == MCPD_ENV_SHELL ? "" : "env:", miss);
        snprintf(fix, sizeof(fix), "export %s=... in the environment the "
                 "client starts from (then restart the client)", miss);
        set_cause(s, "config_env_unset", fix, msg);
    } else if (rc == 2) {
        snprintf(msg, sizeof(msg), "%s needs ${input:%s}, a value VS Code "
                 "asks for when the server starts: mcpdiag cannot know "
                 "it", what, miss);
        set_cause(s, "config_input_prompt",
                  "start the server once in VS Code (it prompts), or "
                  "check with: mcpdiag probe URL", msg);
    } else if (rc < 0) {
        snprintf(msg, sizeof(msg), "%s is longer than %d bytes", what,
                 MCPD_DOC_VAL_MAX);
        set_cause(s, "config_invalid", "shorten the value", msg);
    }
    if (rc != 0) {
        memset(out, 0, MCPD_DOC_VAL_MAX);
        free(out);
        return NULL;
    }
    return out;
}

static void
add_header(struct mcpd_dserver *s, const char *name, char *value,
           const char *source)
{
    struct mcpd_dheader *h;

    if (s->nhdr >= MCPD_DOC_MAX_HDRS) {
        if (value) {
            memset(value, 0, strlen(value));
            free(value);
        }
        return;
    }
    h = &s->hdr[s->nhdr++];
    snprintf(h->name, sizeof(h->name), "%s", name);
    mcpd_text_sanitize(h->name, sizeof(h->name));
    h->value = value;
    snprintf(h->source, sizeof(h->source), "%s", source);
    mcpd_text_sanitize(h->source, sizeof(h->source));
}

static enum mcpd_dtransport
transport_of(const char *t)
{
    static const struct { const char *name; enum mcpd_dtransport t; }
    names[] = {
        { "stdio", MCPD_DT_STDIO },
        { "http", MCPD_DT_HTTP },
        { "streamable-http", MCPD_DT_HTTP },
        { "streamableHttp", MCPD_DT_HTTP },
        { "streamable_http", MCPD_DT_HTTP },
        { "sse", MCPD_DT_SSE },
    };
    size_t i;

    for (i = 0; t && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(t, names[i].name) == 0)
            return names[i].t;
    return MCPD_DT_UNKNOWN;
}

static struct mcpd_dserver *
new_server(struct mcpd_doctor *d, const char *client, const char *name,
           const char *file)
{
    struct mcpd_dserver *s;

    if (d->nsrv >= MCPD_DOC_MAX_SERVERS) {
        d->skipped++;
        return NULL;
    }
    s = &d->srv[d->nsrv++];
    memset(s, 0, sizeof(*s));
    s->probe_rc = -1;
    snprintf(s->client, sizeof(s->client), "%s", client);
    snprintf(s->name, sizeof(s->name), "%s", name);
    mcpd_text_sanitize(s->name, sizeof(s->name));
    snprintf(s->file, sizeof(s->file), "%s", file);
    return s;
}

/* One JSON server entry (every JSON client uses this shape, with the
 * key names above). */
static void
json_server(struct mcpd_doctor *d, const char *client, const char *file,
            const cJSON *e, enum mcpd_env_style st, mcpd_denv_fn env)
{
    struct mcpd_dserver *s;
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(e, "transport");
    const cJSON *hdrs, *h, *dis;
    const char *type = str_item(e, "type"), *url, *cmd;

    if (!cJSON_IsObject(e) || e->string == NULL)
        return;
    s = new_server(d, client, e->string, file);
    if (s == NULL)
        return;
    /* Some files nest the remote part: "transport": {type, url, ...}. */
    if (cJSON_IsObject(tr)) {
        e = tr;
        type = str_item(e, "type");
    } else if (cJSON_IsString(tr) && type == NULL) {
        type = tr->valuestring;
    }
    dis = cJSON_GetObjectItemCaseSensitive(e, "disabled");
    s->disabled = cJSON_IsTrue(dis);
    url = str_item(e, "url");
    if (url == NULL)
        url = str_item(e, "serverUrl");
    if (url == NULL)
        url = str_item(e, "httpUrl");
    cmd = str_item(e, "command");
    s->transport = transport_of(type);
    if (s->transport == MCPD_DT_UNKNOWN && type != NULL) {
        char msg[300];
        snprintf(msg, sizeof(msg), "unknown transport type \"%s\"", type);
        mcpd_text_sanitize(msg, sizeof(msg));
        set_cause(s, "config_invalid", "use \"type\": \"http\", \"sse\" "
                  "or \"stdio\"", msg);
    } else if (s->transport == MCPD_DT_UNKNOWN) {
        /* No type: a command is stdio; a URL is Streamable HTTP unless
         * it names the legacy /sse endpoint (Cursor's inference). */
        if (cmd)
            s->transport = MCPD_DT_STDIO;
        else if (url && strlen(url) >= 4 &&
                 strcmp(url + strlen(url) - 4, "/sse") == 0)
            s->transport = MCPD_DT_SSE;
        else if (url)
            s->transport = MCPD_DT_HTTP;
    }
    if (s->transport == MCPD_DT_STDIO) {
        const cJSON *envo = cJSON_GetObjectItemCaseSensitive(e, "env");
        const char *p = str_item(envo, "PATH");
        char *c = cmd ? resolve(s, cmd, st, env, "\"command\"") : NULL;
        char *pv = p ? resolve(s, p, st, env, "env PATH") : NULL;
        if (cmd == NULL)
            set_cause(s, "config_invalid", "add \"command\" (the program "
                      "to start), or \"url\" for a remote server",
                      "a stdio server without \"command\"");
        if (c)
            snprintf(s->command, sizeof(s->command), "%s", c);
        snprintf(s->path_env, sizeof(s->path_env), "%s",
                 pv ? pv : (env("PATH") ? env("PATH") : ""));
        free(c);
        free(pv);
        return;
    }
    if (url == NULL) {
        set_cause(s, "config_invalid", "add \"url\" (remote) or "
                  "\"command\" (local)",
                  "neither \"url\" nor \"command\" is set");
        return;
    }
    s->url = resolve(s, url, st, env, "\"url\"");
    mcpd_doc_redact_url(s->url ? s->url : url, s->url_shown,
                        sizeof(s->url_shown));
    mcpd_text_sanitize(s->url_shown, sizeof(s->url_shown));
    hdrs = cJSON_GetObjectItemCaseSensitive(e, "headers");
    cJSON_ArrayForEach(h, hdrs) {
        char what[200], src[160], miss[256];
        char *v;
        if (!cJSON_IsString(h) || h->string == NULL)
            continue;
        snprintf(what, sizeof(what), "header %s", h->string);
        mcpd_text_sanitize(what, sizeof(what));
        /* Say where the value comes from, never what it is. */
        miss[0] = '\0';
        {
            const char *ref = strstr(h->valuestring, "${");
            if (ref && st != MCPD_ENV_NONE) {
                size_t l = strcspn(ref + 2, "}");
                snprintf(src, sizeof(src), "${%.*s}", (int)l, ref + 2);
            } else {
                snprintf(src, sizeof(src), "literal");
            }
        }
        v = resolve(s, h->valuestring, st, env, what);
        add_header(s, h->string, v, src);
        (void)miss;
    }
}

/* Every server in a JSON object map. */
static int
json_servers(struct mcpd_doctor *d, const char *client, const char *file,
             const cJSON *map, enum mcpd_env_style st, mcpd_denv_fn env)
{
    const cJSON *e;
    int n = d->nsrv;

    cJSON_ArrayForEach(e, map)
        json_server(d, client, file, e, st, env);
    return d->nsrv - n;
}

/* Codex's [mcp_servers.NAME]. */
static int
codex_servers(struct mcpd_doctor *d, const char *file, const cJSON *root,
              mcpd_denv_fn env)
{
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root,
                                                        "mcp_servers");
    const cJSON *e, *h;
    int n = d->nsrv;

    cJSON_ArrayForEach(e, map) {
        struct mcpd_dserver *s;
        const char *url = str_item(e, "url"), *cmd = str_item(e, "command");
        const char *btv = str_item(e, "bearer_token_env_var");
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(e, "enabled");
        if (!cJSON_IsObject(e))
            continue;
        s = new_server(d, "codex", e->string, file);
        if (s == NULL)
            break;
        s->disabled = cJSON_IsFalse(en);
        if (cmd) {
            const cJSON *envo = cJSON_GetObjectItemCaseSensitive(e, "env");
            const char *p = str_item(envo, "PATH");
            s->transport = MCPD_DT_STDIO;
            snprintf(s->command, sizeof(s->command), "%s", cmd);
            snprintf(s->path_env, sizeof(s->path_env), "%s",
                     p ? p : (env("PATH") ? env("PATH") : ""));
            continue;
        }
        if (url == NULL) {
            set_cause(s, "config_invalid", "add url = \"...\" (remote) "
                      "or command = \"...\" (local)",
                      "neither url nor command is set");
            continue;
        }
        /* Codex speaks Streamable HTTP to a url; no SSE. */
        s->transport = MCPD_DT_HTTP;
        s->url = strdup(url);
        mcpd_doc_redact_url(url, s->url_shown, sizeof(s->url_shown));
        mcpd_text_sanitize(s->url_shown, sizeof(s->url_shown));
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(
                                  e, "http_headers"))
            if (cJSON_IsString(h))
                add_header(s, h->string, strdup(h->valuestring),
                           "literal");
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(
                                  e, "env_http_headers")) {
            const char *v;
            char src[160];
            if (!cJSON_IsString(h))
                continue;
            v = env(h->valuestring);
            snprintf(src, sizeof(src), "env %s", h->valuestring);
            if (v == NULL) {
                char msg[300], fix[300], var[128];
                snprintf(var, sizeof(var), "%s", h->valuestring);
                mcpd_text_sanitize(var, sizeof(var));
                snprintf(msg, sizeof(msg), "header %s comes from "
                         "env_http_headers variable %s, which is not set: "
                         "Codex leaves the header out", h->string, var);
                snprintf(fix, sizeof(fix), "export %s=... in the "
                         "environment Codex starts from", var);
                set_cause(s, "config_env_unset", fix, msg);
            }
            add_header(s, h->string, v ? strdup(v) : NULL, src);
        }
        if (btv) {
            const char *v = env(btv);
            char src[160], *val = NULL;
            snprintf(src, sizeof(src), "env %s", btv);
            if (v) {
                size_t l = strlen(v) + 8;
                val = malloc(l);
                if (val)
                    snprintf(val, l, "Bearer %s", v);
            } else {
                char msg[300], fix[300], var[128];
                snprintf(var, sizeof(var), "%s", btv);
                mcpd_text_sanitize(var, sizeof(var));
                snprintf(msg, sizeof(msg), "bearer_token_env_var names %s, "
                         "which is not set: Codex sends no token", var);
                snprintf(fix, sizeof(fix), "export %s=<token> in the "
                         "environment Codex starts from", var);
                set_cause(s, "config_env_unset", fix, msg);
            }
            add_header(s, "Authorization", val, src);
        }
    }
    return d->nsrv - n;
}

/* Which kind of file this is when --config does not say. */
static const char *
detect_client(const char *path, const cJSON *doc)
{
    (void)path;
    if (cJSON_GetObjectItemCaseSensitive(doc, "mcp_servers"))
        return "codex";
    if (cJSON_GetObjectItemCaseSensitive(doc, "servers") ||
        cJSON_GetObjectItemCaseSensitive(doc, "mcp"))
        return "vscode";
    return "config";
}

static struct mcpd_dfile *
new_file(struct mcpd_doctor *d, const char *client, const char *path)
{
    struct mcpd_dfile *f;

    if (d->nfile >= MCPD_DOC_MAX_FILES)
        return NULL;
    f = &d->file[d->nfile++];
    memset(f, 0, sizeof(*f));
    snprintf(f->client, sizeof(f->client), "%s", client);
    snprintf(f->path, sizeof(f->path), "%s", path);
    mcpd_text_sanitize(f->path, sizeof(f->path));
    return f;
}

/* Is dir the project directory or one of its parents? */
static int
is_parent_dir(const char *dir, const char *cwd)
{
    size_t l = strlen(dir);

    while (l > 1 && dir[l - 1] == '/')
        l--;
    return strncmp(dir, cwd, l) == 0 && (cwd[l] == '\0' || cwd[l] == '/');
}

/* ---- where each client keeps its servers ---- */

/* Codex: [mcp_servers.NAME] tables (TOML). */
static int
read_codex(struct mcpd_doctor *d, const char *shown, const char *file,
           const cJSON *doc, enum mcpd_env_style st, mcpd_denv_fn env)
{
    (void)shown;
    (void)st;
    return codex_servers(d, file, doc, env);
}

/* VS Code: "servers" (mcp.json), or "mcp": {"servers"} or the flat
 * "mcp.servers" key (settings.json). */
static int
read_vscode(struct mcpd_doctor *d, const char *shown, const char *file,
            const cJSON *doc, enum mcpd_env_style st, mcpd_denv_fn env)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "mcp");
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(doc, "servers");

    if (sv == NULL && cJSON_IsObject(m))
        sv = cJSON_GetObjectItemCaseSensitive(m, "servers");
    if (sv == NULL)   /* settings.json: "mcp.servers" flat key */
        sv = cJSON_GetObjectItemCaseSensitive(doc, "mcp.servers");
    return json_servers(d, shown, file, sv, st, env);
}

/* Everyone else: "mcpServers"; and in ~/.claude.json the servers of
 * this project (local scope), under "projects"."<dir>". */
static int
read_mcp_servers(struct mcpd_doctor *d, const char *shown, const char *file,
                 const cJSON *doc, enum mcpd_env_style st, mcpd_denv_fn env)
{
    const cJSON *p, *projects;
    int n;

    n = json_servers(d, shown, file,
                     cJSON_GetObjectItemCaseSensitive(doc, "mcpServers"),
                     st, env);
    projects = cJSON_GetObjectItemCaseSensitive(doc, "projects");
    cJSON_ArrayForEach(p, projects) {
        if (p->string && is_parent_dir(p->string, d->cwd))
            n += json_servers(d, shown, file,
                              cJSON_GetObjectItemCaseSensitive(
                                  p, "mcpServers"), st, env);
    }
    return n;
}

/* One row per file layout, as zmap registers its modules; the last row
 * (no client) reads every other client's files. */
static const struct client_reader {
    const char *client;      /* the client it reads, NULL for the rest */
    int toml;                /* its files are TOML */
    int (*servers)(struct mcpd_doctor *d, const char *shown,
                   const char *file, const cJSON *doc,
                   enum mcpd_env_style st, mcpd_denv_fn env);
} client_readers[] = {
    { "codex", 1, read_codex },
    { "vscode", 0, read_vscode },
    { NULL, 0, read_mcp_servers },
};

static const struct client_reader *
reader_for(const char *client)
{
    size_t i;

    for (i = 0; client_readers[i].client; i++)
        if (strcmp(client_readers[i].client, client) == 0)
            break;
    return &client_readers[i];
}

void
mcpd_doc_read_file(struct mcpd_doctor *d, const char *client,
                   const char *path, mcpd_denv_fn env)
{
    struct mcpd_dfile *f;
    char err[400] = "";
    size_t len = 0, pl = strlen(path);
    int missing, toml;
    char *text;
    cJSON *doc;
    const char *label = client[0] ? client : "config";

    text = slurp(path, &len, &missing, err, sizeof(err));
    if (text == NULL && missing && client[0])
        return;                 /* not configured: nothing to say */
    f = new_file(d, label, path);
    if (f == NULL) {
        free(text);
        return;
    }
    if (text == NULL) {
        snprintf(f->error, sizeof(f->error), "%s",
                 missing ? "no such file" : err);
        return;
    }
    f->found = 1;
    toml = reader_for(client)->toml ||
           (pl > 5 && strcmp(path + pl - 5, ".toml") == 0);
    if (!toml && client[0] == '\0') {
        /* By content: JSON starts with { (after blanks/comments). */
        const char *c = text + strspn(text, " \t\r\n");
        toml = *c == '[' || (*c != '{' && *c != '/' && *c != '\0');
    }
    doc = toml ? mcpd_toml_parse(text, len, err, sizeof(err))
               : mcpd_jsonc_parse(text, len, err, sizeof(err));
    free(text);
    if (doc == NULL) {
        snprintf(f->error, sizeof(f->error), "%s", err);
        mcpd_text_sanitize(f->error, sizeof(f->error));
        return;
    }
    if (client[0] == '\0') {
        client = detect_client(path, doc);
        snprintf(f->client, sizeof(f->client), "%s",
                 strcmp(client, "config") == 0 ? "config" : client);
    }
    {
        enum mcpd_env_style st = strcmp(f->client, "config") != 0
                                 ? style_of(f->client) : MCPD_ENV_ANY;
        f->nservers = reader_for(client)->servers(d, f->client, f->path,
                                                  doc, st, env);
    }
    cJSON_Delete(doc);
}

void
mcpd_doc_discover(struct mcpd_doctor *d, char **configs, int nconfigs,
                  mcpd_denv_fn env)
{
    char dirs[MAX_PROJECT_DIRS][1024], path[2048], codex[1024];
    int ndirs = 0, i;
    size_t k;
    const char *ch = env("CODEX_HOME");

    /* The user's home: under sudo the invoking user's. */
    mcpd_user_home(env, d->home, sizeof(d->home));
    if (mcpd_user_cwd(d->cwd, sizeof(d->cwd)) != 0)
        snprintf(d->cwd, sizeof(d->cwd), ".");
    if (ch && *ch)
        snprintf(codex, sizeof(codex), "%s", ch);
    else
        snprintf(codex, sizeof(codex), "%s/.codex", d->home);
    /* The project: the current directory and its parents up to the
     * repository root (.git), never the home directory itself. */
    snprintf(dirs[0], sizeof(dirs[0]), "%s", d->cwd);
    for (;;) {
        struct stat st;
        char *slash;
        if (strcmp(dirs[ndirs], d->home) == 0)
            break;
        ndirs++;
        snprintf(path, sizeof(path), "%s/.git", dirs[ndirs - 1]);
        if (stat(path, &st) == 0 || ndirs >= MAX_PROJECT_DIRS)
            break;
        snprintf(dirs[ndirs], sizeof(dirs[ndirs]), "%s", dirs[ndirs - 1]);
        slash = strrchr(dirs[ndirs], '/');
        if (slash == NULL || slash == dirs[ndirs])
            break;
        *slash = '\0';
    }
    for (k = 0; k < NCLIENT_FILES; k++) {
        const struct client_file *c = &client_files[k];
        if (c->where == PROJECT_DIR) {
            for (i = 0; i < ndirs; i++) {
                snprintf(path, sizeof(path), "%s/%s", dirs[i], c->path);
                mcpd_doc_read_file(d, c->client, path, env);
            }
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s",
                 c->where == CODEX_DIR ? codex : d->home, c->path);
        mcpd_doc_read_file(d, c->client, path, env);
    }
    for (i = 0; i < nconfigs; i++)
        mcpd_doc_read_file(d, "", configs[i], env);
}

void
mcpd_doc_free(struct mcpd_doctor *d)
{
    int i, j;

    for (i = 0; i < d->nsrv; i++) {
        struct mcpd_dserver *s = &d->srv[i];
        for (j = 0; j < s->nhdr; j++) {
            if (s->hdr[j].value) {
                memset(s->hdr[j].value, 0, strlen(s->hdr[j].value));
                free(s->hdr[j].value);
            }
        }
        if (s->url) {
            memset(s->url, 0, strlen(s->url));
            free(s->url);
        }
        free(s->probe_json);
    }
    free(d->srv);
    d->srv = NULL;
}
