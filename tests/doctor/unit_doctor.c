/* \summary: doctor's pure parts: JSONC, the TOML subset, ${...}
 * resolution per client, URL redaction, the PATH lookup */

#include <stdlib.h>
#include <string.h>
#include "doctor_int.h"
#include "../testhelp.h"

static const char *
fake_env(const char *name)
{
    if (strcmp(name, "TOKEN") == 0)
        return "s3cret";
    if (strcmp(name, "PATH") == 0)
        return "/usr/bin:/bin";
    return NULL;
}

static const char *
str_at(const cJSON *o, const char *a, const char *b, const char *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b)
        v = cJSON_GetObjectItemCaseSensitive(v, b);
    if (c)
        v = cJSON_GetObjectItemCaseSensitive(v, c);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void
test_jsonc(void)
{
    static const char ok[] =
        "// VS Code\n{\n  /* block\n  comment */ \"servers\": {\n"
        "    \"a\": {\"url\": \"http://x/mcp\", // trailing\n"
        "      \"note\": \"// not a comment, /* nor this */\",},\n  },\n}\n";
    static const char bad[] = "{\n  \"servers\": {\n    \"a\": [1 2]\n}\n";
    char err[200] = "";
    cJSON *d = mcpd_jsonc_parse(ok, strlen(ok), err, sizeof(err));

    test_cond("JSONC with comments and trailing commas parses", d != NULL);
    test_cond("URL kept", strcmp(str_at(d, "servers", "a", "url"),
                                 "http://x/mcp") == 0);
    test_cond("comment markers inside strings kept",
              strcmp(str_at(d, "servers", "a", "note"),
                     "// not a comment, /* nor this */") == 0);
    cJSON_Delete(d);
    d = mcpd_jsonc_parse(bad, strlen(bad), err, sizeof(err));
    test_cond("bad JSON fails", d == NULL);
    test_cond("error names line 3", strncmp(err, "line 3, column ", 15)
                                    == 0);
    d = mcpd_jsonc_parse("  \n", 3, err, sizeof(err));
    test_cond("empty file is an empty object", cJSON_IsObject(d));
    cJSON_Delete(d);
}

static void
test_toml(void)
{
    static const char ok[] =
        "model = \"o3\"  # comment\n"
        "[mcp_servers.docs]\n"
        "url = 'https://example.test/mcp'\n"
        "http_headers = { \"X-Team\" = \"blue\", X-Two = \"2\" }\n"
        "env_http_headers = { Authorization = \"TOK_VAR\" }\n"
        "bearer_token_env_var = \"TOKEN\"\n"
        "enabled = true\n"
        "startup_timeout_sec = 1_0\n"
        "[mcp_servers.\"local tool\"]\n"
        "command = \"npx\"\n"
        "args = [\n  \"-y\", # why\n  \"pkg\",\n]\n"
        "env.PATH = \"/opt/bin\"\n"
        "[[profiles]]\nname = \"a\\u00e9\"\n";
    static const char bad[] = "[mcp_servers.x]\nurl = \"http://x\n";
    static const char dup[] = "a = 1\na = 2\n";
    static const char nest[] = "t = { e = {}, n = { a = \"1\" } }\n"
                               "l = [ { x = 1 }, { x = 2 } ]\n";
    static const char inl_bad[] = "t = { a = 1 b = 2 }\n";
    static const char inl_dup[] = "t = { a = 1, a = 2 }\n";
    static const char arr_bad[] = "l = [ 1 2 ]\n";
    char err[200] = "";
    cJSON *d = mcpd_toml_parse(ok, strlen(ok), err, sizeof(err)), *v;

    test_cond("Codex TOML parses", d != NULL);
    if (d == NULL)
        printf("  %s\n", err);
    test_cond("dotted table, literal string",
              strcmp(str_at(d, "mcp_servers", "docs", "url"),
                     "https://example.test/mcp") == 0);
    test_cond("inline table",
              strcmp(str_at(d, "mcp_servers", "docs", "http_headers") , "")
              == 0 &&
              strcmp(str_at(cJSON_GetObjectItem(d, "mcp_servers"), "docs",
                            "bearer_token_env_var", NULL), "TOKEN") == 0);
    v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
            d, "mcp_servers"), "docs"), "http_headers");
    test_cond("inline table keys", strcmp(str_at(v, "X-Two", NULL, NULL),
                                          "2") == 0);
    test_cond("quoted table name, dotted key",
              strcmp(str_at(cJSON_GetObjectItem(d, "mcp_servers"),
                            "local tool", "env", "PATH"), "/opt/bin") == 0);
    v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
            d, "mcp_servers"), "local tool"), "args");
    test_cond("multi-line array with comment and trailing comma",
              cJSON_GetArraySize(v) == 2);
    v = cJSON_GetObjectItem(d, "profiles");
    test_cond("array of tables, \\u escape",
              cJSON_GetArraySize(v) == 1 &&
              strcmp(str_at(cJSON_GetArrayItem(v, 0), "name", NULL, NULL),
                     "a\xc3\xa9") == 0);
    cJSON_Delete(d);
    d = mcpd_toml_parse(bad, strlen(bad), err, sizeof(err));
    test_cond("unterminated string fails", d == NULL);
    test_cond("error names line 2", strncmp(err, "line 2, column ", 15)
                                    == 0);
    d = mcpd_toml_parse(dup, strlen(dup), err, sizeof(err));
    test_cond("duplicate key fails", d == NULL);
    d = mcpd_toml_parse(nest, strlen(nest), err, sizeof(err));
    test_cond("empty and nested inline tables, array of inline tables",
              d != NULL && cJSON_GetArraySize(cJSON_GetObjectItem(
                               cJSON_GetObjectItem(d, "t"), "e")) == 0 &&
              strcmp(str_at(d, "t", "n", "a"), "1") == 0 &&
              cJSON_GetArraySize(cJSON_GetObjectItem(d, "l")) == 2);
    cJSON_Delete(d);
    d = mcpd_toml_parse(inl_bad, strlen(inl_bad), err, sizeof(err));
    test_cond("inline table without a comma fails",
              d == NULL && strstr(err, "expected ',' or '}' in an inline "
                                       "table") != NULL);
    d = mcpd_toml_parse(inl_dup, strlen(inl_dup), err, sizeof(err));
    test_cond("inline table key defined twice fails",
              d == NULL && strstr(err, "a key defined twice") != NULL);
    d = mcpd_toml_parse(arr_bad, strlen(arr_bad), err, sizeof(err));
    test_cond("array without a comma fails",
              d == NULL && strstr(err, "expected ',' or ']' in an array")
                               != NULL);
}

static void
test_expand(void)
{
    char out[256], miss[64];

    test_cond("shell ${VAR}",
              mcpd_doc_expand("Bearer ${TOKEN}", MCPD_ENV_SHELL, fake_env,
                              out, sizeof(out), miss, sizeof(miss)) == 0 &&
              strcmp(out, "Bearer s3cret") == 0);
    test_cond("shell ${VAR:-default}",
              mcpd_doc_expand("${NOPE:-dflt}", MCPD_ENV_SHELL, fake_env,
                              out, sizeof(out), miss, sizeof(miss)) == 0 &&
              strcmp(out, "dflt") == 0);
    test_cond("shell unset names the variable",
              mcpd_doc_expand("x${NOPE}", MCPD_ENV_SHELL, fake_env, out,
                              sizeof(out), miss, sizeof(miss)) == 1 &&
              strcmp(miss, "NOPE") == 0);
    test_cond("editor ${env:VAR}",
              mcpd_doc_expand("${env:TOKEN}", MCPD_ENV_EDITOR, fake_env,
                              out, sizeof(out), miss, sizeof(miss)) == 0 &&
              strcmp(out, "s3cret") == 0);
    test_cond("VS Code ${input:id} cannot be resolved",
              mcpd_doc_expand("${input:tok}", MCPD_ENV_VSCODE, fake_env,
                              out, sizeof(out), miss, sizeof(miss)) == 2 &&
              strcmp(miss, "tok") == 0);
    test_cond("Codex values are literal",
              mcpd_doc_expand("${TOKEN}", MCPD_ENV_NONE, fake_env, out,
                              sizeof(out), miss, sizeof(miss)) == 0 &&
              strcmp(out, "${TOKEN}") == 0);
    test_cond("editor variables left alone",
              mcpd_doc_expand("${workspaceFolder}/x", MCPD_ENV_VSCODE,
                              fake_env, out, sizeof(out), miss,
                              sizeof(miss)) == 0 &&
              strcmp(out, "${workspaceFolder}/x") == 0);
    test_cond("too long",
              mcpd_doc_expand("${TOKEN}${TOKEN}", MCPD_ENV_SHELL, fake_env,
                              out, 8, miss, sizeof(miss)) == -1);
}

static void
test_redact(void)
{
    char out[300];

    mcpd_doc_redact_url("https://u:pw@h.test/mcp?key=abc&x=1&flag", out,
                        sizeof(out));
    test_cond("userinfo and query values redacted",
              strcmp(out, "https://***@h.test/mcp?key=***&x=***&flag")
              == 0);
    test_cond("no password left", strstr(out, "pw") == NULL &&
                                  strstr(out, "abc") == NULL);
    mcpd_doc_redact_url("http://h:3000/mcp", out, sizeof(out));
    test_cond("plain URL unchanged", strcmp(out, "http://h:3000/mcp") == 0);
}

#ifdef _WIN32
#include <direct.h>
#include <process.h>
#include <stdio.h>

static void
touch(const char *dir, const char *name, int make)
{
    char path[600];
    FILE *f;

    snprintf(path, sizeof(path), "%s\\%s", dir, name);
    if (!make)
        remove(path);
    else if ((f = fopen(path, "w")) != NULL)
        fclose(f);
}

/* Windows: as Node's spawn (libuv) finds a program: the name as given
 * when it has an extension, then with .com and .exe appended; the
 * current directory first; never a .cmd by its bare name. */
static void
test_which(void)
{
    char dir[400], other[420], path[500], abs[500], found[512];
    const char *tmp = getenv("TEMP");

    snprintf(dir, sizeof(dir), "%s\\mcpd-which-%d", tmp ? tmp : ".",
             (int)_getpid());
    snprintf(other, sizeof(other), "%s\\elsewhere", dir);
    _mkdir(dir);
    _mkdir(other);
    touch(dir, "tool.exe", 1);
    touch(dir, "batch.cmd", 1);
    touch(dir, "plain", 1);
    snprintf(path, sizeof(path), "C:\\no-such-dir;;\"%s\"", dir);
    test_cond("tool is tool.exe on the PATH (a quoted entry)",
              mcpd_doc_which("tool", path, other, found,
                             sizeof(found)) == 1 &&
              strstr(found, "tool.exe") != NULL);
    test_cond("a .cmd is not found by its bare name, but named",
              mcpd_doc_which("batch", path, other, found,
                             sizeof(found)) == 0 &&
              strstr(found, "batch.cmd") != NULL);
    test_cond("a .cmd by its full name is",
              mcpd_doc_which("batch.cmd", dir, other, found,
                             sizeof(found)) == 1);
    test_cond("a name without extension gets .com/.exe only",
              mcpd_doc_which("plain", dir, other, found,
                             sizeof(found)) == 0);
    test_cond("the current directory first",
              mcpd_doc_which("tool", "", dir, found, sizeof(found)) == 1);
    snprintf(abs, sizeof(abs), "%s\\tool", dir);
    test_cond("an absolute path gets .exe appended",
              mcpd_doc_which(abs, "", other, found, sizeof(found)) == 1);
    test_cond("a relative path is from the current directory",
              mcpd_doc_which("elsewhere\\..\\tool.exe", "", dir, found,
                             sizeof(found)) == 1);
    test_cond("a missing command is not found, nothing named",
              mcpd_doc_which("mcpdiag-no-such-cmd", path, other, found,
                             sizeof(found)) == 0 && found[0] == '\0');
    touch(dir, "tool.exe", 0);
    touch(dir, "batch.cmd", 0);
    touch(dir, "plain", 0);
    _rmdir(other);
    _rmdir(dir);
}
#else
static void
test_which(void)
{
    char found[512];

    test_cond("sh is on /usr/bin:/bin",
              mcpd_doc_which("sh", "/nonexistent:/usr/bin:/bin", "/",
                             found, sizeof(found)) == 1);
    test_cond("a missing command is not found",
              mcpd_doc_which("mcpdiag-no-such-cmd", "/usr/bin:/bin", "/",
                             found, sizeof(found)) == 0);
    test_cond("an absolute path that is not executable",
              mcpd_doc_which("/etc/passwd", "", "/", found,
                             sizeof(found)) == 0 && found[0] == '\0');
}
#endif

int
main(void)
{
    test_jsonc();
    test_toml();
    test_expand();
    test_redact();
    test_which();
    return test_report();
}
