/* fabcheck's musl probe: `lookup hosts NAME...` resolves each NAME with getaddrinfo and prints
 * what glibc's `getent hosts` prints — one "ADDRESS CANONICAL-NAME" line per address —
 * so fabcheck reads its output the same way. Exit 0 when every name resolved, 2 otherwise
 * (getent's convention), 1 on a usage error.
 *
 * Built statically against musl (`musl-gcc -static`), the lookups go through musl's own stub
 * resolver (src/network/lookup_name.c, res_msend.c): every nameserver asked at once, a name
 * with ndots dots never searched. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "hosts") != 0) {
        fprintf(stderr, "usage: %s hosts NAME...\n", argv[0]);
        return 1;
    }
    int status = 0;
    for (int i = 2; i < argc; i++) {
        struct addrinfo hints, *res, *ai;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_CANONNAME;
        int rc = getaddrinfo(argv[i], NULL, &hints, &res);
        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], gai_strerror(rc));
            status = 2;
            continue;
        }
        const char *canon = res->ai_canonname ? res->ai_canonname : argv[i];
        for (ai = res; ai; ai = ai->ai_next) {
            char text[INET6_ADDRSTRLEN];
            const void *addr = ai->ai_family == AF_INET
                ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
            if (!inet_ntop(ai->ai_family, addr, text, sizeof text)) continue;
            printf("%s %s\n", text, canon);
        }
        freeaddrinfo(res);
    }
    fflush(stdout);
    return status;
}
