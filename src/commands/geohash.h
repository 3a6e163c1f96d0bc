/* Geohashes as Redis computes them: the 52-bit score of a position, its decoding, the 9 boxes that cover a search, and the distance on the sphere. */
#ifndef SS_GEOHASH_H
#define SS_GEOHASH_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A position is stored as a sorted set score: longitude and latitude
 * interleaved bit by bit at 26 steps each (52 bits, exact in a double),
 * over [-180, 180] x [-85.05112878, 85.05112878] (the Web Mercator limits).
 * Every number here is computed with Redis's own formulas and in its order
 * (geohash.c, geohash_helper.c), so positions, distances and the boxes a
 * search visits are bit for bit what redis-server computes.
 */
#define GEO_STEP_MAX 26
#define GEO_LAT_MIN (-85.05112878)
#define GEO_LAT_MAX 85.05112878
#define GEO_LONG_MIN (-180.0)
#define GEO_LONG_MAX 180.0

typedef struct geohash_bits {
    uint64_t bits;
    uint8_t step;
} geohash_bits;

typedef struct geohash_range {
    double min, max;
} geohash_range;

typedef struct geohash_area {
    geohash_range lon, lat;
} geohash_area;

/* Encodes a position at step (1..32) over the given ranges; false when it
 * lies outside them or the Mercator limits. */
bool geohash_encode(const geohash_range *lon_r, const geohash_range *lat_r, double lon, double lat,
                    uint8_t step, geohash_bits *out);
/* The 52-bit score of a position (already checked to be in range). */
uint64_t geohash_score(double lon, double lat);
/* The position a score stands for (the center of its cell), as Redis's
 * decodeGeohash; false for a zero hash. xy: longitude, latitude. */
bool geohash_decode_score(double score, double xy[2]);
/* The 11-character standard geohash of a score (GEOHASH). */
void geohash_string(double score, char out[12]);

/* The great-circle distance in meters (Redis's haversine and Earth radius). */
double geohash_distance(double lon1, double lat1, double lon2, double lat2);

enum { GEO_CIRCLE = 1, GEO_BOX = 2 };

/* What a search covers: a circle (radius) or an axis-aligned box (width,
 * height) around xy, in the units whose size in meters is conversion. */
typedef struct geo_shape {
    int type;
    double xy[2];
    double conversion;
    double radius;
    double width, height;
    double bounds[4]; /* filled by geohash_search_boxes */
} geo_shape;

/* The boxes a search visits, in Redis's order (center, N, S, E, W, NE, NW,
 * SE, SW); a box that cannot hold a match is zero (bits 0, step 0). */
void geohash_search_boxes(geo_shape *shape, geohash_bits boxes[9]);
/* The score range [*min, *max) of the members inside a box. */
void geohash_box_scores(geohash_bits box, uint64_t *min, uint64_t *max);
/* Whether the member with this score lies in the shape: then *xy and
 * *dist (meters from the center) are set. */
bool geohash_in_shape(const geo_shape *shape, double score, double xy[2], double *dist);

#endif
