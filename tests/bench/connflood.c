/* \summary: connect-attempt flood for the capture benchmark: N attempts
 * a second to 127.0.0.1:PORT for S seconds, non-blocking */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    struct sockaddr_in sin;
    long rate, secs, sent = 0, target;
    double start;

    if (argc != 4) {
        fprintf(stderr, "usage: connflood PORT RATE SECONDS\n");
        return 2;
    }
    rate = strtol(argv[2], NULL, 10);
    secs = strtol(argv[3], NULL, 10);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)strtol(argv[1], NULL, 10));
    sin.sin_addr.s_addr = htonl(0x7f000001);
    start = now();
    target = rate * secs;
    while (sent < target) {
        /* Pace: attempts due by now, in small bursts. */
        long due = (long)((now() - start) * (double)rate);
        if (due > target)
            due = target;
        while (sent < due) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0) {
                perror("socket");
                return 1;
            }
            if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
                errno != EINPROGRESS && errno != ECONNREFUSED) {
                perror("connect");
                close(fd);
                return 1;
            }
            close(fd);
            sent++;
        }
        usleep(1000);
    }
    printf("%ld attempts in %.2f s\n", sent, now() - start);
    return 0;
}
