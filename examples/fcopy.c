/* fcopy — read a file, write another, list a directory, print the
 * environment: the WASI acceptance program.
 *
 *   fcopy SRC DST [DIR]
 *
 * 1. Reads SRC and writes its bytes to DST (created or truncated), then
 *    reads DST back and checks that it is identical.
 * 2. Lists DIR (default: "."), sorted by name, one entry per line: "/" after
 *    a directory name, the size in bytes after a regular file.
 * 3. Prints the environment, sorted.
 *
 * Everything goes to stdout in a form that does not depend on the runtime,
 * so a native build (gcc) and a wasm32-wasi build run under a WASI runtime
 * with the same files, directory and environment print the same bytes.
 * Exit status 0 on success; 1 with a message on stderr on any error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern char **environ;

static const char *prog = "fcopy";

static void die(const char *what, const char *name)
{
	fprintf(stderr, "%s: %s%s%s: %s\n", prog, what, name ? " " : "",
	        name ? name : "", strerror(errno));
	exit(1);
}

/* Reads a whole file into a malloc'd buffer; the caller frees it. */
static unsigned char *read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		die("cannot open", path);
	for (;;) {
		if (len == cap) {
			unsigned char *bigger;
			cap = cap ? cap * 2 : 4096;
			bigger = realloc(buf, cap);
			if (bigger == NULL)
				die("out of memory reading", path);
			buf = bigger;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		die("cannot read", path);
	fclose(f);
	*len_out = len;
	return buf;
}

static void write_file(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		die("cannot create", path);
	if (fwrite(buf, 1, len, f) != len)
		die("cannot write", path);
	if (fclose(f) != 0)
		die("cannot write", path);
}

/* FNV-1a, 32 bits: a short fingerprint of the copied bytes. */
static uint32_t fnv1a(const unsigned char *p, size_t n)
{
	uint32_t h = 0x811C9DC5u;
	while (n--)
		h = (h ^ *p++) * 0x01000193u;
	return h;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *path)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (d == NULL)
		die("cannot open directory", path);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **bigger;
			cap = cap ? cap * 2 : 32;
			bigger = realloc(names, cap * sizeof *names);
			if (bigger == NULL)
				die("out of memory listing", path);
			names = bigger;
		}
		if ((names[n++] = strdup(de->d_name)) == NULL)
			die("out of memory listing", path);
		errno = 0;
	}
	if (errno != 0)
		die("cannot read directory", path);
	qsort(names, n, sizeof *names, cmp_str);

	printf("directory %s: %zu entries\n", path, n);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0)
			die("cannot stat", names[i]);
		if (S_ISDIR(st.st_mode))
			printf("  %s/\n", names[i]);
		else if (S_ISREG(st.st_mode))
			printf("  %s %lld\n", names[i], (long long)st.st_size);
		else if (S_ISLNK(st.st_mode))
			printf("  %s@\n", names[i]);
		else
			printf("  %s?\n", names[i]);
		free(names[i]);
	}
	free(names);
	closedir(d);
}

static void print_env(void)
{
	size_t n = 0;
	char **vars;

	while (environ != NULL && environ[n] != NULL)
		n++;
	vars = malloc((n ? n : 1) * sizeof *vars);
	if (vars == NULL)
		die("out of memory", NULL);
	memcpy(vars, environ, n * sizeof *vars);
	qsort(vars, n, sizeof *vars, cmp_str);
	printf("environment: %zu variables\n", n);
	for (size_t i = 0; i < n; i++)
		printf("  %s\n", vars[i]);
	free(vars);
}

int main(int argc, char **argv)
{
	const char *src, *dst, *dir;
	unsigned char *data, *back;
	size_t len, back_len;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s SRC DST [DIR]\n", prog);
		return 2;
	}
	src = argv[1];
	dst = argv[2];
	dir = argc > 3 ? argv[3] : ".";

	data = read_file(src, &len);
	write_file(dst, data, len);
	back = read_file(dst, &back_len);
	if (back_len != len || memcmp(data, back, len) != 0) {
		fprintf(stderr, "%s: %s: read back differs from %s\n", prog, dst, src);
		return 1;
	}
	printf("copied %s to %s: %zu bytes, fnv1a %08x\n", src, dst, len,
	       (unsigned)fnv1a(data, len));
	free(data);
	free(back);

	list_dir(dir);
	print_env();
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
		return 1;
	}
	return 0;
}
