/* \summary: what token a process runs with, for the capture test: is it
 * elevated, are Administrators enabled in it, its integrity level.
 * mcpdiag capture starts it as COMMAND; run elevated, mcpdiag must give
 * it a restricted token (platform/windows/run.c).
 *
 *   token_check.exe     -> "elevated=0 admins=0 integrity=8192"
 */
#include <windows.h>
#include <stdio.h>

int
main(void)
{
    SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
    TOKEN_ELEVATION el = { 0 };
    unsigned char buf[256];
    TOKEN_MANDATORY_LABEL *label = (TOKEN_MANDATORY_LABEL *)buf;
    PSID admins = NULL;
    BOOL member = FALSE;
    DWORD n, rid = 0;
    HANDLE tok;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
        printf("token_check: OpenProcessToken failed\n");
        return 2;
    }
    n = sizeof(el);
    GetTokenInformation(tok, TokenElevation, &el, n, &n);
    if (GetTokenInformation(tok, TokenIntegrityLevel, buf, sizeof(buf), &n))
        rid = *GetSidSubAuthority(label->Label.Sid,
                                  *GetSidSubAuthorityCount(label->Label.Sid)
                                  - 1);
    if (AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                 DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0,
                                 &admins)) {
        CheckTokenMembership(NULL, admins, &member);
        FreeSid(admins);
    }
    printf("elevated=%d admins=%d integrity=%lu\n", el.TokenIsElevated != 0,
           member != FALSE, (unsigned long)rid);
    CloseHandle(tok);
    return 0;
}
