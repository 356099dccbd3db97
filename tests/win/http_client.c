/* \summary: a small HTTP/1.1 client for the bundle test under wine: the
 * COMMAND whose request carries secrets in its headers, as a client's
 * would (curl is not a Windows program here).
 *
 *   http_client.exe HOST PORT PATH [-H "Name: value"]...
 *
 * POSTs an MCP initialize to HOST:PORT PATH with the headers given,
 * prints the response's status line; exit 0 on a 2xx answer, 1 on any
 * other, 2 when it could not connect. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
    static const char body[] =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}";
    char req[4096], resp[8192];
    struct addrinfo hints, *ai = NULL;
    WSADATA wsa;
    SOCKET s;
    size_t n = 0;
    int i, got, total = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: http_client HOST PORT PATH [-H HDR]...\n");
        return 2;
    }
    n += (size_t)snprintf(req + n, sizeof(req) - n,
                          "POST %s HTTP/1.1\r\nHost: %s:%s\r\n", argv[3],
                          argv[1], argv[2]);
    for (i = 4; i + 1 < argc && n < sizeof(req); i += 2)
        if (strcmp(argv[i], "-H") == 0)
            n += (size_t)snprintf(req + n, sizeof(req) - n, "%s\r\n",
                                  argv[i + 1]);
    if (n < sizeof(req))
        n += (size_t)snprintf(req + n, sizeof(req) - n,
                              "Content-Type: application/json\r\n"
                              "Accept: application/json, text/event-stream"
                              "\r\nContent-Length: %u\r\n"
                              "Connection: close\r\n\r\n%s",
                              (unsigned)strlen(body), body);
    if (n >= sizeof(req)) {
        fprintf(stderr, "http_client: request too long\n");
        return 2;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0 ||
        getaddrinfo(argv[1], argv[2], &hints, &ai) != 0) {
        fprintf(stderr, "http_client: cannot resolve %s\n", argv[1]);
        return 2;
    }
    s = socket(ai->ai_family, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET ||
        connect(s, ai->ai_addr, (int)ai->ai_addrlen) != 0) {
        fprintf(stderr, "http_client: cannot connect: %d\n",
                WSAGetLastError());
        return 2;
    }
    freeaddrinfo(ai);
    if (send(s, req, (int)n, 0) != (int)n) {
        fprintf(stderr, "http_client: send failed\n");
        return 2;
    }
    while (total < (int)sizeof(resp) - 1 &&
           (got = recv(s, resp + total, (int)sizeof(resp) - 1 - total,
                       0)) > 0)
        total += got;
    closesocket(s);
    resp[total] = '\0';
    resp[strcspn(resp, "\r\n")] = '\0';
    printf("%s\n", resp);
    return strncmp(resp, "HTTP/1.1 2", 10) == 0 ? 0 : 1;
}
