/* readdir — fd_readdir: whole listing with large and tiny buffers (entries
 * cut short and asked for again from a cookie), resuming from saved
 * cookies, the end cookie, and libc's readdir/rewinddir/seekdir. */
#include <dirent.h>
#include <stdlib.h>

#include "wasitest.h"

#define MAXE 200

typedef struct ent {
    char name[64];
    __wasi_dircookie_t next;
    uint8_t type;
} ent;

static uint8_t buf[8192];
static ent big[MAXE], tiny[MAXE];

static int cmp(const void *a, const void *b)
{
    return strcmp(((const ent *)a)->name, ((const ent *)b)->name);
}

/* Reads the directory fd with bufsize-byte buffers as wasi-libc does. */
static int read_all(__wasi_fd_t fd, __wasi_size_t bufsize, ent *out)
{
    __wasi_dircookie_t cookie = 0;
    int n = 0;
    for (;;) {
        __wasi_size_t used, off = 0;
        if (__wasi_fd_readdir(fd, buf, bufsize, cookie, &used) != 0)
            return -1;
        while (off + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + off, sizeof(d));
            if (off + sizeof(d) + d.d_namlen > used)
                break;
            if (n == MAXE || d.d_namlen >= sizeof(out[n].name))
                return -2;
            memcpy(out[n].name, buf + off + sizeof(d), d.d_namlen);
            out[n].name[d.d_namlen] = 0;
            out[n].next = d.d_next;
            out[n].type = d.d_type;
            cookie = d.d_next;
            off += sizeof(d) + d.d_namlen;
            n++;
        }
        if (used < bufsize)
            return n;
        if (off == 0)
            return -3;
    }
}

int main(void)
{
    __wasi_fd_t fd;
    __wasi_size_t used;
    int n, m, same = 1;
    char name[64];

    SHOW(__wasi_path_create_directory(3, "d"));
    for (int i = 0; i < 120; i++) {
        __wasi_fd_t f;
        snprintf(name, sizeof(name), "d/entry-%03d-with-a-rather-long-name", i);
        if (wt_open(3, 0, name, __WASI_OFLAGS_CREAT, WT_RW, 0, &f) == 0)
            __wasi_fd_close(f);
    }
    SHOW(__wasi_path_create_directory(3, "d/sub"));
    SHOW(__wasi_path_symlink("sub", 3, "d/link"));
    SHOW(wt_open(3, 0, "d", __WASI_OFLAGS_DIRECTORY,
                 __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_OPEN, 0, &fd));
    n = read_all(fd, 8192, big);
    m = read_all(fd, 64, tiny);
    printf("entries with 8192-byte buffers: %d\n", n);
    printf("entries with 64-byte buffers: %d\n", m);
    for (int i = 0; i < n && i < m; i++)
        same &= !strcmp(big[i].name, tiny[i].name) && big[i].next == tiny[i].next;
    printf("same order and cookies: %s\n", same && n == m ? "yes" : "no");
    {
        int resumed = 1;
        for (int i = 0; i + 1 < n; i += 5) {
            for (int rep = 0; rep < 2; rep++) {
                __wasi_dirent_t d;
                if (__wasi_fd_readdir(fd, buf, 300, big[i].next, &used) || used < sizeof(d)) {
                    resumed = 0;
                    continue;
                }
                memcpy(&d, buf, sizeof(d));
                resumed &= d.d_namlen == strlen(big[i + 1].name) &&
                           !memcmp(buf + sizeof(d), big[i + 1].name, d.d_namlen);
            }
        }
        printf("resuming from saved cookies: %s\n", resumed ? "yes" : "no");
    }
    SHOW(__wasi_fd_readdir(fd, buf, 300, big[n - 1].next, &used));
    printf("after the last cookie: %u bytes\n", (unsigned)used);
    SHOW(__wasi_fd_readdir(fd, buf, 10, 0, &used));
    printf("10-byte buffer: %u bytes used\n", (unsigned)used);
    qsort(big, (size_t)n, sizeof(big[0]), cmp);
    for (int i = 0; i < n; i++)
        if (big[i].name[0] != 'e' || !strcmp(big[i].name, "entry-000-with-a-rather-long-name"))
            printf("  %s type=%u\n", big[i].name, big[i].type);
    SHOW(__wasi_fd_readdir(fd, WT_BAD_PTR, 100, 0, &used));
    SHOW(__wasi_fd_readdir(fd, buf, 100, 0, WT_BAD_PTR));
    SHOW(__wasi_fd_readdir(1, buf, 100, 0, &used));
    {
        __wasi_fd_t f;
        __wasi_path_open(3, 0, "d/entry-001-with-a-rather-long-name", 0, __WASI_RIGHTS_FD_READDIR,
                         0, 0, &f);
        SHOW(__wasi_fd_readdir(f, buf, 100, 0, &used));
    }

    puts("libc:");
    {
        DIR *dir = opendir("d");
        struct dirent *de;
        int count = 0, count2 = 0;
        long pos = -1;
        char at[64] = "", after[64] = "";
        while ((de = readdir(dir))) {
            if (++count == 50) {
                pos = telldir(dir);
                strcpy(at, de->d_name);
            }
            if (count == 51)
                strcpy(after, de->d_name);
        }
        rewinddir(dir);
        while (readdir(dir))
            count2++;
        seekdir(dir, pos);
        de = readdir(dir);
        printf("  readdir: %d entries, after rewind %d\n", count, count2);
        printf("  seekdir to a telldir position continues: %s\n",
               de && !strcmp(de->d_name, after) && strcmp(at, after) ? "yes" : "no");
        closedir(dir);
    }
    return 0;
}
