/* \summary: doctor internals: the servers found in the clients' config
 * files, how their values are resolved, the parsers that read them */
#ifndef MCPD_DOCTOR_INT_H
#define MCPD_DOCTOR_INT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define MCPD_DOC_FILE_MAX     (16u << 20) /* bytes read of one config
                                          * (~/.claude.json grows) */
#define MCPD_DOC_MAX_SERVERS  128         /* servers checked in one run */
#define MCPD_DOC_MAX_FILES    64          /* config files looked at */
#define MCPD_DOC_MAX_HDRS     16          /* headers kept per server */
#define MCPD_DOC_VAL_MAX      4096        /* one resolved value */

/* How a client writes a reference to the environment in its values. */
enum mcpd_env_style {
    MCPD_ENV_NONE = 0,       /* Codex: values are literal */
    MCPD_ENV_SHELL,          /* Claude Code/Desktop: ${VAR}, ${VAR:-dflt} */
    MCPD_ENV_EDITOR,         /* Cursor, Windsurf: ${env:VAR} */
    MCPD_ENV_VSCODE,         /* VS Code: ${env:VAR}, ${input:ID} */
    MCPD_ENV_ANY             /* --config: either form */
};

enum mcpd_dtransport {
    MCPD_DT_UNKNOWN = 0, MCPD_DT_STDIO, MCPD_DT_HTTP, MCPD_DT_SSE
};

/* One configured header: its name is shown, its value never. */
struct mcpd_dheader {
    char name[128];          /* header name as configured */
    char *value;             /* resolved value (a secret), malloc'd;
                              * NULL when it could not be resolved */
    char source[160];        /* "literal", "env TOKEN", "input tok" */
};

/* One server of one client's config. */
struct mcpd_dserver {
    char client[24];         /* "claude-code", "vscode", ... */
    char name[128];          /* the server's key in the file */
    char file[512];          /* the file it came from */
    enum mcpd_dtransport transport;
    int disabled;            /* "disabled": true / enabled = false */
    char *url;               /* resolved URL (may hold a secret) */
    char url_shown[1400];    /* the URL with secrets redacted */
    char command[1024];      /* stdio: the resolved command */
    char path_env[4096];     /* stdio: the PATH the client would use */
    struct mcpd_dheader hdr[MCPD_DOC_MAX_HDRS];
    int nhdr;
    /* the verdict: a doctor-level cause found before probing, or the
     * probe's; "" until decided */
    char cause[40];
    char summary[512];
    char fix[512];
    /* the probe, run as a child */
    char *probe_json;        /* its stdout (secrets scrubbed) */
    int probe_rc;            /* its exit status, -1 not run */
    char mcp_transport[24];  /* what the probe found working */
};

/* One config file looked at. */
struct mcpd_dfile {
    char client[24];
    char path[512];
    int found;               /* it exists and was read */
    char error[512];         /* why it could not be read or parsed */
    int nservers;            /* servers it gave */
};

struct mcpd_doctor {
    struct mcpd_dserver *srv;   /* MCPD_DOC_MAX_SERVERS entries */
    int nsrv;
    int skipped;             /* servers over MCPD_DOC_MAX_SERVERS */
    struct mcpd_dfile file[MCPD_DOC_MAX_FILES];
    int nfile;
    char home[512];          /* the user's home (sudo: who ran it) */
    char cwd[1024];          /* the project directory */
};

/* Parse JSON with comments and trailing commas (the JSONC that VS Code
 * writes: RFC 8259 plus // and block comments and a comma before } or
 * ]). Returns the tree, or NULL with err = "line L, column C: what". */
cJSON *mcpd_jsonc_parse(const char *text, size_t len, char *err,
                        size_t errlen);

/* Parse the TOML subset Codex's config.toml uses (toml.io v1.0.0:
 * [tables], [dotted.table."names"], key = value with dotted keys,
 * basic and literal strings, integers, floats, booleans, arrays and
 * inline tables) into a cJSON tree. Returns NULL with err = "line L,
 * column C: what" on anything else. */
cJSON *mcpd_toml_parse(const char *text, size_t len, char *err,
                       size_t errlen);

/* Resolve the references in `in` as a client of `style` would, with
 * env as the environment lookup. Returns 0 with out set; 1 when a
 * variable is unset (its name in missing); 2 when the value needs a
 * VS Code ${input:...} prompt (its id in missing); -1 when too long. */
typedef const char *(*mcpd_denv_fn)(const char *name);
int mcpd_doc_expand(const char *in, enum mcpd_env_style style,
                    mcpd_denv_fn env, char *out, size_t outlen,
                    char *missing, size_t mlen);

/* Find every config file of every client (user and project level) and
 * read its servers into d; then the --config files. Never fails: a
 * file that cannot be read or parsed is recorded in d->file[]. */
void mcpd_doc_discover(struct mcpd_doctor *d, char **configs, int nconfigs,
                       mcpd_denv_fn env);

/* Read one file as `client` ("" to detect) and add its servers. */
void mcpd_doc_read_file(struct mcpd_doctor *d, const char *client,
                        const char *path, mcpd_denv_fn env);

/* A URL for people: userinfo and every query value become "***". */
void mcpd_doc_redact_url(const char *url, char *out, size_t len);

/* Is `cmd` an executable file, found as a client would with `path`
 * (a PATH string)? 1 yes (full path in found), 0 no. */
int mcpd_doc_which(const char *cmd, const char *path, const char *cwd,
                   char *found, size_t flen);

void mcpd_doc_free(struct mcpd_doctor *d);

#endif
