/*
 * replay.c - runs a fuzz harness over its corpus without libFuzzer, so
 * that the normal test run (and its sanitizer pass) replays every input.
 * usage: replay-NAME DIR...   one "ok" line per directory.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, got;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
		}
		if ((got = fread(buf + n, 1, cap - n, f)) == 0)
			break;
		n += got;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	char path[4096 + 256 + 2];
	struct dirent *d;
	int i, count, failed = 0;
	DIR *dp;

	for (i = 1; i < argc; i++) {
		if ((dp = opendir(argv[i])) == NULL) {
			printf("not ok - replay %s: cannot open\n", argv[i]);
			failed = 1;
			continue;
		}
		count = 0;
		while ((d = readdir(dp)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], d->d_name);
			if (replay_file(path) == 0)
				count++;
		}
		closedir(dp);
		printf("%s - replay of %d inputs of %s\n", count > 0 ? "ok" : "not ok",
		    count, argv[i]);
		failed |= count == 0;
	}
	return failed;
}
