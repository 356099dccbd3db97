/* \summary: live capture on Windows: Npcap's wpcap.dll, loaded at run
 * time from its own directory, as a table of its libpcap functions */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "win.h"
#include <iphlpapi.h>
#include "pcaplib.h"

/*
 * The linked libpcap (built with PCAP_TYPE=null) reads capture files
 * and writes -w files; only Npcap's driver captures. Its wpcap.dll has
 * libpcap's API, so the table is filled by name: a missing function is
 * a wpcap.dll too old to use. Optional: pcap_open (remote capture,
 * "rpcap://"), and pcap_set_immediate_mode, which WinPcap-era DLLs
 * lack (wine's own wpcap.dll, over the host's libpcap): a short read
 * timeout stands in for it.
 */
static struct mcpd_pcaplib npcap;
static char npcap_name[MAX_PATH + 16];

/*
 * A short sleep, then the caller drains the non-blocking handle. Npcap
 * has an event for this (pcap_getevent), but a wpcap.dll may export it
 * as a stub that faults when called (wine's does): ten milliseconds of
 * latency is the price of never calling it.
 */
#define WAIT_STEP_MS 10

static int
wait_sleep(pcap_t *p, int timeout_ms)
{
    (void)p;
    Sleep(timeout_ms >= 0 && timeout_ms < WAIT_STEP_MS ? (DWORD)timeout_ms
                                                       : WAIT_STEP_MS);
    return 1;
}

/* Npcap's handles are not inheritable, and the command starts with a
 * list of the handles it may have (run.c): nothing to do. */
static int
seal_none(pcap_t *p, char *errbuf)
{
    (void)p;
    (void)errbuf;
    return 0;
}

/* GetProcAddress's FARPROC to the field's own type, through the generic
 * function pointer type that converts to any other. */
/*
 * Npcap names an adapter \Device\NPF_{GUID}, with GetAdaptersAddresses'
 * AdapterName as the GUID; people know it by its friendly name
 * ("Ethernet", "Wi-Fi", as ipconfig shows it). Either becomes the
 * device name; a \Device\ name and Npcap's loopback pass as they are.
 */
static int
device_name(const char *name, char *dev, size_t len, char *errbuf)
{
    IP_ADAPTER_ADDRESSES *list = NULL, *a;
    ULONG size = 16384, rc = ERROR_BUFFER_OVERFLOW;
    int tries, found = 0;

    if (_strnicmp(name, "\\Device\\", 8) == 0) {
        snprintf(dev, len, "%s", name);
        return 0;
    }
    for (tries = 0; tries < 3 && rc == ERROR_BUFFER_OVERFLOW; tries++) {
        free(list);
        if ((list = malloc(size)) == NULL)
            break;
        rc = GetAdaptersAddresses(AF_UNSPEC, GAA_FLAG_SKIP_ANYCAST |
                                  GAA_FLAG_SKIP_MULTICAST |
                                  GAA_FLAG_SKIP_DNS_SERVER, NULL, list,
                                  &size);
    }
    for (a = rc == NO_ERROR ? list : NULL; a && !found; a = a->Next) {
        char friendly[256];
        if (WideCharToMultiByte(CP_UTF8, 0, a->FriendlyName, -1, friendly,
                                sizeof(friendly), NULL, NULL) <= 0)
            friendly[0] = '\0';
        if (_stricmp(name, friendly) == 0 ||
            _stricmp(name, a->AdapterName) == 0) {
            snprintf(dev, len, "\\Device\\NPF_%s", a->AdapterName);
            found = 1;
        }
    }
    free(list);
    if (!found)
        snprintf(errbuf, PCAP_ERRBUF_SIZE, "no adapter '%s' (see "
                 "'ipconfig /all'; Npcap's loopback is "
                 "\\Device\\NPF_Loopback)", name);
    return found ? 0 : -1;
}

#define NEED(field, sym) \
    ((npcap.field = (__typeof__(npcap.field))(void (*)(void)) \
      GetProcAddress(dll, sym)) != NULL)

/* 0, or the name of the first function Npcap's DLL lacks. */
static const char *
fill_table(HMODULE dll)
{
    if (!NEED(create, "pcap_create")) return "pcap_create";
    if (!NEED(set_snaplen, "pcap_set_snaplen")) return "pcap_set_snaplen";
    if (!NEED(set_promisc, "pcap_set_promisc")) return "pcap_set_promisc";
    if (!NEED(set_timeout, "pcap_set_timeout")) return "pcap_set_timeout";
    if (!NEED(set_buffer_size, "pcap_set_buffer_size"))
        return "pcap_set_buffer_size";
    if (!NEED(set_tstamp_precision, "pcap_set_tstamp_precision"))
        return "pcap_set_tstamp_precision";
    if (!NEED(get_tstamp_precision, "pcap_get_tstamp_precision"))
        return "pcap_get_tstamp_precision";
    if (!NEED(activate, "pcap_activate")) return "pcap_activate";
    if (!NEED(geterr, "pcap_geterr")) return "pcap_geterr";
    if (!NEED(close, "pcap_close")) return "pcap_close";
    if (!NEED(datalink, "pcap_datalink")) return "pcap_datalink";
    if (!NEED(compile, "pcap_compile")) return "pcap_compile";
    if (!NEED(setfilter, "pcap_setfilter")) return "pcap_setfilter";
    if (!NEED(freecode, "pcap_freecode")) return "pcap_freecode";
    if (!NEED(setnonblock, "pcap_setnonblock")) return "pcap_setnonblock";
    if (!NEED(dispatch, "pcap_dispatch")) return "pcap_dispatch";
    if (!NEED(stats, "pcap_stats")) return "pcap_stats";
    if (!NEED(open_remote, "pcap_open"))
        npcap.open_remote = NULL;       /* no remote capture: fine */
    if (!NEED(set_immediate_mode, "pcap_set_immediate_mode"))
        npcap.set_immediate_mode = NULL;
    npcap.wait = wait_sleep;
    npcap.seal = seal_none;
    npcap.device = device_name;
    return NULL;
}
#undef NEED

/*
 * Npcap installs wpcap.dll and Packet.dll into System32\Npcap (and into
 * System32 itself only in WinPcap-compatible mode). Load it from there
 * by full path, with that directory on the DLL search path so that it
 * finds its Packet.dll, as Wireshark's load_wpcap does; never from the
 * current directory or PATH, where anyone could drop a wpcap.dll.
 */
const struct mcpd_pcaplib *
mcpd_plat_pcaplib(char *err)
{
    static HMODULE wpcap;
    char dir[MAX_PATH], npcapdir[MAX_PATH + 16], path[MAX_PATH + 32];
    const char *missing;
    UINT n;

    if (wpcap != NULL)
        return &npcap;
    n = GetSystemDirectoryA(dir, sizeof(dir));
    if (n == 0 || n >= sizeof(dir)) {
        mcpd_win_error(err, MCPD_ERR_LEN, "GetSystemDirectory",
                       GetLastError());
        return NULL;
    }
    snprintf(npcapdir, sizeof(npcapdir), "%s\\Npcap", dir);
    snprintf(path, sizeof(path), "%s\\wpcap.dll", npcapdir);
    if (GetFileAttributesA(path) == INVALID_FILE_ATTRIBUTES) {
        snprintf(err, MCPD_ERR_LEN, "Npcap is not installed (no %s): "
                 "install it from https://npcap.com with \"Support "
                 "loopback traffic\" checked, then run capture again",
                 path);
        return NULL;
    }
    SetDllDirectoryA(npcapdir);
    wpcap = LoadLibraryExA(path, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    SetDllDirectoryA(NULL);
    if (wpcap == NULL) {
        char why[MCPD_ERR_LEN];
        mcpd_win_error(why, sizeof(why), "LoadLibrary", GetLastError());
        snprintf(err, MCPD_ERR_LEN, "Npcap's %s cannot be loaded (%s): "
                 "reinstall Npcap from https://npcap.com with \"Support "
                 "loopback traffic\" checked", path, why);
        return NULL;
    }
    if ((missing = fill_table(wpcap)) != NULL) {
        snprintf(err, MCPD_ERR_LEN, "Npcap's %s has no %s: install a "
                 "current Npcap from https://npcap.com with \"Support "
                 "loopback traffic\" checked", path, missing);
        FreeLibrary(wpcap);
        wpcap = NULL;
        memset(&npcap, 0, sizeof(npcap));
        return NULL;
    }
    snprintf(npcap_name, sizeof(npcap_name), "Npcap (%s)", path);
    npcap.name = npcap_name;
    return &npcap;
}
