/* hello — the smallest WASI command: a greeting and the arguments.
 *
 *   hello [ARG...]
 *
 * Prints "Hello, world!" and then one line per argument after the program
 * name. Exit status 0.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("Hello, world!\n");
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
