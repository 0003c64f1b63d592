/* stdio — the three standard streams pass through:
 *   stdio cat          copy stdin to stdout (binary, any size)
 *   stdio pattern N    write N bytes of a fixed pattern to stdout
 *   stdio both         one line on stdout, one on stderr */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char buf[1 << 20];

/* write(2) may be short: loop until everything is out. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "cat";
    if (!strcmp(mode, "cat")) {
        ssize_t n;
        while ((n = read(0, buf, sizeof(buf))) > 0)
            if (write_all(1, buf, (size_t)n))
                return 3;
        return n < 0 ? 2 : 0;
    }
    if (!strcmp(mode, "pattern") && argc > 2) {
        unsigned long long left = strtoull(argv[2], NULL, 10), k = 0;
        while (left) {
            size_t chunk = left < sizeof(buf) ? (size_t)left : sizeof(buf);
            for (size_t i = 0; i < chunk; i++, k++)
                buf[i] = (unsigned char)(k * 7 + (k >> 11));
            if (write_all(1, buf, chunk))
                return 3;
            left -= chunk;
        }
        return 0;
    }
    if (!strcmp(mode, "both")) {
        write_all(1, (const unsigned char *)"to stdout\n", 10);
        write_all(2, (const unsigned char *)"to stderr\n", 10);
        return 0;
    }
    return 2;
}
