/* sockhelper — native helper of tests/wasi/run: makes a listening Unix
 * socket at fd 3, runs `WASMBOX run --inherit-fd 3 MODULE`, connects,
 * sends "hello\n", prints what comes back and the child's exit status.
 *   sockhelper SOCKPATH WASMBOX MODULE [RUN-OPTION...]
 * RUN-OPTIONs go before --inherit-fd (e.g. --policy none). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int l, c, status;
    char buf[256];
    ssize_t n, total = 0;
    pid_t pid;

    char *args[16] = { argv[2], "run" };
    int k = 2;

    if (argc < 4 || argc > 4 + 8)
        return 2;
    for (int i = 4; i < argc; i++)
        args[k++] = argv[i];
    args[k++] = "--inherit-fd";
    args[k++] = "3";
    args[k++] = argv[3];
    args[k] = NULL;
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
    unlink(a.sun_path);
    if ((l = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 || bind(l, (void *)&a, sizeof(a)) ||
        listen(l, 1))
        return perror("listen"), 2;
    fflush(stdout);
    if ((pid = fork()) == 0) {
        if (l != 3 && (dup2(l, 3) < 0 || close(l)))
            _exit(2);
        execv(argv[2], args);
        _exit(127);
    }
    close(l);
    if ((c = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 || connect(c, (void *)&a, sizeof(a)))
        return perror("connect"), 2;
    if (write(c, "hello\n", 6) != 6)
        return 2;
    while ((n = read(c, buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
        total += n;
    buf[total] = 0;
    waitpid(pid, &status, 0);
    printf("helper got: %s", buf);
    printf("helper: guest exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    unlink(a.sun_path);
    return 0;
}
