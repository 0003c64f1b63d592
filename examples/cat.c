/* cat — copy files, or standard input, to standard output.
 *
 *   cat [FILE...]
 *
 * With no FILE, or where FILE is "-", reads standard input. A file that
 * cannot be opened or read gets a message on stderr ("cat: NAME: reason");
 * the remaining files are still copied and the exit status is 1. Exit status
 * 0 when everything was copied.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Copies `in` to stdout; returns 0, or -1 after a read or write error
 * (the message is printed here). */
static int copy(FILE *in, const char *name)
{
	/* Static, not on the stack: a wasm32-wasi program's whole stack is
	 * 64 KiB by default (wasm-ld's -z stack-size). */
	static char buf[64 * 1024];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
		if (fwrite(buf, 1, n, stdout) != n) {
			fprintf(stderr, "cat: write error: %s\n", strerror(errno));
			return -1;
		}
	}
	if (ferror(in)) {
		fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		return copy(stdin, "-") == 0 ? 0 : 1;
	for (int i = 1; i < argc; i++) {
		FILE *f;

		if (strcmp(argv[i], "-") == 0) {
			if (copy(stdin, "-") != 0)
				status = 1;
			clearerr(stdin);
			continue;
		}
		f = fopen(argv[i], "rb");
		if (f == NULL) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (copy(f, argv[i]) != 0)
			status = 1;
		fclose(f);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "cat: write error: %s\n", strerror(errno));
		status = 1;
	}
	return status;
}
