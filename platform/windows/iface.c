/* \summary: capture devices on Windows: Npcap's loopback adapter, and
 * Npcap's wpcap.dll loaded at run time from its own directory */

#include <stdio.h>
#include "win.h"

const char *
mcpd_default_iface(void)
{
    /* Npcap installed with "Support loopback traffic" (the default)
     * names its adapter so; its packets are DLT_NULL. */
    return "\\Device\\NPF_Loopback";
}

const char *
mcpd_plat_any_iface(void)
{
    return NULL;    /* Npcap has no "any" device */
}

/*
 * Npcap installs wpcap.dll and Packet.dll into System32\Npcap (and into
 * System32 itself only in WinPcap-compatible mode). Load it from there
 * by full path, with that directory on the DLL search path so that it
 * finds its Packet.dll, as Wireshark's load_wpcap does; never from the
 * current directory or PATH, where anyone could drop a wpcap.dll.
 */
int
mcpd_plat_capture_lib(char *err)
{
    static HMODULE wpcap;
    char dir[MAX_PATH], npcap[MAX_PATH + 16], path[MAX_PATH + 32];
    UINT n;

    if (wpcap != NULL)
        return 0;
    n = GetSystemDirectoryA(dir, sizeof(dir));
    if (n == 0 || n >= sizeof(dir)) {
        mcpd_win_error(err, MCPD_ERR_LEN, "GetSystemDirectory",
                       GetLastError());
        return -1;
    }
    snprintf(npcap, sizeof(npcap), "%s\\Npcap", dir);
    snprintf(path, sizeof(path), "%s\\wpcap.dll", npcap);
    if (GetFileAttributesA(path) == INVALID_FILE_ATTRIBUTES) {
        snprintf(err, MCPD_ERR_LEN, "Npcap is not installed (no %s): "
                 "install it from https://npcap.com with \"Support "
                 "loopback traffic\" checked, then run capture again",
                 path);
        return -1;
    }
    SetDllDirectoryA(npcap);
    wpcap = LoadLibraryExA(path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    SetDllDirectoryA(NULL);
    if (wpcap == NULL ||
        GetProcAddress(wpcap, "pcap_create") == NULL) {
        char why[MCPD_ERR_LEN];
        mcpd_win_error(why, sizeof(why), "LoadLibrary", GetLastError());
        snprintf(err, MCPD_ERR_LEN, "Npcap's %s cannot be loaded (%s): "
                 "reinstall Npcap from https://npcap.com with \"Support "
                 "loopback traffic\" checked", path, why);
        if (wpcap != NULL)
            FreeLibrary(wpcap);
        wpcap = NULL;
        return -1;
    }
    return 0;
}
