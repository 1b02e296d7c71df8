// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the blocklist file parser (ctl/listfile.c), the
 * code that reads downloaded feeds. Beyond "no crash, no sanitizer
 * report", it checks what listfile.h promises: a failed parse leaves the
 * list as it was and says where (NAME:LINE), and what parses is written
 * back (listfile_write) in a form that parses to the same entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listfile.h"

#define NAME "fuzz"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_listfile: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct lf_list lf = {}, back = {};
	char err[512] = "", err2[512] = "";
	char *text = NULL;
	size_t tlen = 0;
	FILE *f, *out;
	int rc;

	if (!size)
		return 0;	/* fmemopen refuses an empty buffer */
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	rc = listfile_parse(f, NAME, &lf, err, sizeof(err));
	fclose(f);
	if (rc) {
		check(lf.n == 0 && lf.normalised == 0, "a failed parse kept entries");
		check(!strncmp(err, NAME ":", strlen(NAME ":")), "error does not name the file");
		lf_free(&lf);
		return 0;
	}
	for (size_t i = 0; i < lf.n; i++)
		check((lf.v[i].family == 4 && lf.v[i].plen <= 32) ||
		      (lf.v[i].family == 6 && lf.v[i].plen <= 128), "entry out of range");

	/* Round trip: written entries parse back, in order, unchanged. */
	out = open_memstream(&text, &tlen);
	check(out != NULL, "open_memstream");
	check(!listfile_write(out, lf.v, lf.n, "fuzz\nround trip"), "listfile_write failed");
	fclose(out);
	if (tlen) {
		f = fmemopen(text, tlen, "r");
		check(f != NULL, "fmemopen");
		rc = listfile_parse(f, NAME, &back, err2, sizeof(err2));
		fclose(f);
		check(rc == 0, err2);
		check(back.n == lf.n && back.normalised == 0, "round trip changed the count");
		for (size_t i = 0; i < lf.n; i++)
			check(!pg_prefix_cmp(&lf.v[i], &back.v[i]), "round trip changed an entry");
	} else {
		check(lf.n == 0, "nothing written for entries");
	}
	free(text);
	lf_free(&back);
	lf_free(&lf);
	return 0;
}
