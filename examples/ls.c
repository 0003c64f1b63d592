/* ls — list a directory, sorted, with type markers.
 *
 *   ls [DIR]
 *
 * Lists DIR (default ".") one entry per line, sorted by byte value, without
 * "." and "..". Markers as in ls -F: "/" directory, "@" symbolic link,
 * "|" FIFO, "=" socket; nothing for regular files and others. (No "*" for
 * executables: WASI has no permission bits, so the output would differ
 * between a native and a wasm build. For the same reason a socket may show
 * as "|" in the wasm build: WASI's file types do not tell the two apart.)
 * Exit status 1 with a message when DIR cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct entry {
	char *name;
	char marker; /* '\0' for none */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static char marker_for_mode(mode_t mode)
{
	if (S_ISDIR(mode))
		return '/';
	if (S_ISLNK(mode))
		return '@';
	if (S_ISFIFO(mode))
		return '|';
	if (S_ISSOCK(mode))
		return '=';
	return '\0';
}

/* The type from the directory entry when it has one, lstat otherwise. */
static char marker_for(DIR *d, const struct dirent *de)
{
	struct stat st;

	switch (de->d_type) {
	case DT_DIR: return '/';
	case DT_LNK: return '@';
	case DT_FIFO: return '|';
#ifdef DT_SOCK /* wasi-libc has none: WASI reports sockets and FIFOs alike */
	case DT_SOCK: return '=';
#endif
	case DT_UNKNOWN: break;
	default: return '\0';
	}
	if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return '\0';
	return marker_for_mode(st.st_mode);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : ".";
	struct entry *list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (argc > 2) {
		fprintf(stderr, "usage: ls [DIR]\n");
		return 2;
	}
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			struct entry *bigger;
			cap = cap ? cap * 2 : 64;
			bigger = realloc(list, cap * sizeof *list);
			if (bigger == NULL) {
				fprintf(stderr, "ls: out of memory\n");
				return 1;
			}
			list = bigger;
		}
		list[n].name = strdup(de->d_name);
		if (list[n].name == NULL) {
			fprintf(stderr, "ls: out of memory\n");
			return 1;
		}
		list[n].marker = marker_for(d, de);
		n++;
		errno = 0;
	}
	if (errno != 0) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	closedir(d);

	qsort(list, n, sizeof *list, by_name);
	for (size_t i = 0; i < n; i++) {
		if (list[i].marker)
			printf("%s%c\n", list[i].name, list[i].marker);
		else
			printf("%s\n", list[i].name);
		free(list[i].name);
	}
	free(list);
	return 0;
}
