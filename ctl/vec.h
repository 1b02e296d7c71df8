/* SPDX-License-Identifier: GPL-2.0 */
/* Growing arrays: the one realloc-and-double the CLI uses. */
#ifndef __PKTGATE_VEC_H
#define __PKTGATE_VEC_H

#include <errno.h>
#include <stdlib.h>

/* Make room for one more element in *v (*n used of *cap), doubling from
 * first; 0 or -ENOMEM (then *v is unchanged). */
static inline int vec_grow(void *v, size_t n, size_t *cap, size_t elem, size_t first)
{
	void **vp = v;
	size_t want = *cap ? *cap * 2 : first;
	void *nv;

	if (n < *cap)
		return 0;
	nv = realloc(*vp, want * elem);
	if (!nv)
		return -ENOMEM;
	*vp = nv;
	*cap = want;
	return 0;
}

#endif
