/* ulps.h: the distance of two doubles in units in the last place, shared by the differential tests. */
#ifndef TESTS_ULPS_H
#define TESTS_ULPS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Steps between the two values on the number line of doubles (so 0 for
   -0.0 and 0.0); NaN is 0 from NaN and farthest from anything else. */
static inline uint64_t ulps_apart(double a, double b)
{
	if (isnan(a) && isnan(b))
		return 0;
	if (isnan(a) || isnan(b))
		return UINT64_MAX;
	int64_t ia, ib;
	memcpy(&ia, &a, 8);
	memcpy(&ib, &b, 8);
	if (ia < 0)
		ia = INT64_MIN - ia;
	if (ib < 0)
		ib = INT64_MIN - ib;
	return ia > ib ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia;
}

#endif
